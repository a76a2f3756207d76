/**
 * Test isolation in the shared Redis: each test file takes a unique namespace and deletes every
 * `longshore:{<namespace>}:*` key when done. Never FLUSHALL/FLUSHDB — other suites share this Redis.
 */
import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { CLUSTER_FAILOVER_OPTIONS, parseClusterNodes, scanBatches, type RedisClient, type RedisTarget } from '../../controller/redis.js';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * REDIS_CLUSTER_NODES points the tests (and the controllers and CLIs they start, which inherit the
 * environment) at a Redis Cluster, e.g. the local one of scripts/ensure-redis-cluster.sh.
 */
export const TEST_REDIS_TARGET: RedisTarget = {
  url: TEST_REDIS_URL,
  clusterNodes: process.env.REDIS_CLUSTER_NODES ? parseClusterNodes(process.env.REDIS_CLUSTER_NODES) : undefined,
};

/** Whether this run uses a Redis Cluster. */
export const TEST_REDIS_IS_CLUSTER = (TEST_REDIS_TARGET.clusterNodes?.length ?? 0) > 0;

/** e.g. `test-store-3f9a1c2b` — valid for LONGSHORE_NAMESPACE. */
export function uniqueNamespace(label = 'test'): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/** Every key matching `pattern`: SCAN walks one node, so on a cluster every master is walked (KEYS would ask one). */
export async function scanKeys(client: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for await (const { keys } of scanBatches(client, pattern)) found.push(...keys);
  return found;
}

/** Deletes every key of the namespace; returns how many were deleted. */
export async function deleteNamespaceKeys(client: RedisClient, namespace: string): Promise<number> {
  const keys = await scanKeys(client, `longshore:{${namespace}}:*`);
  let deleted = 0;
  // One namespace is one hash slot, so a batch of its keys is one command even on a cluster.
  for (let i = 0; i < keys.length; i += 1000) deleted += await client.unlink(...keys.slice(i, i + 1000));
  return deleted;
}

/** A connection for tests (fails fast instead of retrying forever when Redis is absent); a Cluster with REDIS_CLUSTER_NODES. */
export function testRedis(): RedisClient {
  const nodes = TEST_REDIS_TARGET.clusterNodes;
  if (nodes && nodes.length > 0) return new Cluster(nodes.map((n) => ({ ...n })), { ...CLUSTER_FAILOVER_OPTIONS, redisOptions: { maxRetriesPerRequest: 1 } });
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
}
