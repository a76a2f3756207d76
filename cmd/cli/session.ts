/**
 * One CLI invocation's connection to Redis and its error handling. REDIS_URL, REDIS_CLUSTER_NODES and LONGSHORE_NAMESPACE come
 * from the environment. The connection fails fast so a missing or misbehaving Redis is an error within
 * seconds, never a hang: no reconnects, a bounded connect (TCP and TLS handshake) and a bounded wait for
 * every reply; the error says what went wrong (unreachable, a rediss:// URL against a plain server, a
 * server that accepts connections and never answers).
 */
import { createRedisConnection, parseClusterNodes, RedisClient, RedisRole, RedisTarget, RedisTimeouts } from '../../controller/redis.js';
import { redactUrl } from '../../controller/logger.js';
import { classifyRedisFailure, explainRedisFailure } from '../../controller/redis-failure.js';
import { ResourceStore } from '../../controller/store/index.js';
import { describeError, EXIT_FAILURE } from './errors.js';

export interface Session {
  store: ResourceStore;
  redis: RedisClient;
  /** A second connection for blocking stream reads (watch). */
  blocking(): RedisClient;
}

export function redisUrl(): string {
  return process.env.REDIS_URL || 'redis://127.0.0.1:6379';
}

/** REDIS_CLUSTER_NODES as the controller reads it; an invalid list is an error naming the variable. */
function redisTarget(): RedisTarget {
  const text = process.env.REDIS_CLUSTER_NODES?.trim();
  if (!text) return { url: redisUrl() };
  const clusterNodes = parseClusterNodes(text);
  if (!clusterNodes) throw new Error(`REDIS_CLUSTER_NODES: expected host:port,host:port,… (ports 1-65535), got ${JSON.stringify(text)}`);
  return { url: redisUrl(), clusterNodes };
}

/** The CLI's bounds: the same defaults as the controller's (LONGSHORE_REDIS_*_TIMEOUT_SECONDS). */
export const CLI_REDIS_TIMEOUTS: RedisTimeouts = { connectMs: 5000, commandMs: 10_000 };

function connect(name: string, role: RedisRole): RedisClient {
  // Blocking reads (watch, kill's wait for the reply) wait by design, so they get no command timeout;
  // ioredis' blocking safety net ends one that outlasts its own block time by the command timeout.
  const blocking = { blockingTimeout: CLI_REDIS_TIMEOUTS.commandMs, blockingTimeoutGrace: CLI_REDIS_TIMEOUTS.commandMs };
  return createRedisConnection(redisTarget(), name, role, CLI_REDIS_TIMEOUTS, {
    retryStrategy: () => null,
    // A server that never answers never closes its side either; do not wait long for it before exiting.
    disconnectTimeout: 200,
    ...(role === 'blocking' ? blocking : { maxRetriesPerRequest: 1 }),
  });
}

/** Errors that say Redis could not be used at all, as opposed to an answer Redis gave. */
function isRedisFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return classifyRedisFailure(redisUrl(), error) !== undefined || /max retries per request|Stream isn't writeable/i.test(error.message);
}

/** Wraps a command action: opens the store, runs, reports any error on stderr and sets the exit status. */
export function withSession<A extends unknown[]>(action: (session: Session, ...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const connections: RedisClient[] = [];
    let connectionError: Error | undefined;
    let wasReady = false;
    const open = (name: string, role: RedisRole) => {
      const c = connect(name, role);
      // Connection errors surface through the failing command; remember the first cause to explain it.
      c.on('error', (error: Error) => {
        connectionError ??= error;
      });
      c.on('ready', () => (wasReady = true));
      connections.push(c);
      return c;
    };
    let redisFailed = false;
    try {
      const redis = open('longshore-cli', 'command');
      const store = new ResourceStore(redis);
      await action({ store, redis, blocking: () => open('longshore-cli-watch', 'blocking') }, ...args);
    } catch (error) {
      redisFailed = isRedisFailure(error);
      const explained = isRedisFailure(error)
        ? await explainRedisFailure(redisUrl(), connectionError ?? error, { probeTimeoutMs: 2000, timeoutMs: CLI_REDIS_TIMEOUTS.commandMs, wasReady })
        : undefined;
      const fallback = isRedisFailure(error) ? `error: cannot reach Redis at ${redactUrl(redisUrl())}: ${(connectionError ?? (error as Error)).message}` : undefined;
      const { text, exitCode } = explained !== undefined
        ? { text: `error: ${explained}`, exitCode: EXIT_FAILURE }
        : fallback !== undefined ? { text: fallback, exitCode: EXIT_FAILURE } : describeError(error);
      process.stderr.write(`${text}\n`);
      process.exitCode = exitCode;
    } finally {
      await Promise.all(connections.map((c) => close(c, redisFailed)));
    }
  };
}

/**
 * QUIT politely; a connection that is gone or never became ready, or any connection once Redis has failed
 * us (a server that stopped answering would hold a QUIT for the whole command timeout, and for ever on a
 * blocking connection, which has none), is just dropped. No timers, so the CLI exits at once.
 */
async function close(connection: RedisClient, redisFailed: boolean): Promise<void> {
  if (connection.status === 'end') return;
  if (redisFailed || connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}
