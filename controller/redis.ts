/**
 * Redis connections. Each consumer gets its own connection with a name visible in CLIENT LIST:
 * BullMQ's workers block, so they need `maxRetriesPerRequest: null`; command connections fail fast
 * so a request never hangs a reconcile while Redis is away.
 */
import { Redis, RedisOptions } from 'ioredis';

export type RedisRole = 'command' | 'blocking';

export function createRedisConnection(url: string, name: string, role: RedisRole = 'command', extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: role === 'blocking' ? null : 3,
    enableReadyCheck: true,
    // Reconnect forever with a capped delay: Redis restarts are survivable, the process keeps serving /healthz.
    retryStrategy: (times) => Math.min(times * 200, 5000),
    ...extra,
  });
}

/** True when Redis answers PING within `timeoutMs`. */
export async function redisAnswers(redis: Redis, timeoutMs = 1000): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([redis.ping().then((reply) => reply === 'PONG', () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Problems with the server's configuration Longshore depends on; empty when all is well. Eviction would
 * silently drop runs, caches and queue entries, so anything but noeviction is reported.
 */
export async function redisConfigurationProblems(redis: Redis): Promise<string[]> {
  const problems: string[] = [];
  const info = await redis.info('memory');
  const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
  if (policy && policy !== 'noeviction') problems.push(`maxmemory-policy is ${policy}; Longshore needs noeviction`);
  return problems;
}

/** Closes connections politely, falling back to disconnect when Redis is unreachable. */
export async function closeRedis(...connections: Redis[]): Promise<void> {
  await Promise.all(
    connections.map(async (c) => {
      if (c.status === 'end') return;
      // The fallback timer is cleared once quit settles, so it never holds the process open for its second.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('quit timeout')), 1000);
      });
      try {
        await Promise.race([c.quit(), timeout]);
      } catch {
        c.disconnect();
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
