import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import { AlreadyExistsError, ConflictError, NotFoundError, PreconditionFailedError, ResourceStore, listAll } from '../../controller/store/index.js';
import { AdmissionError } from '../../controller/api/admission/index.js';
import type { RunStatus } from '../../controller/api/index.js';
import { deleteNamespaceKeys, scanKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

const V = 'longshore.dev/v1alpha1';
const pool = (name: string, spec: object = {}) => ({ apiVersion: V, kind: 'Pool', metadata: { name }, spec: { taskDefinition: { networkMode: 'awsvpc' }, ...spec } });
const run = (name: string, spec: object = {}, labels: Record<string, string> = {}) => ({ apiVersion: V, kind: 'Run', metadata: { name, labels }, spec: { pool: 'p1', ...spec } });
const stopped = (): RunStatus => ({ phase: 'stopped', outcome: 'succeeded', attempts: [], conditions: [], observedGeneration: 1 });

describe('store: resources', () => {
  let redis: RedisClient;
  const namespaces: string[] = [];
  const newStore = (options: object = {}) => {
    const namespace = uniqueNamespace('test-store');
    namespaces.push(namespace);
    return new ResourceStore(redis, { namespace, ...options });
  };
  before(() => {
    redis = testRedis();
  });
  after(async () => {
    for (const ns of namespaces) await deleteNamespaceKeys(redis, ns);
    await redis.quit();
  });

  test('create then get: store sets uid, generation 1, resourceVersion, creationTimestamp and pending status', async () => {
    const store = newStore({ now: () => new Date('2026-01-02T03:04:05.000Z') });
    await store.createPool(pool('p1'));
    const created = await store.createRun(run('r1', { image: 'busybox' }, { team: 'data' }));
    const got = await store.getRun('r1');
    assert.deepEqual(got, created);
    assert.equal(got?.metadata.generation, 1);
    assert.match(got?.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(got?.metadata.creationTimestamp, '2026-01-02T03:04:05.000Z');
    assert.equal(got?.status.phase, 'pending');
    assert.equal(got?.spec.cancelRequested, false);
    assert.equal(await store.getRun('missing'), null);
    assert.deepEqual(await store.getRuns(['missing', 'r1']), [null, created]);
  });

  test('a duplicate name is rejected and the original is untouched', async () => {
    const store = newStore();
    await store.createPool(pool('p1'));
    const first = await store.createRun(run('r1', { image: 'a' }));
    await assert.rejects(store.createRun(run('r1', { image: 'b' })), AlreadyExistsError);
    assert.deepEqual(await store.getRun('r1'), first);
    await assert.rejects(store.createPool(pool('p1')), AlreadyExistsError);
  });

  test('a batch with one duplicate stores nothing', async () => {
    const store = newStore();
    await store.createPool(pool('p1'));
    await store.createRun(run('taken'));
    await assert.rejects(store.submit([run('new-1'), run('taken'), run('new-2')]), AlreadyExistsError);
    assert.equal(await store.getRun('new-1'), null);
    assert.equal(await store.getRun('new-2'), null);
  });

  test('a batch with invalid documents reports all of them and stores nothing', async () => {
    const store = newStore();
    await store.createPool(pool('p1'));
    await assert.rejects(store.submit([run('ok-1'), run('bad-1', { cpu: 256, memory: 8192 }), run('bad-2', { pool: 'nope' })]), (error: unknown) => {
      assert.ok(error instanceof AdmissionError);
      assert.deepEqual(error.rejections.map((r) => [r.index, r.name, r.violations[0].rule]), [[1, 'bad-1', 'fargate-cpu-memory'], [2, 'bad-2', 'pool-exists']]);
      return true;
    });
    assert.deepEqual((await store.listRuns()).items, []);
  });

  test('pool and runs in one batch; pool apply updates the spec with generation + 1, unchanged apply writes nothing', async () => {
    const store = newStore();
    const results = await store.submit([pool('p1'), run('r1')]);
    assert.deepEqual(results.map((r) => [r.kind, r.name, r.action]), [['Pool', 'p1', 'created'], ['Run', 'r1', 'created']]);
    const same = await store.submit([pool('p1')]);
    assert.equal(same[0].action, 'unchanged');
    const changed = await store.submit([pool('p1', { image: 'python:3.12' })]);
    assert.equal(changed[0].action, 'configured');
    assert.equal(changed[0].record.metadata.generation, 2);
    assert.equal((await store.getPool('p1'))?.spec.image, 'python:3.12');
    assert.equal((await store.getPool('p1'))?.metadata.uid, results[0].record.metadata.uid);
  });

  test('status compare-and-set given the record the caller holds: written without a re-read; a stale one still conflicts', async () => {
    const store = newStore();
    await store.createPool(pool('p1'));
    const created = await store.createRun(run('r1'));
    const submitted: RunStatus = { phase: 'submitted', attempts: [{ number: 1 }], conditions: [], observedGeneration: 1 };
    const updated = await store.updateRunStatus('r1', { status: submitted, lifecycle: { value: 'submitted' } }, created.metadata.resourceVersion, created);
    assert.deepEqual(await store.getRun('r1'), updated, 'what the write returns is what is stored');
    assert.deepEqual((await store.listRuns({ phase: 'submitted' })).items.map((r) => r.metadata.name), ['r1'], 'indexes moved from the held record');
    const running: RunStatus = { ...submitted, phase: 'running' };
    // A writer holding the record from before the last write: its version is stale, so the write's guard refuses it.
    await assert.rejects(store.updateRunStatus('r1', { status: running }, created.metadata.resourceVersion, created), ConflictError);
    assert.deepEqual((await store.getRun('r1'))?.status, submitted);
  });

  test('status compare-and-set: a stale resourceVersion is rejected, not merged', async () => {
    const store = newStore();
    await store.createPool(pool('p1'));
    const created = await store.createRun(run('r1'));
    const rv = created.metadata.resourceVersion;
    const submitted: RunStatus = { phase: 'submitted', attempts: [{ number: 1 }], conditions: [], observedGeneration: 1 };
    const updated = await store.updateRunStatus('r1', { status: submitted, lifecycle: { value: 'submitted' } }, rv);
    assert.notEqual(updated.metadata.resourceVersion, rv);
    assert.equal(updated.metadata.generation, 1, 'status writes do not bump generation');
    const stale: RunStatus = { phase: 'running', attempts: [], conditions: [], observedGeneration: 1, message: 'stale writer' };
    await assert.rejects(store.updateRunStatus('r1', { status: stale }, rv), (error: unknown) => {
      assert.ok(error instanceof ConflictError);
      assert.equal(error.expectedResourceVersion, rv);
      assert.equal(error.actualResourceVersion, updated.metadata.resourceVersion);
      return true;
    });
    const got = await store.getRun('r1');
    assert.deepEqual(got?.status, submitted);
    assert.deepEqual(got?.lifecycle, { value: 'submitted' });
    await assert.rejects(store.updateRunStatus('ghost', { status: stale }, '1'), NotFoundError);
  });

  test('concurrent status writers with the same resourceVersion: exactly one wins', async () => {
    const store = newStore();
    await store.createPool(pool('p1'));
    const { metadata } = await store.createRun(run('r1'));
    const writes = Array.from({ length: 8 }, (_, i) =>
      store.updateRunStatus('r1', { status: { phase: 'pending', attempts: [], conditions: [], observedGeneration: 1, message: `writer ${i}` } }, metadata.resourceVersion),
    );
    const results = await Promise.allSettled(writes);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.ok(results.filter((r) => r.status === 'rejected').every((r) => r.reason instanceof ConflictError));
  });

  test('status writes are validated', async () => {
    const store = newStore();
    await store.createPool(pool('p1'));
    const { metadata } = await store.createRun(run('r1'));
    const bogus = { phase: 'flying', attempts: [], conditions: [], observedGeneration: 0 } as unknown as RunStatus;
    await assert.rejects(store.updateRunStatus('r1', { status: bogus }, metadata.resourceVersion));
    assert.equal((await store.getRun('r1'))?.status.phase, 'pending');
  });

  test('spec update bumps generation, re-runs admission and keeps status', async () => {
    const store = newStore();
    await store.createPool(pool('p1'));
    await store.createRun(run('r1'));
    const cancelled = await store.requestCancel('r1');
    assert.equal(cancelled.spec.cancelRequested, true);
    assert.equal(cancelled.metadata.generation, 2);
    assert.equal((await store.requestCancel('r1')).metadata.generation, 2, 'a second cancel changes nothing');
    await assert.rejects(store.updateRunSpec('r1', (spec) => ({ ...spec, cpu: 256, memory: 8192 })), AdmissionError);
    await assert.rejects(store.updateRunSpec('r1', (spec) => ({ ...spec, cpu: 'lots' as unknown as number })), (error: unknown) => {
      assert.ok(error instanceof AdmissionError);
      assert.deepEqual(error.rejections[0].violations.map((v) => [v.path, v.rule, v.value]), [['spec.cpu', 'schema', 'lots']]);
      return true;
    });
    await assert.rejects(store.updateRunSpec('r1', (spec) => spec, '1'), ConflictError);
    assert.equal((await store.getRun('r1'))?.metadata.generation, 2);
  });

  test('a run stays cancellable after its pool changed so that the run would no longer be admitted', async () => {
    const store = newStore();
    await store.createPool(pool('p1'));
    await store.createRun(run('r1', { launchType: 'FARGATE_SPOT' }));
    await store.submit([pool('p1', { launchType: 'EC2', taskDefinition: { requiresCompatibilities: ['EC2'] } })]);
    await assert.rejects(store.updateRunSpec('r1', (spec) => ({ ...spec, image: 'x' })), AdmissionError);
    assert.equal((await store.requestCancel('r1')).spec.cancelRequested, true);
  });

  test('delete: a live run must be cancelled and stopped first; a pool with live runs cannot be deleted', async () => {
    const store = newStore();
    await store.createPool(pool('p1'));
    const created = await store.createRun(run('r1'));
    await assert.rejects(store.deleteRun('r1'), PreconditionFailedError);
    await assert.rejects(store.deletePool('p1'), /has live runs/);
    await store.updateRunStatus('r1', { status: stopped() }, created.metadata.resourceVersion);
    await store.deletePool('p1');
    assert.equal(await store.getPool('p1'), null);
    await store.deleteRun('r1');
    assert.equal(await store.getRun('r1'), null);
    await assert.rejects(store.deleteRun('r1'), NotFoundError);
    // A run cannot be created for a pool that no longer exists.
    await assert.rejects(store.createRun(run('r2')), AdmissionError);
  });

  test('namespaces are isolated', async () => {
    const a = newStore();
    const b = newStore();
    await a.createPool(pool('p1'));
    await a.createRun(run('r1'));
    assert.equal(await b.getRun('r1'), null);
    assert.deepEqual((await b.listPools()).items, []);
    await b.createPool(pool('p1', { image: 'other' }));
    await b.createRun(run('r1'));
    assert.equal((await a.getPool('p1'))?.spec.image, undefined);
    const keys = await scanKeys(redis, `longshore:{${a.namespace}}:*`);
    assert.ok(keys.length > 0 && keys.every((k) => k.startsWith(`longshore:{${a.namespace}}:`)));
  });

  test('list: label selectors, phase and pool filters, cursor pagination', async () => {
    const store = newStore();
    await store.submit([pool('p1'), pool('p2')]);
    const docs = Array.from({ length: 25 }, (_, i) => run(`r-${String(i).padStart(2, '0')}`, { pool: i % 2 ? 'p1' : 'p2' }, { app: i % 3 === 0 ? 'etl' : 'web', ...(i < 5 ? { canary: 'yes' } : {}) }));
    await store.submit(docs);
    const names = (items: Array<{ metadata: { name: string } }>) => items.map((r) => r.metadata.name);
    const etl = await listAll((cursor) => store.listRuns({ labelSelector: 'app=etl', limit: 3, cursor }));
    assert.deepEqual(names(etl), ['r-00', 'r-03', 'r-06', 'r-09', 'r-12', 'r-15', 'r-18', 'r-21', 'r-24']);
    const page1 = await store.listRuns({ limit: 10 });
    assert.equal(page1.items.length, 10);
    assert.ok(page1.cursor);
    const page2 = await store.listRuns({ limit: 10, cursor: page1.cursor });
    assert.equal(names(page2.items)[0], 'r-10');
    const page3 = await store.listRuns({ limit: 10, cursor: page2.cursor });
    assert.equal(page3.items.length, 5);
    assert.equal(page3.cursor, undefined);
    assert.deepEqual(names((await store.listRuns({ labelSelector: 'app in (etl),!canary', pool: 'p1' })).items), ['r-09', 'r-15', 'r-21']);
    assert.deepEqual(names((await store.listRuns({ labelSelector: 'canary,app!=etl' })).items), ['r-01', 'r-02', 'r-04']);
    const r07 = await store.getRun('r-07');
    await store.updateRunStatus('r-07', { status: stopped() }, r07!.metadata.resourceVersion);
    assert.deepEqual(names((await store.listRuns({ phase: 'stopped' })).items), ['r-07']);
    assert.equal((await store.listRuns({ phase: 'pending' })).items.length, 24);
    await assert.rejects(store.listRuns({ labelSelector: 'a in (b' }), /invalid label selector/);
  });
});
