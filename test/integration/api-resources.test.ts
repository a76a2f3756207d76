/**
 * The API over real Redis, in-process: every resource route and its status codes, idempotent create,
 * atomic batches, admission failures as 422 with every violation, malformed and oversized bodies,
 * lists with selectors and pages.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Status } from '../../controller/server/status.js';
import { poolDoc, runDoc, startTestApi, type TestApi } from '../helpers/api-server.js';

type Obj = { metadata: { name: string; uid: string; resourceVersion: string; generation: number; namespace: string }; spec: Record<string, unknown>; status?: { phase: string } };
type List = { kind: string; metadata: { resourceVersion: string; continue?: string }; items: Obj[] };

describe('API: pools and runs', () => {
  let api: TestApi;
  let operator: string;
  before(async () => {
    api = await startTestApi({ bodyLimitBytes: 4096 });
    operator = await api.token('operator');
    const created = await api.call('PUT', api.ns('pools/p1'), { token: operator, body: poolDoc('p1') });
    assert.equal(created.status, 201, created.text);
  });
  after(() => api.close());

  test('pools: PUT creates then updates, POST is idempotent for the same spec, GET, list and DELETE', async () => {
    const put = await api.call<Obj>('PUT', api.ns('pools/p2'), { token: operator, body: poolDoc('p2') });
    assert.equal(put.status, 201);
    assert.equal(put.body.metadata.namespace, api.namespace);
    const again = await api.call<Obj>('PUT', api.ns('pools/p2'), { token: operator, body: poolDoc('p2') });
    assert.equal(again.status, 200);
    assert.equal(again.body.metadata.generation, 1);
    const changed = await api.call<Obj>('PUT', api.ns('pools/p2'), { token: operator, body: poolDoc('p2', { image: 'alpine' }) });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.metadata.generation, 2);

    const same = await api.call<Obj>('POST', api.ns('pools'), { token: operator, body: poolDoc('p2', { image: 'alpine' }) });
    assert.equal(same.status, 200);
    assert.equal(same.body.metadata.uid, put.body.metadata.uid);
    const different = await api.call<Status>('POST', api.ns('pools'), { token: operator, body: poolDoc('p2', { image: 'nginx' }) });
    assert.equal(different.status, 409);
    assert.equal(different.body.kind, 'Status');
    assert.equal(different.body.reason, 'AlreadyExists');
    const fresh = await api.call<Obj>('POST', api.ns('pools'), { token: operator, body: poolDoc('p3') });
    assert.equal(fresh.status, 201);

    const mismatch = await api.call<Status>('PUT', api.ns('pools/p4'), { token: operator, body: poolDoc('other') });
    assert.equal(mismatch.status, 400);

    const got = await api.call<Obj>('GET', api.ns('pools/p3'), { token: operator });
    assert.equal(got.status, 200);
    assert.equal(got.body.metadata.name, 'p3');
    const list = await api.call<List>('GET', api.ns('pools'), { token: operator });
    assert.equal(list.body.kind, 'PoolList');
    assert.deepEqual(list.body.items.map((p) => p.metadata.name), ['p1', 'p2', 'p3']);

    assert.equal((await api.call('DELETE', api.ns('pools/p3'), { token: operator })).status, 200);
    assert.equal((await api.call<Status>('GET', api.ns('pools/p3'), { token: operator })).status, 404);
    const missing = await api.call<Status>('DELETE', api.ns('pools/p3'), { token: operator });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.reason, 'NotFound');
  });

  test('a pool with live runs is not deleted (409)', async () => {
    await api.call('PUT', api.ns('pools/busy'), { token: operator, body: poolDoc('busy') });
    assert.equal((await api.call('POST', api.ns('runs'), { token: operator, body: runDoc('on-busy', { pool: 'busy' }) })).status, 201);
    const refused = await api.call<Status>('DELETE', api.ns('pools/busy'), { token: operator });
    assert.equal(refused.status, 409);
    assert.match(refused.body.message, /live runs/);
  });

  test('runs: create answers 201, the same spec again 200 with the stored run, another spec 409', async () => {
    const created = await api.call<Obj>('POST', api.ns('runs'), { token: operator, body: runDoc('r1', { image: 'a' }) });
    assert.equal(created.status, 201);
    assert.equal(created.body.status?.phase, 'pending');
    assert.equal('lifecycle' in created.body, false);
    const retried = await api.call<Obj>('POST', api.ns('runs'), { token: operator, body: runDoc('r1', { image: 'a' }) });
    assert.equal(retried.status, 200);
    assert.equal(retried.body.metadata.uid, created.body.metadata.uid);
    const other = await api.call<Status>('POST', api.ns('runs'), { token: operator, body: runDoc('r1', { image: 'b' }) });
    assert.equal(other.status, 409);
    assert.equal(other.body.details?.name, 'r1');
    const got = await api.call<Obj>('GET', api.ns('runs/r1'), { token: operator });
    assert.equal(got.body.spec.image, 'a');
    assert.equal((await api.call('GET', api.ns('runs/nope'), { token: operator })).status, 404);
  });

  test('generateName makes a new run every time', async () => {
    const doc = { apiVersion: 'longshore.dev/v1alpha1', kind: 'Run', metadata: { generateName: 'gen-' }, spec: { pool: 'p1' } };
    const a = await api.call<Obj>('POST', api.ns('runs'), { token: operator, body: doc });
    const b = await api.call<Obj>('POST', api.ns('runs'), { token: operator, body: doc });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.notEqual(a.body.metadata.name, b.body.metadata.name);
  });

  test('admission failures answer 422 with every violation as a cause (field path, rule in the message)', async () => {
    const bad = await api.call<Status>('POST', api.ns('runs'), { token: operator, body: runDoc('bad', { pool: 'missing-pool', cpu: 'lots', launchType: 'MOON' }) });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.reason, 'Invalid');
    const fields = (bad.body.details?.causes ?? []).map((c) => c.field).sort();
    assert.ok(fields.includes('spec.cpu'), JSON.stringify(bad.body));
    assert.ok(fields.includes('spec.launchType'), JSON.stringify(bad.body));
    for (const cause of bad.body.details?.causes ?? []) assert.match(cause.message, /^[a-z-]+: /);
    const noPool = await api.call<Status>('POST', api.ns('runs'), { token: operator, body: runDoc('bad2', { pool: 'missing-pool' }) });
    assert.equal(noPool.status, 422);
    assert.deepEqual(noPool.body.details?.causes?.map((c) => [c.field, c.message.split(':')[0]]), [['spec.pool', 'pool-exists']]);
    assert.equal((await api.call('GET', api.ns('runs/bad'), { token: operator })).status, 404);
  });

  test('a List is stored atomically: one bad item stores nothing and names items[i]; a retry answers the stored runs', async () => {
    const items = [runDoc('b1'), runDoc('b2', { cpu: 'lots' }), runDoc('b3')];
    const rejected = await api.call<Status>('POST', api.ns('runs'), { token: operator, body: { kind: 'List', items } });
    assert.equal(rejected.status, 422);
    assert.ok(rejected.body.details?.causes?.every((c) => c.field.startsWith('items[1].')), JSON.stringify(rejected.body));
    for (const name of ['b1', 'b3']) assert.equal((await api.call('GET', api.ns(`runs/${name}`), { token: operator })).status, 404);

    const good = [runDoc('b1'), runDoc('b3')];
    const stored = await api.call<List>('POST', api.ns('runs'), { token: operator, body: { kind: 'List', items: good } });
    assert.equal(stored.status, 201);
    assert.equal(stored.body.kind, 'RunList');
    assert.deepEqual(stored.body.items.map((r) => r.metadata.name), ['b1', 'b3']);
    const retry = await api.call<List>('POST', api.ns('runs'), { token: operator, body: { kind: 'List', items: good } });
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.body.items.map((r) => r.metadata.uid), stored.body.items.map((r) => r.metadata.uid));
    const grown = await api.call<List>('POST', api.ns('runs'), { token: operator, body: { kind: 'List', items: [...good, runDoc('b4')] } });
    assert.equal(grown.status, 201);
    assert.equal(grown.body.items[0].metadata.uid, stored.body.items[0].metadata.uid);

    const clash = await api.call<Status>('POST', api.ns('runs'), { token: operator, body: { kind: 'List', items: [runDoc('b5'), runDoc('b1', { image: 'changed' })] } });
    assert.equal(clash.status, 409);
    assert.equal((await api.call('GET', api.ns('runs/b5'), { token: operator })).status, 404);

    const pool = await api.call<Status>('POST', api.ns('runs'), { token: operator, body: { kind: 'List', items: [runDoc('b6'), poolDoc('px')] } });
    assert.equal(pool.status, 422);
    assert.equal(pool.body.details?.causes?.[0].field, 'items[1].kind');
  });

  test('lists: labelSelector, fieldSelector, limit and continue', async () => {
    for (let i = 0; i < 5; i += 1) {
      await api.call('POST', api.ns('runs'), { token: operator, body: runDoc(`l-${i}`, {}, { batch: 'l', parity: i % 2 ? 'odd' : 'even' }) });
    }
    const even = await api.call<List>('GET', `${api.ns('runs')}?labelSelector=${encodeURIComponent('batch=l,parity=even')}`, { token: operator });
    assert.deepEqual(even.body.items.map((r) => r.metadata.name), ['l-0', 'l-2', 'l-4']);
    assert.match(even.body.metadata.resourceVersion, /^\d+$/);
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await api.call<List>('GET', `${api.ns('runs')}?labelSelector=batch%3Dl&limit=2${next ? `&continue=${encodeURIComponent(next)}` : ''}`, { token: operator });
      assert.ok(page.body.items.length <= 2);
      seen.push(...page.body.items.map((r) => r.metadata.name));
      next = page.body.metadata.continue;
      pages += 1;
    } while (next);
    assert.deepEqual(seen, ['l-0', 'l-1', 'l-2', 'l-3', 'l-4']);
    assert.ok(pages >= 3);
    const byField = await api.call<List>('GET', `${api.ns('runs')}?fieldSelector=${encodeURIComponent('metadata.name=l-3,status.phase=pending')}`, { token: operator });
    assert.deepEqual(byField.body.items.map((r) => r.metadata.name), ['l-3']);
    assert.equal((await api.call('GET', `${api.ns('runs')}?labelSelector=${encodeURIComponent('a in (')}`, { token: operator })).status, 400);
    assert.equal((await api.call('GET', `${api.ns('runs')}?limit=0`, { token: operator })).status, 400);
    assert.equal((await api.call('GET', `${api.ns('runs')}?fieldSelector=spec.image%3Dx`, { token: operator })).status, 400);
  });

  test('lists: a malformed continue token is a 400 Status naming the parameter (as Kubernetes answers), never another page', async () => {
    const first = await api.call<List>('GET', `${api.ns('runs')}?labelSelector=batch%3Dl&limit=2`, { token: operator });
    const token = first.body.metadata.continue;
    assert.ok(token);
    // Not base64url at all; base64url with a character Node would skip; a valid encoding of no resource name;
    // a token cut short ("l-", no resource name either).
    for (const bad of ['%%%', `${token}!`, Buffer.from('Not A Name!').toString('base64url'), token.slice(0, -1)]) {
      for (const kind of ['runs', 'pools']) {
        const reply = await api.call<Status>('GET', `${api.ns(kind)}?limit=2&continue=${encodeURIComponent(bad)}`, { token: operator });
        assert.equal(reply.status, 400, `${kind} continue=${bad}: ${reply.text}`);
        assert.equal(reply.body.reason, 'BadRequest');
        assert.match(reply.body.message, /^continue: invalid continue token /);
      }
    }
    const next = await api.call<List>('GET', `${api.ns('runs')}?labelSelector=batch%3Dl&limit=2&continue=${encodeURIComponent(token)}`, { token: operator });
    assert.deepEqual(next.body.items.map((r) => r.metadata.name), ['l-2', 'l-3'], 'the token as given still works');
  });

  test('bodies: malformed JSON 400, not an object 400, too large 413, wrong media type 415, wrong namespace 400', async () => {
    const malformed = await api.call<Status>('POST', api.ns('runs'), { token: operator, raw: '{"kind": "Run",' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.kind, 'Status');
    assert.match(malformed.body.message, /not valid JSON/);
    assert.equal((await api.call('POST', api.ns('runs'), { token: operator, raw: '[1,2]' })).status, 400);
    assert.equal((await api.call('POST', api.ns('runs'), { token: operator, raw: 'null' })).status, 400);
    const big = await api.call<Status>('POST', api.ns('runs'), { token: operator, raw: JSON.stringify(runDoc('big', { env: { X: 'x'.repeat(8000) } })) });
    assert.equal(big.status, 413);
    assert.equal(big.body.reason, 'RequestEntityTooLarge');
    assert.equal((await api.call('GET', api.ns('runs/big'), { token: operator })).status, 404);
    const yaml = await api.call('POST', api.ns('runs'), { token: operator, raw: 'kind: Run', headers: { 'content-type': 'application/yaml' } });
    assert.equal(yaml.status, 415);
    const doc = runDoc('elsewhere');
    const wrongNs = await api.call<Status>('POST', api.ns('runs'), { token: operator, body: { ...doc, metadata: { ...doc.metadata, namespace: 'other' } } });
    assert.equal(wrongNs.status, 400);
    const sameNs = await api.call<Obj>('POST', api.ns('runs'), { token: operator, body: { ...doc, metadata: { ...doc.metadata, namespace: api.namespace } } });
    assert.equal(sameNs.status, 201);
    // Still serving after all of that.
    assert.equal((await api.call('GET', '/healthz')).status, 200);
  });

  test('unknown paths 404, wrong methods 405, bad namespaces 400 — all as Status', async () => {
    const unknown = await api.call<Status>('GET', '/apis/longshore.dev/v1alpha1/namespaces/x/widgets', { token: operator });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.kind, 'Status');
    const method = await api.call<Status>('PATCH', api.ns('runs/r1'), { token: operator });
    assert.equal(method.status, 405);
    assert.match(method.headers.get('allow') ?? '', /GET/);
    assert.equal((await api.call('GET', '/apis/longshore.dev/v1alpha1/namespaces/Bad_NS/runs', { token: operator })).status, 400);
  });

  test('cancel: 404 for an unknown run, 202 queued for a live one (the control stream has it), 200 for a stopped one', async () => {
    await api.call('POST', api.ns('runs'), { token: operator, body: runDoc('c1') });
    assert.equal((await api.call('POST', api.ns('runs/none/cancel'), { token: operator })).status, 404);
    const accepted = await api.call<Status>('POST', api.ns('runs/c1/cancel'), { token: operator, body: { reason: 'not needed' } });
    assert.equal(accepted.status, 202);
    assert.equal(accepted.body.reason, 'Accepted');
    const entries = await api.redis.xrange(api.store.ctx.keys.control, '-', '+');
    assert.ok(entries.some(([, fields]) => fields.includes(JSON.stringify({ type: 'cancel', run: 'c1', reason: 'not needed' }))));
    const bad = await api.call<Status>('POST', api.ns('runs/c1/cancel'), { token: operator, body: { reason: 5 } });
    assert.equal(bad.status, 422);

    const run = await api.store.getRun('c1');
    await api.store.updateRunStatus('c1', { status: { phase: 'stopped', outcome: 'cancelled', attempts: [], conditions: [], observedGeneration: 1 } }, run!.metadata.resourceVersion);
    const stopped = await api.call<Status>('POST', api.ns('runs/c1/cancel'), { token: operator });
    assert.equal(stopped.status, 200);
    assert.equal(stopped.body.reason, 'AlreadyStopped');
  });

  test('kill: queued without waiting (202); a controller reply of done 200, nothing 409, failed 502', async () => {
    await api.call('POST', api.ns('runs'), { token: operator, body: runDoc('k1') });
    assert.equal((await api.call('POST', api.ns('runs/none/kill'), { token: operator })).status, 404);
    assert.equal((await api.call('POST', api.ns('runs/k1/kill'), { token: operator, body: { timeoutSeconds: 0 } })).status, 202);
    // Play the controller: answer each kill message as the test says.
    const control = api.store.controlStream();
    await control.ensureGroup('test');
    await control.read('test', 'me', 100);
    for (const [outcome, code] of [['done', 200], ['nothing', 409], ['failed', 502]] as const) {
      const answering = (async () => {
        for (;;) {
          const batch = await control.read('test', 'me', 10);
          const message = batch.messages.find((m) => m.message.type === 'kill');
          if (message) return control.reply(message.id, { outcome, message: `told ${outcome}` });
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const reply = await api.call<Status>('POST', api.ns('runs/k1/kill'), { token: operator, body: { timeoutSeconds: 30 } });
      await answering;
      assert.equal(reply.status, code, reply.text);
      assert.match(reply.body.message, new RegExp(`told ${outcome}`));
    }
  });

  test('delete: a live run is refused (409), a stopped one is deleted', async () => {
    await api.call('POST', api.ns('runs'), { token: operator, body: runDoc('d1') });
    assert.equal((await api.call('DELETE', api.ns('runs/d1'), { token: operator })).status, 409);
    const run = await api.store.getRun('d1');
    await api.store.updateRunStatus('d1', { status: { phase: 'stopped', outcome: 'succeeded', attempts: [], conditions: [], observedGeneration: 1 } }, run!.metadata.resourceVersion);
    assert.equal((await api.call('DELETE', api.ns('runs/d1'), { token: operator })).status, 200);
    assert.equal((await api.call('GET', api.ns('runs/d1'), { token: operator })).status, 404);
  });
});
