/**
 * One CLI invocation's connection and its error handling: to the HTTP API when LONGSHORE_SERVER or a
 * config-file context is set (api-config.ts; commands then read through HttpRunsBackend), else to Redis.
 * REDIS_URL, REDIS_CLUSTER_NODES and LONGSHORE_NAMESPACE come from the environment. In direct mode: The connection fails fast so a missing or misbehaving Redis is an error within
 * seconds, never a hang: no reconnects, a bounded connect (TCP and TLS handshake) and a bounded wait for
 * every reply; the error says what went wrong (unreachable, a rediss:// URL against a plain server, a
 * server that accepts connections and never answers).
 */
import { Command } from 'commander';
import { createRedisConnection, describeRedisTarget, parseClusterNodes, RedisClient, RedisRole, RedisTarget, RedisTimeouts, seedNodeError } from '../../controller/redis.js';
import { redactUrl } from '../../controller/logger.js';
import { classifyRedisFailure, describeClusterFailure, explainRedisFailure } from '../../controller/redis-failure.js';
import { DEFAULT_NAMESPACE, keyspace, ResourceStore } from '../../controller/store/index.js';
import type { ApiClient } from '@longshore/client';
import { resolveApiConnection, type ApiConnection } from './api-config.js';
import type { Backends, RunsBackend } from './backend.js';
import { describeError, EXIT_FAILURE, UsageError } from './errors.js';
import { HttpBackends } from './http-backend.js';
import { RedisBackends } from './redis-backend.js';

export interface Session {
  /** The namespace chosen by -n/--namespace or LONGSHORE_NAMESPACE. */
  backend: RunsBackend;
  /** Every namespace (-A). */
  backends: Backends;
  store: ResourceStore;
  redis: RedisClient;
  /** A second connection for blocking stream reads (watch). */
  blocking(): RedisClient;
  /** Set when the CLI talks to the HTTP API; `store`, `redis` and `blocking` then refuse with a UsageError. */
  api?: { client: ApiClient; connection: ApiConnection };
}

function globalOption(args: readonly unknown[], name: 'namespace' | 'context'): string | undefined {
  const command = args[args.length - 1];
  const value = command instanceof Command ? (command.optsWithGlobals() as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** -n/--namespace (a global option, see cmd/longshore.ts), else LONGSHORE_NAMESPACE, else "default". */
/** With the API, a context's namespace comes after both. */
export function chosenNamespace(args: readonly unknown[], contextNamespace?: string): string {
  const namespace = globalOption(args, 'namespace') ?? (process.env.LONGSHORE_NAMESPACE || contextNamespace || DEFAULT_NAMESPACE);
  try {
    keyspace(namespace);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return namespace;
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

/** ioredis' words for a cluster none of whose seed nodes could be used (the cause is in the nodes' errors). */
function isClusterFailure(error: unknown): boolean {
  return error instanceof Error && /None of startup nodes is available|Failed to refresh slots cache/.test(error.message);
}

/** The cluster's failure with what its first seed node says when asked directly (a wrong password, an untrusted certificate…). */
async function explainClusterFailure(error: unknown): Promise<string> {
  const target = redisTarget();
  return describeClusterFailure(describeRedisTarget(target), target.url, error, await seedNodeError(target, CLI_REDIS_TIMEOUTS));
}

/** Wraps a command action: opens the store, runs, reports any error on stderr and sets the exit status. */
export function withSession<A extends unknown[]>(action: (session: Session, ...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let connection: ApiConnection | undefined;
    try {
      connection = resolveApiConnection(process.env, globalOption(args, 'context'));
    } catch (error) {
      return report(error);
    }
    if (connection) return withApi(connection, action, args);
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
      const namespace = chosenNamespace(args);
      const redis = open('longshore-cli', 'command');
      const blocking = () => open('longshore-cli-watch', 'blocking');
      const store = new ResourceStore(redis, { namespace });
      const backends = new RedisBackends(redis, namespace, blocking);
      await action({ backend: backends.current, backends, store, redis, blocking }, ...args);
    } catch (error) {
      redisFailed = isRedisFailure(error) || isClusterFailure(error);
      const explained = isClusterFailure(error)
        ? await explainClusterFailure(error)
        : isRedisFailure(error)
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

function report(error: unknown): void {
  const { text, exitCode } = describeError(error);
  process.stderr.write(`${text}\n`);
  process.exitCode = exitCode;
}

/** A direct-mode-only part of the session, in API mode: a clear refusal instead of a Redis connection. */
function directOnly(what: string): never {
  throw new UsageError(`this command needs direct Redis access (${what}); unset LONGSHORE_SERVER and --context to use REDIS_URL`);
}

async function withApi<A extends unknown[]>(connection: ApiConnection, action: (session: Session, ...args: A) => Promise<void>, args: A): Promise<void> {
  let backends: HttpBackends | undefined;
  try {
    backends = new HttpBackends(connection, chosenNamespace(args, connection.namespace));
    const session: Session = {
      backend: backends.current,
      backends,
      api: { client: backends.api, connection },
      get store(): ResourceStore {
        return directOnly('the Redis store');
      },
      get redis(): RedisClient {
        return directOnly('Redis');
      },
      blocking: () => directOnly('Redis'),
    };
    await action(session, ...args);
  } catch (error) {
    report(error);
  } finally {
    backends?.close();
  }
}
