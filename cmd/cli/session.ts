/**
 * One CLI invocation's connection to Redis and its error handling. REDIS_URL and LONGSHORE_NAMESPACE come
 * from the environment; the connection fails fast (no endless reconnects) so a missing Redis is an error,
 * not a hang.
 */
import type { Redis } from 'ioredis';
import { createRedisConnection } from '../../controller/redis.js';
import { redactUrl } from '../../controller/logger.js';
import { ResourceStore } from '../../controller/store/index.js';
import { describeError, EXIT_FAILURE } from './errors.js';

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
    let connectionError: Error | undefined;
    const open = (name: string) => {
      const c = connect(name);
      // Connection errors surface through the failing command; remember the cause to explain it.
      c.on('error', (error: Error) => {
        connectionError ??= error;
      });
      connections.push(c);
      return c;
    };
    try {
      const redis = open('longshore-cli');
      const store = new ResourceStore(redis);
      await action({ store, redis, blocking: () => open('longshore-cli-watch') }, ...args);
    } catch (error) {
      const unreachable = connectionError && error instanceof Error && /Connection is closed|connect E/.test(error.message);
      const { text, exitCode } = unreachable
        ? { text: `error: cannot reach Redis at ${redactUrl(redisUrl())}: ${connectionError?.message}`, exitCode: EXIT_FAILURE }
        : describeError(error);
      process.stderr.write(`${text}\n`);
      process.exitCode = exitCode;
    } finally {
      await Promise.all(connections.map(close));
    }
  };
}

/** QUIT politely; a connection that is already gone is just dropped. No timers, so the CLI exits at once. */
async function close(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}
