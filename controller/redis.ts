/**
 * Redis connections. Each consumer gets its own connection with a name visible in CLIENT LIST.
 * - Every connection gives up a connect (TCP, and with rediss:// the TLS handshake) after `connectMs`
 *   and tries again later, so a server that never completes one cannot hold a connection forever.
 * - Command connections also bound every command by `commandMs`, including commands queued while the
 *   connection is down (the offline queue stays on: a reconcile issued during a reconnect waits for it, but
 *   never longer than the command timeout). A server that accepts connections and never answers thus fails
 *   each command, and the ready check, within the bound.
 * - Blocking connections (BullMQ workers, stream followers) have no command timeout, since their commands
 *   wait by design, and `maxRetriesPerRequest: null`, which BullMQ requires: they wait out an outage.
 */
import { Redis, RedisOptions } from 'ioredis';

export type RedisRole = 'command' | 'blocking';

export interface RedisTimeouts {
  /** Longest a connect (TCP plus TLS handshake) may take. */
  connectMs: number;
  /** Longest a command on a command connection waits for its reply. */
  commandMs: number;
}

export const DEFAULT_REDIS_TIMEOUTS: RedisTimeouts = { connectMs: 5000, commandMs: 10_000 };

export function createRedisConnection(
  url: string, name: string, role: RedisRole = 'command', timeouts: RedisTimeouts = DEFAULT_REDIS_TIMEOUTS, extra: RedisOptions = {},
): Redis {
  return new Redis(url, {
    connectionName: name,
    connectTimeout: timeouts.connectMs,
    ...(role === 'blocking' ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 3, commandTimeout: timeouts.commandMs }),
    enableReadyCheck: true,
    enableOfflineQueue: true,
    // Reconnect forever with a capped delay: Redis restarts are survivable, the process keeps serving /healthz.
    retryStrategy: (times) => Math.min(times * 200, 5000),
    ...extra,
  });
}

/**
 * Pings until Redis answers or `boundMs` has passed (each ping bounded by what is left); resolves with
 * undefined once it answered, else with the last error seen.
 */
export async function awaitRedis(redis: Redis, boundMs: number, pauseMs = 500): Promise<unknown> {
  const deadline = Date.now() + boundMs;
  let lastError: unknown = new Error(`no answer within ${boundMs} ms`);
  for (;;) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(lastError), Math.max(left, 0));
    });
    try {
      await Promise.race([redis.ping(), expired]);
      return undefined;
    } catch (error) {
      lastError = error;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() + pauseMs >= deadline) return lastError;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
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
