import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import { listAll, matchesRunFilter, matchesSelector, parseSelector, ResourceStore, storeKeys, type RunCountFilter } from '../../controller/store/index.js';
import { OUTCOMES, PHASES, type RunRecord, type RunStatus } from '../../controller/api/index.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

const V = 'longshore.dev/v1alpha1';
type Phase = RunStatus['phase'];
type Outcome = NonNullable<RunStatus['outcome']>;

/** What a count must be: every stored run checked one by one. */
async function bruteForce(store: ResourceStore, filter: RunCountFilter) {
  const selector = parseSelector(filter.labelSelector ?? '');
  const all = await listAll((cursor) => store.listRuns({ cursor }));
  const matching = all.filter((run) => matchesRunFilter(run, filter) && matchesSelector(selector, run.metadata.labels));
  const byPhase = Object.fromEntries(PHASES.map((p) => [p, matching.filter((r) => r.status.phase === p).length]));
  const byOutcome = Object.fromEntries(OUTCOMES.map((o) => [o, matching.filter((r) => r.status.phase === 'stopped' && r.status.outcome === o).length]));
  return { total: matching.length, byPhase, byOutcome };
}

const FILTERS: RunCountFilter[] = [
  {},
  { pool: 'etl' },
  { pool: 'ml' },
  { pool: 'none' },
  { phase: 'running' },
  { phase: 'stopped' },
  { outcome: 'failed' },
  { pool: 'etl', phase: 'pending' },
  { pool: 'etl', outcome: 'succeeded' },
  { pool: 'ml', phase: 'stopped', outcome: 'cancelled' },
  { phase: 'running', outcome: 'failed' },
  { labelSelector: 'team=a' },
  { pool: 'etl', labelSelector: 'team!=a' },
  { outcome: 'succeeded', labelSelector: 'team in (a,b)' },
  { name: 'etl-3' },
  { name: 'etl-3', phase: 'running' },
];

describe('store: run counts by phase and outcome', () => {
  let redis: RedisClient;
  const namespaces: string[] = [];
  const clock = new Date('2026-03-01T00:00:00.000Z');
  before(() => {
    redis = testRedis();
  });
  after(async () => {
    for (const ns of namespaces) await deleteNamespaceKeys(redis, ns);
    await redis.quit();
  });

  async function seeded(): Promise<ResourceStore> {
    const namespace = uniqueNamespace('test-counts');
    namespaces.push(namespace);
    const store = new ResourceStore(redis, { namespace, now: () => clock, finishedRunRetentionSeconds: 3600 });
    const runs = [];
    for (const pool of ['etl', 'ml']) {
      for (let i = 0; i < 12; i += 1) runs.push({ apiVersion: V, kind: 'Run', metadata: { name: `${pool}-${i}`, labels: { team: ['a', 'b', 'c'][i % 3] } }, spec: { pool } });
    }
    await store.submit([
      { apiVersion: V, kind: 'Pool', metadata: { name: 'etl' }, spec: { taskDefinition: {} } },
      { apiVersion: V, kind: 'Pool', metadata: { name: 'ml' }, spec: { taskDefinition: {} } },
      ...runs,
    ]);
    // A spread of phases and outcomes: run i of each pool goes to PLAN[i].
    const plan: Array<[Phase, Outcome?]> = [
      ['pending'], ['taskdef-resolved'], ['submitted'], ['running'], ['running'],
      ['stopped', 'succeeded'], ['stopped', 'succeeded'], ['stopped', 'failed'], ['stopped', 'cancelled'], ['stopped', 'crashed'], ['stopped', 'timed-out'], ['stopped', 'failed'],
    ];
    for (const pool of ['etl', 'ml']) {
      for (let i = 0; i < plan.length; i += 1) {
        const [phase, outcome] = plan[(i + (pool === 'ml' ? 3 : 0)) % plan.length];
        if (phase === 'pending') continue;
        const current = (await store.getRun(`${pool}-${i}`))!;
        await store.updateRunStatus(current.metadata.name, { status: { ...current.status, phase, ...(outcome ? { outcome } : {}) } }, current.metadata.resourceVersion);
      }
    }
    return store;
  }

  test('counts from the indexes equal counts run by run, for every filter; the label selector and name read the records', async () => {
    const store = await seeded();
    assert.equal(await store.indexOutcomes(), 0, 'every run stopped with this code is already in the outcome index');
    for (const filter of FILTERS) {
      const counts = await store.countRuns(filter);
      const { countedBy, ...numbers } = counts;
      assert.deepEqual(numbers, await bruteForce(store, filter), JSON.stringify(filter));
      assert.equal(countedBy, filter.labelSelector !== undefined || filter.name !== undefined ? 'records' : 'indexes', JSON.stringify(filter));
    }
    const all = await store.countRuns();
    assert.equal(all.total, 24);
    assert.equal(all.byOutcome.failed, 4);
  });

  test('the outcome filter lists stopped runs of that outcome, across pages', async () => {
    const store = await seeded();
    await store.indexOutcomes();
    const failed = await listAll((cursor) => store.listRuns({ outcome: 'failed', limit: 1, cursor }));
    assert.deepEqual(failed.map((r) => r.metadata.name), ['etl-11', 'etl-7', 'ml-4', 'ml-8']);
    const etlSucceeded = await listAll((cursor) => store.listRuns({ pool: 'etl', outcome: 'succeeded', cursor }));
    assert.deepEqual(etlSucceeded.map((r) => r.metadata.name), ['etl-5', 'etl-6']);
  });

  test('runs stored before the outcome index existed are counted from their records until a start indexes them', async () => {
    const store = await seeded();
    const keys = storeKeys(store.keyspace);
    // As an older version left them: no outcome index, no marker.
    for (const outcome of OUTCOMES) await redis.del(keys.runsByOutcome(outcome));
    const expected = await bruteForce(store, { pool: 'etl' });
    const before = await store.countRuns({ pool: 'etl' });
    assert.equal(before.countedBy, 'records');
    assert.deepEqual({ ...before, countedBy: undefined }, { ...expected, countedBy: undefined });
    assert.deepEqual((await listAll((cursor) => store.listRuns({ outcome: 'crashed', cursor }))).map((r) => r.metadata.name), ['etl-9', 'ml-6'], 'the outcome filter reads the stopped runs meanwhile');

    // One stopped run is deleted: indexing must not bring it back.
    await store.deleteRun('etl-9');
    // A replica shutting down leaves the pass unfinished: nothing indexed, the counts still read the records.
    assert.equal(await store.indexOutcomes(() => true), 0);
    assert.equal((await store.countRuns({ pool: 'etl' })).countedBy, 'records');
    assert.equal(await store.indexOutcomes(), 13, 'the 14 stopped runs but the deleted one');
    const afterIndexing = await store.countRuns({ pool: 'etl' });
    assert.equal(afterIndexing.countedBy, 'indexes');
    assert.equal(afterIndexing.byOutcome.crashed, 0);
    const { countedBy: _c, ...numbers } = afterIndexing;
    assert.deepEqual(numbers, await bruteForce(store, { pool: 'etl' }));
    assert.equal(await redis.zscore(keys.runsByOutcome('crashed'), 'etl-9'), null);
    assert.equal(await store.indexOutcomes(), 0, 'a second pass adds nothing');
  });

  test('retention removes a run from its outcome index, also when its record expired first', async () => {
    const namespace = uniqueNamespace('test-counts-ret');
    namespaces.push(namespace);
    let now = new Date('2026-03-01T00:00:00.000Z');
    const store = new ResourceStore(redis, { namespace, now: () => now, finishedRunRetentionSeconds: 60 });
    await store.submit([
      { apiVersion: V, kind: 'Pool', metadata: { name: 'p' }, spec: { taskDefinition: {} } },
      { apiVersion: V, kind: 'Run', metadata: { name: 'kept' }, spec: { pool: 'p' } },
      { apiVersion: V, kind: 'Run', metadata: { name: 'gone' }, spec: { pool: 'p' } },
    ]);
    for (const name of ['kept', 'gone']) {
      const run: RunRecord = (await store.getRun(name))!;
      await store.updateRunStatus(name, { status: { ...run.status, phase: 'stopped', outcome: 'failed' } }, run.metadata.resourceVersion);
    }
    await store.indexOutcomes();
    assert.equal((await store.countRuns({ outcome: 'failed' })).total, 2);
    // `gone`'s record expires by TTL before the sweep; `kept` is swept with its record.
    await redis.del(storeKeys(store.keyspace).run('gone'));
    now = new Date(now.getTime() + 120_000);
    assert.equal(await store.expireFinished(), 2);
    const counts = await store.countRuns();
    assert.equal(counts.total, 0);
    assert.equal(counts.byOutcome.failed, 0);
  });
});
