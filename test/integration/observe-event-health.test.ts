/**
 * Task-event health in Redis, shared by replicas and judged per account-region: while a queue's receives
 * succeed and genuine events of an account-region arrived through it lately, the resync tick describes that
 * account-region's clusters only every HEALTHY_RESYNC_STRIDE-th time; the clusters of every other
 * account-region on every tick. Events the policy refused (foreign, malformed, unknown) are no evidence.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import { keyspace } from '../../controller/store/index.js';
import { EVENT_EVIDENCE_TTL_MS, HEALTHY_RESYNC_STRIDE, redisEventHealth, type EventHealthKeys } from '../../reconcilers/observe/event-health.js';
import { RESYNC_TICK, createResyncReconciler, type ResyncDeps } from '../../reconcilers/observe/resync.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';
import pino from 'pino';

const HOME = { region: 'us-east-1', account: '123456789012' };
const EAST = 'arn:aws:ecs:us-east-1:123456789012:cluster/c1';
const WEST = 'arn:aws:ecs:eu-west-1:123456789012:cluster/c2';
const HOME_QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/events';
const WEST_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/events';

describe('task events healthy: the resync slows down by itself, per account-region', () => {
  let redis: RedisClient;
  const namespaces: string[] = [];
  before(() => {
    redis = testRedis();
  });
  after(async () => {
    for (const n of namespaces) await deleteNamespaceKeys(redis, n);
    await redis.quit();
  });

  function setup(clusters = ['unknown', EAST], now: () => number = Date.now) {
    const namespace = uniqueNamespace('test-event-health');
    namespaces.push(namespace);
    const ks = keyspace(namespace);
    const keys: EventHealthKeys = { receiving: ks.key('task-events', 'receiving-by-queue'), evidence: ks.key('task-events', 'evidence-by-scope'), ticks: ks.key('resync', 'ticks') };
    const health = redisEventHealth(redis, keys, { home: HOME, now });
    // A second replica's view of the same keys (its own refresh throttle).
    const other = redisEventHealth(redis, keys, { home: HOME, now });
    const woken: string[] = [];
    const deps = {
      store: { liveTaskClusters: async () => clusters },
      wake: async (_queue: string, key: string) => {
        woken.push(key);
      },
      clustersDue: (all: readonly string[]) => other.clustersDue(all),
    } as unknown as ResyncDeps;
    const tick = createResyncReconciler(deps);
    const context = { logger: pino({ level: 'silent' }), reconcileId: 'r', jobTry: 1 };
    return { health, woken, keys, tick: () => tick(RESYNC_TICK, context) };
  }

  test('without healthy events every tick resyncs every cluster', async () => {
    const { health, woken, tick } = setup();
    await health.received(HOME_QUEUE);
    await health.judged('foreign', HOME, HOME_QUEUE);
    await health.judged('malformed', undefined, HOME_QUEUE);
    for (let i = 0; i < 3; i++) await tick();
    assert.deepEqual(woken, ['unknown', EAST, 'unknown', EAST, 'unknown', EAST], 'receiving alone, with no genuine event, is not healthy');
  });

  test('with receives succeeding and a genuine event, one tick in HEALTHY_RESYNC_STRIDE resyncs (one home queue, as before)', async () => {
    const { health, woken, tick } = setup();
    await health.received(HOME_QUEUE);
    await health.judged('duplicate', HOME, HOME_QUEUE);
    for (let i = 0; i < 2 * HEALTHY_RESYNC_STRIDE; i++) await tick();
    assert.deepEqual(woken, ['unknown', EAST, 'unknown', EAST], `two full resyncs in ${2 * HEALTHY_RESYNC_STRIDE} ticks`);
  });

  test('one account-region healthy does not slow the resync of another', async () => {
    const { health, woken, tick } = setup([EAST, WEST]);
    await health.received(HOME_QUEUE);
    await health.judged('applied', HOME, HOME_QUEUE);
    for (let i = 0; i < HEALTHY_RESYNC_STRIDE; i++) await tick();
    assert.equal(woken.filter((c) => c === WEST).length, HEALTHY_RESYNC_STRIDE, 'eu-west-1 has no events: every tick');
    assert.equal(woken.filter((c) => c === EAST).length, 1, 'us-east-1 is healthy: once');
  });

  test('evidence counts only while the queue that delivered it still receives', async () => {
    let clock = Date.now();
    const { health, woken, tick } = setup([WEST], () => clock);
    await health.received(WEST_QUEUE);
    await health.judged('applied', { account: HOME.account, region: 'eu-west-1' }, WEST_QUEUE);
    // The home queue keeps receiving, but it is not the one that carries eu-west-1's events.
    clock += 120_000;
    await health.received(HOME_QUEUE);
    for (let i = 0; i < 3; i++) await tick();
    assert.deepEqual(woken, [WEST, WEST, WEST]);
  });

  test('fields too old to count are dropped from the hashes', async () => {
    let clock = Date.now();
    const { health, keys, tick } = setup([EAST], () => clock);
    await health.received(HOME_QUEUE);
    await health.judged('applied', HOME, HOME_QUEUE);
    clock += EVENT_EVIDENCE_TTL_MS;
    await tick();
    assert.deepEqual([await redis.hlen(keys.evidence), await redis.hlen(keys.receiving)], [0, 0]);
  });
});
