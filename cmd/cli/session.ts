/**
 * One CLI invocation's connection to Redis and its error handling. REDIS_URL and LONGSHORE_NAMESPACE come
 * from the environment; the connection fails fast (no endless reconnects) so a missing Redis is an error,
 * not a hang.
 */
import type { Redis } from 'ioredis';
import { createRedisConnection, closeRedis } from '../../controller/redis.js';
import { ResourceStore } from '../../controller/store/index.js';
import { describeError } from './errors.js';

export interface Session {
  store: ResourceStore;
  redis: Redis;
  /** A second connection for blocking stream reads (watch). */
  blocking(): Redis;
}

export function redisUrl(): string {
  return process.env.REDIS_URL || 'redis://127.0.0.1:6379';
}

function connect(name: string): Redis {
  return createRedisConnection(redisUrl(), name, 'command', { maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 5000 });
}

/** Wraps a command action: opens the store, runs, reports any error on stderr and sets the exit status. */
export function withSession<A extends unknown[]>(action: (session: Session, ...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const connections: Redis[] = [];
    const open = (name: string) => {
      const c = connect(name);
      // Connection errors surface through the failing command; the event itself must not crash the CLI.
      c.on('error', () => undefined);
      connections.push(c);
      return c;
    };
    try {
      const redis = open('longshore-cli');
      const store = new ResourceStore(redis);
      await action({ store, redis, blocking: () => open('longshore-cli-watch') }, ...args);
    } catch (error) {
      const { text, exitCode } = describeError(error);
      process.stderr.write(`${text}\n`);
      process.exitCode = exitCode;
    } finally {
      await closeRedis(...connections);
    }
  };
}
