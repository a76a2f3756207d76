/**
 * The console's side of the API server: GET whoami (the caller's own role and scope, for any valid token,
 * scoped or not, never without one), and the static files at /ui/ with their caching and security headers
 * (hashed assets immutable, index no-cache, a strict CSP; nothing outside the console folder).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Status } from '../../controller/server/status.js';
import { uiFile, UI_SECURITY_HEADERS } from '../../controller/server/ui.js';
import { startTestApi, type TestApi } from '../helpers/api-server.js';

interface Review {
  kind: string;
  status: { tokenId: string; role: string; namespace?: string; allowed: Record<string, boolean> };
}

describe('API: whoami', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(() => api.close());

  test('a scoped viewer learns its role, scope and that it may only read', async () => {
    const token = await api.token('viewer');
    const reply = await api.call<Review>('GET', '/apis/longshore.dev/v1alpha1/whoami', { token });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.kind, 'SelfSubjectReview');
    assert.deepEqual(reply.body.status, { tokenId: token.split('_')[1], role: 'viewer', namespace: api.namespace, allowed: { read: true, submit: false, operate: false, administer: false } });
  });

  test('an operator may submit and operate; only an unscoped admin may administer', async () => {
    const operator = await api.call<Review>('GET', '/apis/longshore.dev/v1alpha1/whoami', { token: await api.token('operator') });
    assert.deepEqual(operator.body.status.allowed, { read: true, submit: true, operate: true, administer: false });
    const scopedAdmin = await api.call<Review>('GET', '/apis/longshore.dev/v1alpha1/whoami', { token: await api.token('admin') });
    assert.equal(scopedAdmin.body.status.allowed.administer, false, 'a scoped admin may not use the token routes');
    const admin = await api.call<Review>('GET', '/apis/longshore.dev/v1alpha1/whoami', { token: await api.token('admin', { namespace: undefined }) });
    assert.equal(admin.body.status.namespace, undefined);
    assert.equal(admin.body.status.allowed.administer, true);
  });

  test('without a token: 401', async () => {
    const reply = await api.call<Status>('GET', '/apis/longshore.dev/v1alpha1/whoami');
    assert.equal(reply.status, 401);
  });
});

describe('API: the console files at /ui/', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'longshore-ui-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" src="assets/app-0123456789ab.js"></script>');
    writeFileSync(join(root, 'assets', 'app-0123456789ab.js'), 'export {};');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('the index is revalidated on every load, hashed assets are immutable, both under the CSP', () => {
    for (const path of ['/ui/', '/ui/index.html']) {
      const index = uiFile(root, path);
      assert.equal(index.code, 200);
      assert.equal(index.headers['cache-control'], 'no-cache');
      assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(index.headers['content-security-policy'], UI_SECURITY_HEADERS['content-security-policy']);
    }
    const asset = uiFile(root, '/ui/assets/app-0123456789ab.js');
    assert.equal(asset.code, 200);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(asset.headers['content-type'], 'text/javascript; charset=utf-8');
    const csp = UI_SECURITY_HEADERS['content-security-policy'];
    assert.match(csp, /default-src 'none'/);
    for (const directive of ['script-src', 'style-src', 'connect-src']) assert.match(csp, new RegExp(`${directive} 'self'(;|$)`), directive);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  });

  test('nothing outside the folder, nothing missing, /ui redirects, an unbuilt console says how to build it', () => {
    assert.equal(uiFile(root, '/ui/../../etc/passwd').code, 404);
    assert.equal(uiFile(root, '/ui/%2e%2e/%2e%2e/etc/passwd').code, 404);
    assert.equal(uiFile(root, '/ui/assets/').code, 404);
    assert.equal(uiFile(root, '/ui/%E0%A4%A').code, 404);
    assert.equal(uiFile(root, '/ui/missing.js').code, 404);
    const redirect = uiFile(root, '/ui');
    assert.equal(redirect.code, 308);
    assert.equal(redirect.headers.location, '/ui/');
    const unbuilt = uiFile(undefined, '/ui/');
    assert.equal(unbuilt.code, 404);
    assert.match(String(unbuilt.body), /npm run build/);
  });
});
