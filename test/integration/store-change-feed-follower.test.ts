/**
 * The controller's change-feed follower against real Redis: garbage XADDed to the change feed is
 * acknowledged (nothing stays pending to be re-claimed by every replica), counted in Redis and in
 * `longshore_stream_entries_malformed_total{stream="changes"}`, and the valid changes around it still flow.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import { createLogger } from '../../controller/logger.js';
import { createMetrics } from '../../controller/metrics.js';
import { startStreamFollower } from '../../controller/queue/stream-follower.js';
import { changeFeedSource } from '../../controller/queue/stream-sources.js';
import { ResourceStore, storeKeys } from '../../controller/store/index.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';

const V = 'longshore.dev/v1alpha1';
const logger = createLogger({ level: 'silent' });

describe('change-feed follower', () => {
  let redis: RedisClient;
  let blocking: RedisClient;
  const namespace = uniqueNamespace('test-feed-follower');
  before(() => {
    redis = testRedis();
    blocking = testRedis();
  });
  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await Promise.all([redis.quit(), blocking.quit()]);
  });

  test('acknowledges and counts malformed entries, and still hands on every valid change', async () => {
    const store = new ResourceStore(redis, { namespace });
    const changes = storeKeys(store.keyspace).changes;
    const feed = store.changeFeed(blocking);
    await feed.ensureGroup('controller', '0');
    const metrics = createMetrics();
    const garbage = 40;
    // Some left pending by a consumer that never acknowledged them (a replica before this fix), the rest new.
    for (let i = 0; i < garbage / 2; i += 1) await redis.xadd(changes, '*', 'junk', String(i));
    await redis.xreadgroup('GROUP', 'controller', 'old-replica', 'COUNT', garbage, 'STREAMS', changes, '>');
    await store.createPool({ apiVersion: V, kind: 'Pool', metadata: { name: 'p1' }, spec: { taskDefinition: {} } });
    for (let i = 0; i < garbage / 2; i += 1) await redis.xadd(changes, '*', 'kind', 'Run', 'name', '', 'change', 'created');
    await store.submit([{ apiVersion: V, kind: 'Run', metadata: { name: 'r1' }, spec: { pool: 'p1' } }]);

    const handled: string[] = [];
    const follower = startStreamFollower({
      name: 'changes', logger, blockMs: 20, claimIdleMs: 0, batchSize: 7,
      source: changeFeedSource(feed, { group: 'controller', consumer: 'replica-a', logger, metrics }),
      handle: async (change) => {
        handled.push(`${change.kind}/${change.name}`);
      },
    });
    try {
      await until(async () => (await feed.malformedCount()) === garbage && handled.length === 2, {
        what: async () => `malformed ${await feed.malformedCount()}/${garbage}, handled ${handled.join(',')}`,
      });
    } finally {
      await follower.stop();
    }
    assert.deepEqual(handled, ['Pool/p1', 'Run/r1']);
    const pending = (await redis.xpending(changes, 'controller')) as [number, ...unknown[]];
    assert.equal(pending[0], 0, 'nothing left pending');
    const counted = (await metrics.registry.getSingleMetric('longshore_stream_entries_malformed_total')?.get())?.values ?? [];
    assert.deepEqual(counted.map((v) => [v.labels.stream, v.value]).sort(), [['changes', garbage], ['control', 0]]);
  });
});
