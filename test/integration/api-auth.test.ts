/**
 * Authentication and authorization: bearer tokens (missing, malformed, unknown, revoked, expired → 401),
 * each role's allowed and refused verbs (403), namespace scope, the admin's token routes, and the per-token
 * request rate (429 with Retry-After), over real Redis.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../controller/logger.js';
import { RunLogError, type RunLogLine, type RunLogSource } from '../../controller/logs/types.js';
import { ROUTES } from '../../controller/server/routes.js';
import type { Status } from '../../controller/server/status.js';
import { TOKENS_KEY, TokenStore } from '../../controller/server/tokens.js';
import { poolDoc, runDoc, startTestApi, type TestApi } from '../helpers/api-server.js';
import { until } from '../helpers/until.js';

/** Every run's log is one line: the role checks need the route to answer, not CloudWatch Logs. */
const oneLine: RunLogSource = {
  open: () => (async function* (): AsyncGenerator<RunLogLine> {
    yield { timestamp: 0, message: 'hello', attempt: 1, container: 'main' };
  })(),
};

describe('API: tokens and roles', () => {
  let api: TestApi;
  let admin: string;
  before(async () => {
    api = await startTestApi({ logSource: oneLine });
    admin = await api.token('admin');
    assert.equal((await api.call('PUT', api.ns('pools/p1'), { token: admin, body: poolDoc('p1') })).status, 201);
    assert.equal((await api.call('POST', api.ns('runs'), { token: admin, body: runDoc('existing') })).status, 201);
  });
  after(() => api.close());

  test('no token, a malformed, unknown, revoked or expired token: 401 Status with a Bearer challenge', async () => {
    const none = await api.call<Status>('GET', api.ns('runs'));
    assert.equal(none.status, 401);
    assert.equal(none.body.reason, 'Unauthorized');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await api.call('GET', api.ns('runs'), { token: 'not-a-token' })).status, 401);
    const real = await api.token('viewer');
    const forged = real.slice(0, -4) + (real.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await api.call('GET', api.ns('runs'), { token: forged })).status, 401);
    assert.equal((await api.call('GET', api.ns('runs'), { token: real })).status, 200);

    const id = real.split('_')[1];
    assert.equal(await api.tokens.revoke(id), true);
    const revoked = await api.call<Status>('GET', api.ns('runs'), { token: real });
    assert.equal(revoked.status, 401);
    assert.match(revoked.body.message, /unknown or revoked/);

    const hourLong = await api.token('viewer', { expiresInMs: 3_600_000 });
    assert.equal((await api.call('GET', api.ns('runs'), { token: hourLong })).status, 200);
    // Made two hours ago with an hour to live: expired an hour ago.
    const past = new TokenStore(api.redis, () => new Date(Date.now() - 7_200_000));
    const { token: lapsed, info } = await past.create({ role: 'viewer', namespace: api.namespace, expiresInMs: 3_600_000 });
    try {
      const expired = await api.call<Status>('GET', api.ns('runs'), { token: lapsed });
      assert.equal(expired.status, 401);
      assert.match(expired.body.message, /expired/);
    } finally {
      await api.tokens.revoke(info.id);
    }
  });

  test('only the hash is stored: the secret appears nowhere in Redis', async () => {
    const token = await api.token('viewer');
    const [, id, secret] = /^lst_([0-9a-f]{12})_(.+)$/.exec(token)!;
    const stored = await api.redis.hget(TOKENS_KEY, id);
    assert.ok(stored);
    assert.ok(!stored.includes(secret));
    assert.match(JSON.parse(stored).hash, /^[0-9a-f]{64}$/);
  });

  // [method, path, body] and the least role that may do it. Each role deletes and creates objects of its own
  // (`done-<role>`, `spare-<role>`, `made-<role>`), so an allowed verb succeeds whatever ran before it.
  const verbs = (ns: (rest: string) => string, role: string): Array<{ what: string; method: string; path: string; body?: unknown; least: 'viewer' | 'submitter' | 'operator' | 'admin' }> => [
    { what: 'list runs', method: 'GET', path: ns('runs'), least: 'viewer' },
    { what: 'get a run', method: 'GET', path: ns('runs/existing'), least: 'viewer' },
    { what: 'watch runs', method: 'GET', path: `${ns('runs')}?watch=true&timeoutSeconds=1`, least: 'viewer' },
    { what: 'read a run\'s log', method: 'GET', path: ns('runs/existing/log'), least: 'viewer' },
    { what: 'list pools', method: 'GET', path: ns('pools'), least: 'viewer' },
    { what: 'create a run', method: 'POST', path: ns('runs'), body: runDoc('existing'), least: 'submitter' },
    { what: 'cancel a run', method: 'POST', path: ns('runs/existing/cancel'), least: 'submitter' },
    { what: 'kill a run', method: 'POST', path: ns('runs/existing/kill'), body: { timeoutSeconds: 0 }, least: 'operator' },
    { what: 'delete a stopped run', method: 'DELETE', path: ns(`runs/done-${role}`), least: 'operator' },
    { what: 'create a pool', method: 'POST', path: ns('pools'), body: poolDoc(`made-${role}`), least: 'operator' },
    { what: 'replace a pool', method: 'PUT', path: ns('pools/p1'), body: poolDoc('p1'), least: 'operator' },
    { what: 'delete a pool', method: 'DELETE', path: ns(`pools/spare-${role}`), least: 'operator' },
    { what: 'list tokens', method: 'GET', path: '/apis/longshore.dev/v1alpha1/tokens', least: 'admin' },
  ];
  const ROLES = ['viewer', 'submitter', 'operator', 'admin'] as const;

  for (const role of ROLES) {
    test(`role ${role}: allowed verbs answer, the others 403 and change nothing`, async () => {
      assert.equal((await api.call('POST', api.ns('runs'), { token: admin, body: runDoc(`done-${role}`) })).status, 201);
      const run = await api.store.getRun(`done-${role}`);
      await api.store.updateRunStatus(`done-${role}`, { status: { phase: 'stopped', outcome: 'succeeded', attempts: [], conditions: [], observedGeneration: 1 } }, run!.metadata.resourceVersion);
      assert.equal((await api.call('PUT', api.ns(`pools/spare-${role}`), { token: admin, body: poolDoc(`spare-${role}`) })).status, 201);

      const token = await api.token(role, { namespace: undefined });
      for (const verb of verbs((rest) => api.ns(rest), role)) {
        const reply = await api.call<Status>(verb.method, verb.path, { token, ...(verb.body !== undefined ? { body: verb.body } : {}) });
        const allowed = ROLES.indexOf(role) >= ROLES.indexOf(verb.least);
        if (allowed) assert.ok(reply.status < 300, `${role} may ${verb.what}: got ${reply.status} ${reply.text}`);
        else {
          assert.equal(reply.status, 403, `${role} may not ${verb.what}`);
          assert.equal(reply.body.reason, 'Forbidden');
          assert.match(reply.body.message, new RegExp(`needs ${verb.least}`));
        }
      }
      const operates = ROLES.indexOf(role) >= ROLES.indexOf('operator');
      assert.equal(await api.store.getRun(`done-${role}`) === null, operates, 'the stopped run is deleted only by an operator or admin');
      assert.equal(await api.store.getPool(`spare-${role}`) === null, operates, 'the spare pool likewise');
      assert.equal(await api.store.getPool(`made-${role}`) !== null, operates, 'and the new pool created likewise');
      const log = await api.call('GET', api.ns('runs/existing/log'), { token });
      assert.equal(log.text, 'hello\n', 'every role reads logs');
    });
  }

  test('a namespace-scoped token acts in its namespace only, and never on tokens', async () => {
    const scoped = await api.token('admin');
    assert.equal((await api.call('GET', api.ns('runs'), { token: scoped })).status, 200);
    const elsewhere = await api.call<Status>('GET', api.ns('runs', 'some-other-ns'), { token: scoped });
    assert.equal(elsewhere.status, 403);
    assert.match(elsewhere.body.message, /scoped to namespace/);
    assert.equal((await api.call('GET', '/apis/longshore.dev/v1alpha1/tokens', { token: scoped })).status, 403);
  });

  test('admin token routes: create (shown once), list without secrets, revoke; the new token works until revoked', async () => {
    const admin = await api.token('admin', { namespace: undefined });
    const created = await api.call<{ token: string; id: string; role: string; namespace: string }>('POST', '/apis/longshore.dev/v1alpha1/tokens', {
      token: admin, body: { role: 'viewer', namespace: api.namespace, expires: '1h', description: 'ci' },
    });
    assert.equal(created.status, 201);
    assert.match(created.body.token, /^lst_/);
    assert.equal((await api.call('GET', api.ns('runs'), { token: created.body.token })).status, 200);
    const list = await api.call<{ items: Array<Record<string, unknown>> }>('GET', '/apis/longshore.dev/v1alpha1/tokens', { token: admin });
    const mine = list.body.items.find((t) => t.id === created.body.id);
    assert.deepEqual([mine?.role, mine?.namespace, mine?.description], ['viewer', api.namespace, 'ci']);
    assert.ok(!list.text.includes(created.body.token.slice(created.body.token.indexOf('_', 4) + 1)), 'no secret in the list (it is base64url: it may hold \'_\')');
    assert.ok(!('hash' in (mine ?? {})));
    assert.equal((await api.call('POST', '/apis/longshore.dev/v1alpha1/tokens', { token: admin, body: { role: 'king' } })).status, 422);
    assert.equal((await api.call('DELETE', `/apis/longshore.dev/v1alpha1/tokens/${created.body.id}`, { token: admin })).status, 200);
    assert.equal((await api.call('GET', api.ns('runs'), { token: created.body.token })).status, 401);
    assert.equal((await api.call('DELETE', `/apis/longshore.dev/v1alpha1/tokens/${created.body.id}`, { token: admin })).status, 404);
  });
});

describe('API: request rate per token', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ rateLimit: { burst: 3, refillPerSecond: 0.2 } });
  });
  after(() => api.close());

  test('beyond its burst a token gets 429 with Retry-After; another token is not affected', async () => {
    const busy = await api.token('viewer');
    const codes: number[] = [];
    let limited: Awaited<ReturnType<typeof api.call<Status>>> | undefined;
    for (let i = 0; i < 5; i += 1) {
      const reply = await api.call<Status>('GET', api.ns('runs'), { token: busy });
      codes.push(reply.status);
      if (reply.status === 429) limited = reply;
    }
    assert.deepEqual(codes, [200, 200, 200, 429, 429]);
    assert.equal(limited?.body.reason, 'TooManyRequests');
    const retryAfter = Number(limited?.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 5, `Retry-After ${retryAfter}`);
    const other = await api.token('viewer');
    assert.equal((await api.call('GET', api.ns('runs'), { token: other })).status, 200);
  });
});

describe('API: a bearer token never reaches the server\'s log', () => {
  const lines: string[] = [];
  let api: TestApi;
  // Every kind of log line the server writes: a 500 (an unexpected error, logged with its error), a log
  // stream broken off mid-way (a warning), and whatever trace-level lines a request may add.
  const logs: RunLogSource = {
    open: (request) => (async function* (): AsyncGenerator<RunLogLine> {
      if (request.run === 'broken') {
        yield { timestamp: 0, message: 'one', attempt: 1, container: 'main' };
        throw new RunLogError('Unavailable', 'CloudWatch Logs failed');
      }
      throw new Error('a bug in the log source');
    })(),
  };
  before(async () => {
    api = await startTestApi({ logSource: logs, logger: createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } }) });
  });
  after(() => api?.close());

  test('every route, with a valid, forged, revoked, expired, malformed or misplaced token, logs neither the token nor its secret', async () => {
    const admin = await api.token('admin', { namespace: undefined });
    const viewer = await api.token('viewer');
    const revoked = await api.token('viewer');
    await api.tokens.revoke(revoked.split('_')[1]);
    const past = new TokenStore(api.redis, () => new Date(Date.now() - 7_200_000));
    const { token: expired, info } = await past.create({ role: 'viewer', namespace: api.namespace, expiresInMs: 3_600_000 });
    const forged = admin.slice(0, -4) + (admin.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    // lst_<id>_<secret>: the secret is base64url, which may itself hold '_'.
    const secrets = [admin, viewer, revoked, expired, forged].flatMap((t) => [t, t.slice(t.indexOf('_', 4) + 1)]);
    try {
      assert.equal((await api.call('PUT', api.ns('pools/p1'), { token: admin, body: poolDoc('p1') })).status, 201);
      assert.equal((await api.call('POST', api.ns('runs'), { token: admin, body: runDoc('r1') })).status, 201);
      const fill = (template: string) => template.replace('{namespace}', api.namespace).replace('{name}', template.includes('/pools/') ? 'p1' : 'r1').replace('{id}', info.id);
      const codes = new Set<number>();
      for (const token of [admin, viewer, forged, revoked, expired]) {
        for (const route of ROUTES) {
          const body = route.method === 'POST' || route.method === 'PUT' ? { note: token } : undefined;
          const reply = await api.call(route.method, fill(route.template), { token, ...(body ? { body } : {}) });
          codes.add(reply.status);
        }
      }
      const path = api.ns('runs');
      const odd: Array<{ path: string; headers: Record<string, string> }> = [
        { path, headers: { authorization: `Bearer ${admin} extra` } },
        { path, headers: { authorization: `Basic ${Buffer.from(`user:${admin}`).toString('base64')}` } },
        { path, headers: { authorization: admin } },
        { path: `${path}?access_token=${admin}`, headers: {} },
        { path: `${path}?labelSelector=${encodeURIComponent(`a in (${admin}`)}`, headers: { authorization: `Bearer ${admin}` } },
        { path: `/no/such/${admin}`, headers: { authorization: `Bearer ${admin}` } },
      ];
      for (const request of odd) codes.add((await api.call('GET', request.path, { headers: request.headers })).status);
      codes.add((await api.call('POST', api.ns('runs'), { token: admin, raw: `{"token": "${admin}"` })).status);
      codes.add((await api.call('GET', api.ns('runs/r1/log'), { token: viewer })).status);
      const broken = await fetch(`${api.url}${api.ns('runs/broken/log')}`, { headers: { authorization: `Bearer ${viewer}` } });
      await broken.text().catch(() => undefined);
      for (const code of [200, 400, 401, 403, 404, 422, 500]) assert.ok(codes.has(code), `a ${code} was among the answers: ${[...codes].join(', ')}`);
    } finally {
      await api.tokens.revoke(info.id);
    }
    await until(() => lines.some((line) => line.includes('log stream broken off')), { what: 'the broken stream\'s warning' });
    assert.ok(lines.some((line) => line.includes('API request failed')), 'the 500 was logged');
    for (const line of lines) {
      for (const secret of secrets) assert.ok(!line.includes(secret), `a log line holds a token: ${line}`);
    }
  });
});

