/**
 * The Redis side of network resolution: the per-pool-generation answer (a network for a day, a failure
 * briefly) and the short single-flight lock that lets exactly one reconcile across all replicas call EC2
 * on a cache miss. The encoding of cache entries is pure (encodeEntry / decodeEntry); NetworkCache is the
 * thin I/O over one Redis connection.
 */
import type { AwsVpcConfiguration } from '@aws-sdk/client-ecs';
import type { RedisClient } from '../../controller/redis.js';
import { defineScript, integerReply } from '../../controller/redis-scripts.js';

export type CachedNetwork =
  | { status: 'resolved'; network: AwsVpcConfiguration }
  | { status: 'failed'; message: string }
  /** EC2 failed in a way worth retrying: nobody asks again before `until` (epoch ms), the pool's backoff. */
  | { status: 'retry'; message: string; until: number };

/** A resolved network is stored as the bare configuration (the format older replicas wrote and read). */
export function encodeEntry(entry: CachedNetwork): string {
  if (entry.status === 'resolved') return JSON.stringify(entry.network);
  if (entry.status === 'failed') return JSON.stringify({ failed: entry.message });
  return JSON.stringify({ retry: entry.message, until: entry.until });
}

export function decodeEntry(raw: string | null): CachedNetwork | undefined {
  if (raw === null) return undefined;
  const value: unknown = JSON.parse(raw);
  if (typeof value !== 'object' || value === null) return undefined;
  if ('failed' in value && typeof value.failed === 'string') return { status: 'failed', message: value.failed };
  if ('retry' in value && typeof value.retry === 'string' && 'until' in value && typeof value.until === 'number') {
    return { status: 'retry', message: value.retry, until: value.until };
  }
  return { status: 'resolved', network: value as AwsVpcConfiguration };
}

/** Deletes the lock only if the caller still owns it: it may have expired and been taken by another replica. */
const UNLOCK = defineScript('longshoreNetworkUnlock', `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, integerReply);

export class NetworkCache {
  constructor(private readonly redis: RedisClient) {}

  async read(key: string): Promise<CachedNetwork | undefined> {
    return decodeEntry(await this.redis.get(key));
  }

  async write(key: string, entry: CachedNetwork, ttlMs: number): Promise<void> {
    await this.redis.set(key, encodeEntry(entry), 'PX', ttlMs);
  }

  /**
   * Counts one more retryable EC2 failure in a row for the entry (it drives the pool's backoff); the count
   * outlives the short-lived retry entry, and is forgotten after an hour without failures.
   */
  async countFailure(key: string): Promise<number> {
    const counter = failuresKey(key);
    const [[, count]] = (await this.redis.multi().incr(counter).expire(counter, 3600).exec()) as [[Error | null, number], unknown];
    return count;
  }

  async clearFailures(key: string): Promise<void> {
    await this.redis.del(failuresKey(key));
  }

  /** The lock lives next to the entry it guards (same hash tag, so the same Redis Cluster slot). */
  async lock(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(lockKey(key), token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /**
   * Who holds the lock and for how much longer (for the waiting callers' message), after making sure it can
   * end: a lock with no expiry (which SET … PX never leaves, but a restored or hand-written key could) would
   * hold every run of the pool forever, so it is given the usual TTL here. Undefined when the lock is gone.
   */
  async lockHolder(key: string, ttlMs: number): Promise<{ token: string; remainingMs: number; hadNoExpiry: boolean } | undefined> {
    const [token, pttl] = (await this.redis.multi().get(lockKey(key)).pttl(lockKey(key)).exec() ?? []).map(([, value]) => value) as [string | null, number];
    if (token === null || pttl === -2) return undefined;
    if (pttl === -1) {
      await this.redis.pexpire(lockKey(key), ttlMs);
      return { token, remainingMs: ttlMs, hadNoExpiry: true };
    }
    return { token, remainingMs: pttl, hadNoExpiry: false };
  }

  async unlock(key: string, token: string): Promise<void> {
    await UNLOCK.run(this.redis, [lockKey(key)], [token]);
  }
}

function failuresKey(entryKey: string): string {
  return `${entryKey}:failures`;
}

export function lockKey(entryKey: string): string {
  return `${entryKey}:lock`;
}
