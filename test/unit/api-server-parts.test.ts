/** Pure parts of the API server: roles, route matching, durations, stream-id order, the API's configuration. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allows, ROLES } from '../../controller/server/roles.js';
import { matchRoute } from '../../controller/server/routes.js';
import { parseDuration } from '../../controller/server/tokens.js';
import { compareStreamIds } from '../../controller/server/feed-position.js';
import { ConfigError, compileConfig } from '../../controller/config.js';

test('roles include the ones below them', () => {
  assert.deepEqual(ROLES.map((r) => ['read', 'submit', 'operate', 'administer'].filter((v) => allows(r, v as 'read')).length), [1, 2, 3, 4]);
  assert.equal(allows('submitter', 'operate'), false);
  assert.equal(allows('operator', 'administer'), false);
});

test('routes match templates with decoded parameters; a known path with another method lists the allowed ones', () => {
  const found = matchRoute('POST', '/apis/longshore.dev/v1alpha1/namespaces/team-a/runs/r%2E1/cancel');
  assert.ok(found && 'route' in found);
  assert.deepEqual(found.params, { namespace: 'team-a', name: 'r.1' });
  const wrong = matchRoute('PATCH', '/apis/longshore.dev/v1alpha1/namespaces/team-a/pools/p');
  assert.ok(wrong && 'methodNotAllowed' in wrong);
  assert.deepEqual(wrong.methodNotAllowed.sort(), ['DELETE', 'GET', 'PUT']);
  assert.equal(matchRoute('GET', '/apis/longshore.dev/v1alpha1/namespaces/a/widgets'), undefined);
  assert.equal(matchRoute('GET', '/apis/longshore.dev/v1alpha1/namespaces/%E0%A4%A/runs'), undefined);
  assert.equal(matchRoute('GET', '/apis/longshore.dev/v1alpha1/namespaces//runs'), undefined);
});

test('durations: s, m, h, d; anything else is refused', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  for (const bad of ['', '7', 'd', '-1h', '0s', '1w']) assert.equal(parseDuration(bad), undefined, bad);
});

test('stream ids order by milliseconds, then sequence', () => {
  assert.ok(compareStreamIds('10-0', '9-5') > 0);
  assert.ok(compareStreamIds('10-1', '10-2') < 0);
  assert.equal(compareStreamIds('0-0', '0-0'), 0);
});

test('the API configuration: defaults, TLS only with both files, bad values named', () => {
  const defaults = compileConfig({});
  assert.deepEqual(
    { enabled: defaults.api.enabled, port: defaults.api.port, tls: defaults.api.tls, body: defaults.api.bodyLimitBytes, rate: defaults.api.rateLimit },
    { enabled: false, port: 8080, tls: undefined, body: 1_048_576, rate: { burst: 200, refillPerSecond: 100 } },
  );
  const tls = compileConfig({ LONGSHORE_API_TLS_CERT_FILE: '/c.pem', LONGSHORE_API_TLS_KEY_FILE: '/k.pem', LONGSHORE_API_ENABLED: 'true' });
  assert.deepEqual(tls.api.tls, { certFile: '/c.pem', keyFile: '/k.pem' });
  assert.equal(tls.api.enabled, true);
  assert.throws(() => compileConfig({ LONGSHORE_API_TLS_KEY_FILE: '/k.pem' }), (e: unknown) => e instanceof ConfigError && /set both/.test(e.message));
  assert.throws(() => compileConfig({ LONGSHORE_API_ENABLED: 'yes', LONGSHORE_API_RATE_LIMIT: 'fast' }), (e: unknown) =>
    e instanceof ConfigError && e.problems.length === 2 && /LONGSHORE_API_ENABLED: expected true or false/.test(e.message));
});
