/**
 * Stopping the workers on a Redis Cluster leaves no connection open (issue 11). BullMQ
 * duplicates a worker's connection for its blocking reads; on a Cluster, Worker.close() interrupting that
 * read made BullMQ's cluster recovery reconnect the copy while it was being closed, which left a
 * controller's shutdown waiting forever or a connection open after it. Runs only against a cluster
 * (scripts/test-redis-cluster.sh sets REDIS_CLUSTER_NODES); on a single node that recovery never runs.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { createRedisConnection, redisConnectionOpen, type RedisClient } from '../../controller/redis.js';
import { createLogger } from '../../controller/logger.js';
import { closeQueues, createQueues, createWakeUps } from '../../controller/queue/queues.js';
import { startWorkers } from '../../controller/queue/workers.js';
import { createPendingWakeUps } from '../../controller/queue/pending-wake-ups.js';
import { keyspace } from '../../controller/store/keys.js';
import { deleteNamespaceKeys, TEST_REDIS_IS_CLUSTER, TEST_REDIS_TARGET, testRedis } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';

const logger = createLogger({ level: 'silent' });
const skip = TEST_REDIS_IS_CLUSTER ? false : 'needs REDIS_CLUSTER_NODES (scripts/test-redis-cluster.sh)';

/** Every copy BullMQ makes of `connection` (and of its copies), with how often each was connected once `stopping` is set. */
function watchCopies(connection: Cluster, state: { stopping: boolean }, copies: Array<{ copy: Cluster; connectsWhileStopping: number }>): Cluster {
  const duplicate = connection.duplicate.bind(connection);
  connection.duplicate = (...args: Parameters<Cluster['duplicate']>) => {
    const copy = watchCopies(duplicate(...args), state, copies);
    const entry = { copy, connectsWhileStopping: 0 };
    copies.push(entry);
    const connect = copy.connect.bind(copy);
    copy.connect = () => {
      if (state.stopping) entry.connectsWhileStopping += 1;
      return connect();
    };
    return copy;
  };
  return connection;
}

describe('workers on a Redis Cluster', { skip }, () => {
  const redis = testRedis();
  const namespace = `test-${randomUUID()}`;
  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
  });

  test('stopping them closes every connection, BullMQ\'s copies included, even those its recovery reconnected', async () => {
    const connection = createRedisConnection(TEST_REDIS_TARGET, 'test-queues');
    const queues = createQueues(connection, namespace, logger);
    const pendingWakeUps = createPendingWakeUps(connection, keyspace(namespace));
    const state = { stopping: false };
    const copies: Array<{ copy: Cluster; connectsWhileStopping: number }> = [];
    const originals: RedisClient[] = [];
    const done: string[] = [];
    const workers = startWorkers({
      namespace, replicaId: 'r1', reconcilers: { 'reconcile-run': async (key) => { done.push(key); return {}; }, resync: async () => ({}) },
      concurrency: { 'reconcile-run': 4, 'register-taskdef': 1, resync: 1 },
      connect: (name) => {
        const original = createRedisConnection(TEST_REDIS_TARGET, name, 'blocking');
        assert.ok(original instanceof Cluster, 'a cluster connection');
        originals.push(original);
        return watchCopies(original, state, copies);
      },
      queues, pendingWakeUps, logger,
    });
    const wakeUps = createWakeUps(queues, pendingWakeUps);
    await until(() => workers.started(), { what: 'the workers to run' });
    for (let i = 0; i < 10; i++) await wakeUps.wake('reconcile-run', `run-${i}`);
    await until(() => done.length >= 10, { what: () => `10 reconciles (${done.length} so far)` });
    // The workers now wait in a blocking read on their copies: the moment the bug needed.
    assert.ok(copies.length > 0, 'BullMQ made copies of the workers\' connections');

    state.stopping = true;
    try {
      await workers.stop(2000);
      const reconnected = copies.filter((c) => c.connectsWhileStopping > 0).length;
      const open = () => [...originals, ...copies.map((c) => c.copy)].filter(redisConnectionOpen);
      await until(() => open().length === 0, { timeoutMs: 5000, what: () => `every worker connection closed (open: ${open().map((c) => c.status).join(', ')})` });
      assert.deepEqual(workers.openConnections(), [], `nothing open (${reconnected} copies were reconnected by BullMQ during the stop)`);
    } finally {
      await closeQueues(queues);
      await connection.quit();
    }
  });
});
