/**
 * Task-event health in Redis, shared by replicas: while the SQS receives succeed and genuine events arrived
 * lately, the resync tick describes every cluster only every HEALTHY_RESYNC_STRIDE-th time; without either,
 * on every tick. Events the policy refused (foreign, malformed, unknown) are no evidence.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import { keyspace } from '../../controller/store/index.js';
import { HEALTHY_RESYNC_STRIDE, redisEventHealth } from '../../reconcilers/observe/event-health.js';
import { RESYNC_TICK, createResyncReconciler, type ResyncDeps } from '../../reconcilers/observe/resync.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';
import pino from 'pino';

describe('task events healthy: the resync slows down by itself', () => {
  let redis: RedisClient;
  const namespaces: string[] = [];
  before(() => {
    redis = testRedis();
  });
  after(async () => {
    for (const n of namespaces) await deleteNamespaceKeys(redis, n);
    await redis.quit();
  });

  function setup() {
    const namespace = uniqueNamespace('test-event-health');
    namespaces.push(namespace);
    const ks = keyspace(namespace);
    const health = redisEventHealth(redis, { receiving: ks.key('task-events', 'receiving'), evidence: ks.key('task-events', 'evidence'), ticks: ks.key('resync', 'ticks') });
    // A second replica's view of the same keys (its own refresh throttle).
    const other = redisEventHealth(redis, { receiving: ks.key('task-events', 'receiving'), evidence: ks.key('task-events', 'evidence'), ticks: ks.key('resync', 'ticks') });
    const woken: string[] = [];
    const deps = {
      store: { liveTaskClusters: async () => ['c1', 'c2'] },
      wake: async (_queue: string, key: string) => {
        woken.push(key);
      },
      fullResyncDue: () => other.fullResyncDue(),
    } as unknown as ResyncDeps;
    const tick = createResyncReconciler(deps);
    const context = { logger: pino({ level: 'silent' }), reconcileId: 'r', jobTry: 1 };
    return { health, woken, tick: () => tick(RESYNC_TICK, context) };
  }

  test('without healthy events every tick resyncs every cluster', async () => {
    const { health, woken, tick } = setup();
    await health.received();
    await health.judged('foreign');
    await health.judged('malformed');
    for (let i = 0; i < 3; i++) await tick();
    assert.deepEqual(woken, ['c1', 'c2', 'c1', 'c2', 'c1', 'c2'], 'receiving alone, with no genuine event, is not healthy');
  });

  test('with receives succeeding and a genuine event, one tick in HEALTHY_RESYNC_STRIDE resyncs', async () => {
    const { health, woken, tick } = setup();
    await health.received();
    await health.judged('duplicate');
    for (let i = 0; i < 2 * HEALTHY_RESYNC_STRIDE; i++) await tick();
    assert.deepEqual(woken, ['c1', 'c2', 'c1', 'c2'], `two full resyncs in ${2 * HEALTHY_RESYNC_STRIDE} ticks`);
  });
});
