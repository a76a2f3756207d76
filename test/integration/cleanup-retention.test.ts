import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { RedisClient } from '../../controller/redis.js';
import { ResourceStore } from '../../controller/store/index.js';
import type { RunStatus } from '../../controller/api/index.js';
import { CLEANUP_KEYS, createCleanupReconciler } from '../../reconcilers/cleanup/sweeps.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

const V = 'longshore.dev/v1alpha1';
const context = { logger: pino({ level: 'silent' }), reconcileId: 't', jobTry: 1 };
const status = (phase: RunStatus['phase'], outcome?: RunStatus['outcome']): RunStatus => ({
  phase, ...(outcome ? { outcome } : {}), attempts: [], conditions: [], observedGeneration: 1,
});

describe('clean-up: retention against the store', () => {
  let redis: RedisClient;
  const namespace = uniqueNamespace('test-cleanup');
  before(() => {
    redis = testRedis();
  });
  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
  });

  test('the retention sweep deletes only runs stopped longer ago than the configured retention', async () => {
    let clock = Date.parse('2026-03-01T00:00:00.000Z');
    const store = new ResourceStore(redis, { namespace, now: () => new Date(clock), finishedRunRetentionSeconds: 3600 });
    await store.submit([
      { apiVersion: V, kind: 'Pool', metadata: { name: 'p' }, spec: { taskDefinition: {} } },
      ...['old', 'recent', 'live'].map((name) => ({ apiVersion: V, kind: 'Run', metadata: { name }, spec: { pool: 'p' } })),
    ]);
    const write = async (name: string, next: RunStatus) => {
      const current = await store.getRun(name);
      assert.ok(current);
      await store.updateRunStatus(name, { status: next }, current.metadata.resourceVersion);
    };
    await write('old', status('stopped', 'succeeded'));
    clock += 30 * 60_000;
    await write('recent', status('stopped', 'failed'));
    await write('live', status('running'));
    const sweep = createCleanupReconciler({ store, now: () => clock });

    clock += 20 * 60_000; // old stopped 50 min ago: kept
    await sweep(CLEANUP_KEYS.retention, context);
    assert.deepEqual((await store.listRuns()).items.map((r) => r.metadata.name).sort(), ['live', 'old', 'recent']);

    clock += 15 * 60_000; // old stopped 65 min ago, recent 35 min ago
    await sweep(CLEANUP_KEYS.retention, context);
    assert.deepEqual((await store.listRuns()).items.map((r) => r.metadata.name).sort(), ['live', 'recent']);
    assert.equal(await store.getRun('old'), null);
    assert.deepEqual((await store.listRuns({ phase: 'stopped' })).items.map((r) => r.metadata.name), ['recent']);
  });
});
