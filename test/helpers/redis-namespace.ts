/**
 * Test isolation in the shared Redis: each test file takes a unique namespace and deletes every
 * `longshore:{<namespace>}:*` key when done. Never FLUSHALL/FLUSHDB — other suites share this Redis.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** e.g. `test-store-3f9a1c2b` — valid for LONGSHORE_NAMESPACE. */
export function uniqueNamespace(label = 'test'): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key of the namespace; returns how many were deleted. */
export async function deleteNamespaceKeys(redis: Redis, namespace: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `longshore:{${namespace}}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** A connection for tests (fails fast instead of retrying forever when Redis is absent). */
export function testRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
}
