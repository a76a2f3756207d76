import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import { ResourceStore, storeKeys, UNKNOWN_CLUSTER } from '../../controller/store/index.js';
import type { Attempt, RunRecord, RunStatus } from '../../controller/api/index.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

const V = 'longshore.dev/v1alpha1';
const CLUSTER = 'arn:aws:ecs:us-east-1:000000000000:cluster/prod';
const task = (id: string) => `arn:aws:ecs:us-east-1:000000000000:task/prod/${id}`;
const status = (phase: RunStatus['phase'], attempts: Attempt[], outcome?: RunStatus['outcome']): RunStatus => ({
  phase,
  ...(outcome ? { outcome } : {}),
  attempts,
  conditions: [],
  observedGeneration: 1,
});

describe('store: indexes and retention', () => {
  let redis: RedisClient;
  const namespaces: string[] = [];
  let clock = new Date('2026-03-01T00:00:00.000Z');
  const newStore = () => {
    const namespace = uniqueNamespace('test-idx');
    namespaces.push(namespace);
    return new ResourceStore(redis, { namespace, now: () => clock, finishedRunRetentionSeconds: 3600 });
  };
  async function seed(store: ResourceStore, ...names: string[]): Promise<void> {
    await store.submit([
      { apiVersion: V, kind: 'Pool', metadata: { name: 'p1' }, spec: { taskDefinition: {} } },
      ...names.map((name) => ({ apiVersion: V, kind: 'Run', metadata: { name }, spec: { pool: 'p1' } })),
    ]);
  }
  async function write(store: ResourceStore, name: string, next: RunStatus): Promise<RunRecord> {
    const current = await store.getRun(name);
    return store.updateRunStatus(name, { status: next }, current!.metadata.resourceVersion);
  }
  before(() => {
    redis = testRedis();
  });
  after(async () => {
    for (const ns of namespaces) await deleteNamespaceKeys(redis, ns);
    await redis.quit();
  });

  test('task ARN → run and live task ARNs per cluster follow every status write', async () => {
    const store = newStore();
    await seed(store, 'r1', 'r2');
    await write(store, 'r1', status('submitted', [{ number: 1, taskArn: task('a'), clusterArn: CLUSTER }]));
    await write(store, 'r2', status('running', [{ number: 1, taskArn: task('b'), clusterArn: CLUSTER }]));
    assert.equal(await store.runNameForTask(task('a')), 'r1');
    assert.equal(await store.runNameForTask(task('b')), 'r2');
    assert.equal(await store.runNameForTask(task('zzz')), null);
    assert.deepEqual(await store.liveTaskArns(CLUSTER), [task('a'), task('b')]);
    assert.deepEqual(await store.liveTaskClusters(), [CLUSTER]);

    // r1's first task is interrupted (stoppedAt) and a second attempt launches: only the new task is live.
    await write(store, 'r1', status('submitted', [
      { number: 1, taskArn: task('a'), clusterArn: CLUSTER, stoppedAt: '2026-03-01T00:01:00.000Z', stopCode: 'SpotInterruption' },
      { number: 2, taskArn: task('c'), clusterArn: CLUSTER },
    ]));
    assert.deepEqual(await store.liveTaskArns(CLUSTER), [task('b'), task('c')]);
    assert.equal(await store.runNameForTask(task('a')), 'r1', 'old attempts still map to their run');

    // Stopping the run removes all of its tasks from the live set even without stoppedAt.
    await write(store, 'r2', status('stopped', [{ number: 1, taskArn: task('b'), clusterArn: CLUSTER, exitCode: 0 }], 'succeeded'));
    assert.deepEqual(await store.liveTaskArns(CLUSTER), [task('c')]);
    assert.deepEqual((await store.listRuns({ phase: 'running' })).items, []);
    assert.deepEqual((await store.listRuns({ phase: 'stopped' })).items.map((r) => r.metadata.name), ['r2']);
    assert.deepEqual((await store.listRuns({ pool: 'p1' })).items.map((r) => r.metadata.name), ['r1', 'r2']);

    // An attempt without a cluster ARN is still tracked, under the cluster name "unknown".
    await seed(store, 'r3');
    await write(store, 'r3', status('submitted', [{ number: 1, taskArn: task('d') }]));
    assert.deepEqual(await store.liveTaskArns(UNKNOWN_CLUSTER), [task('d')]);
  });

  test('deleting a stopped run removes every index entry', async () => {
    const store = newStore();
    await seed(store, 'r1');
    await write(store, 'r1', status('stopped', [{ number: 1, taskArn: task('x'), clusterArn: CLUSTER, exitCode: 1 }], 'failed'));
    await store.deleteRun('r1');
    const k = storeKeys(store.keyspace);
    assert.equal(await store.runNameForTask(task('x')), null);
    assert.equal(await redis.zscore(k.runs, 'r1'), null);
    assert.equal(await redis.zscore(k.runsByPhase('stopped'), 'r1'), null);
    assert.equal(await redis.zscore(k.runsByPool('p1'), 'r1'), null);
    assert.equal(await redis.zscore(k.finished, 'r1'), null);
  });

  test('retention: finished runs expire after the period, with their index entries; live runs stay', async () => {
    const store = newStore();
    clock = new Date('2026-03-01T00:00:00.000Z');
    await seed(store, 'old', 'recent', 'live');
    await write(store, 'old', status('stopped', [{ number: 1, taskArn: task('old'), clusterArn: CLUSTER, exitCode: 0 }], 'succeeded'));
    const k = storeKeys(store.keyspace);
    const ttl = await redis.ttl(k.run('old'));
    assert.ok(ttl > 3600 && ttl <= 3600 + 86400, `stopped runs carry a TTL safety net, got ${ttl}`);
    assert.equal(await redis.ttl(k.run('live')), -1, 'live runs never expire');
    clock = new Date('2026-03-01T00:50:00.000Z');
    await write(store, 'recent', status('stopped', [], 'cancelled'));

    assert.equal(await store.expireFinished(new Date('2026-03-01T00:59:59.000Z')), 0);
    assert.equal(await store.expireFinished(new Date('2026-03-01T01:00:01.000Z')), 1);
    assert.equal(await store.getRun('old'), null);
    assert.equal(await store.runNameForTask(task('old')), null);
    assert.deepEqual((await store.listRuns()).items.map((r) => r.metadata.name), ['live', 'recent']);
    assert.equal(await redis.zscore(k.runsByPool('p1'), 'old'), null);

    // A run whose key already expired by TTL (no sweeper ran) loses its index entries on the next sweep.
    await redis.del(k.run('recent'));
    assert.equal(await store.expireFinished(new Date('2026-03-01T02:00:00.000Z')), 1);
    assert.equal(await redis.zscore(k.runs, 'recent'), null);
    assert.equal(await redis.zscore(k.runsByPool('p1'), 'recent'), null);
    assert.equal(await redis.zscore(k.runsByPhase('stopped'), 'recent'), null);
    assert.deepEqual((await store.listRuns()).items.map((r) => r.metadata.name), ['live']);
  });
});
