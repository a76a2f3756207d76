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
 * - With REDIS_CLUSTER_NODES the same options apply to every node connection of an ioredis Cluster; the
 *   URL then carries only the scheme (rediss:// for TLS) and the credentials, as for a single node. Each
 *   namespace keeps its keys in one hash slot (`longshore:{<namespace>}:…`), so every script and MULTI
 *   runs on one node; different namespaces spread over the cluster.
 */
import { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { redactUrl } from './logger.js';

/** A connection to one Redis node or to a Redis Cluster; everything Longshore runs works on both. */
export type RedisClient = Redis | Cluster;

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** Where Redis is: the URL (scheme, credentials, and for a single node the address) and the cluster's seed nodes if any. */
export interface RedisTarget {
  url: string;
  clusterNodes?: readonly RedisNodeAddress[] | undefined;
}

/** The target a configuration names (REDIS_URL and REDIS_CLUSTER_NODES). */
export function redisTarget(config: { redisUrl: string; redisClusterNodes?: readonly RedisNodeAddress[] | undefined }): RedisTarget {
  return { url: config.redisUrl, clusterNodes: config.redisClusterNodes };
}

/**
 * Where a configuration points, for logs and errors, password redacted: the URL of a single node, or the
 * cluster's seed nodes (the URL then only carries credentials and TLS, so naming its address would mislead).
 */
export function describeRedisTarget(target: RedisTarget): string {
  if (!target.clusterNodes) return `Redis at ${redactUrl(target.url)}`;
  return `Redis Cluster at ${target.clusterNodes.map(nodeAddress).join(',')}`;
}

/** `host:port`, an IPv6 host in brackets. */
function nodeAddress(node: RedisNodeAddress): string {
  return node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;
}

/** Parses `host:port,host:port,…` (REDIS_CLUSTER_NODES); undefined when any entry is not host:port. */
export function parseClusterNodes(text: string): RedisNodeAddress[] | undefined {
  const nodes = text.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0).map((entry) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    return match && port >= 1 && port <= 65535 ? { host: match[1]!.replace(/^\[|\]$/g, ''), port } : undefined;
  });
  return nodes.length > 0 && nodes.every((node) => node !== undefined) ? nodes as RedisNodeAddress[] : undefined;
}

/** The node options a URL carries for a cluster: credentials, database-less, TLS for rediss://. */
function urlNodeOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

export type RedisRole = 'command' | 'blocking';

export interface RedisTimeouts {
  /** Longest a connect (TCP plus TLS handshake) may take. */
  connectMs: number;
  /** Longest a command on a command connection waits for its reply. */
  commandMs: number;
}

export const DEFAULT_REDIS_TIMEOUTS: RedisTimeouts = { connectMs: 5000, commandMs: 10_000 };

/**
 * While a master fails over, a command to its slots finds the connection closed or the cluster down and is
 * tried again after a pause: 32 tries half a second apart outlast the 10 s command timeout, so a failover
 * the cluster finishes within that (a local one with cluster-node-timeout 2 s takes 3-5 s) costs a
 * delay, not an error; a longer one fails the command and the reconcile is retried like any Redis error.
 */
export const CLUSTER_FAILOVER_OPTIONS = { retryDelayOnFailover: 500, retryDelayOnClusterDown: 500, retryDelayOnTryAgain: 500, maxRedirections: 32 } as const satisfies ClusterOptions;

/** Reconnect forever with a capped delay: Redis restarts are survivable, the process keeps serving /healthz. */
const reconnectDelay = (times: number): number => Math.min(times * 200, 5000);

/** `target` is a URL (one node) or a RedisTarget (one node, or a cluster when it lists cluster nodes). */
export function createRedisConnection(
  target: string | RedisTarget, name: string, role: RedisRole = 'command', timeouts: RedisTimeouts = DEFAULT_REDIS_TIMEOUTS, extra: RedisOptions = {},
): RedisClient {
  const { url, clusterNodes } = typeof target === 'string' ? { url: target, clusterNodes: undefined } : target;
  const options: RedisOptions = {
    connectionName: name,
    connectTimeout: timeouts.connectMs,
    ...(role === 'blocking' ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 3, commandTimeout: timeouts.commandMs }),
    enableReadyCheck: true,
    enableOfflineQueue: true,
    retryStrategy: reconnectDelay,
    ...extra,
  };
  if (!clusterNodes || clusterNodes.length === 0) return new Redis(url, options);
  const nodeRetry = options.retryStrategy;
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...options, ...urlNodeOptions(url) },
    enableReadyCheck: true,
    enableOfflineQueue: true,
    ...CLUSTER_FAILOVER_OPTIONS,
    // The whole cluster unreachable: the same policy as one node's reconnects (the CLI's gives up at once).
    clusterRetryStrategy: (times) => (nodeRetry ? nodeRetry(times) ?? null : reconnectDelay(times)),
    // Managed clusters (ElastiCache, MemoryDB) announce addresses their TLS certificates name: connect to them as announced.
    ...(url.startsWith('rediss:') ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
  };
  const seeds = clusterNodes.map((node) => ({ host: node.host, port: node.port }));
  return role === 'command' ? new BoundedCluster(seeds, clusterOptions, timeouts.commandMs) : new Cluster(seeds, clusterOptions);
}

/**
 * A Cluster whose every command is bounded by the command timeout from the moment it is sent. ioredis
 * applies `commandTimeout` per node connection only, so a command the Cluster holds itself (in its offline
 * queue while it is not ready, or between redirection and failover retries) would otherwise wait for ever:
 * against seed nodes that accept connections and never answer, a command was still waiting after 26 s. The
 * node connection's own timer does not restart it (Command.setTimeout keeps the first), so the bound is the
 * command's whole life, failover retries included (CLUSTER_FAILOVER_OPTIONS). A command rejected this way
 * may still run later once the cluster answers, as on a single node; the store's writes are compare-and-set.
 * Only command connections: BullMQ duplicates the blocking ones as plain Clusters, whose commands wait by design.
 */
class BoundedCluster extends Cluster {
  constructor(seeds: Array<{ host: string; port: number }>, options: ClusterOptions, private readonly commandMs: number) {
    super(seeds, options);
  }

  override sendCommand(...args: Parameters<Cluster['sendCommand']>): unknown {
    // Unset only while Cluster's own constructor runs (it sends nothing then; a 0 ms timer would be worse).
    if (typeof this.commandMs === 'number') args[0].setTimeout(this.commandMs);
    return super.sendCommand(...args);
  }
}

/**
 * What one seed node of a cluster says when asked directly. ioredis reports a cluster it cannot use only as
 * "Failed to refresh slots cache." (a command: "None of startup nodes is available"): the node's own error
 * (WRONGPASS, an untrusted certificate, a TLS-only port hanging up on plain text) belongs to the short-lived
 * connection that asked for the slots, whose errors ioredis discards. One connection to the first seed node
 * with the same node options (credentials, TLS, connect and command timeouts), no retries, brings it back;
 * undefined when that node answers or there is no cluster. Only called once a cluster has already failed.
 */
export async function seedNodeError(target: RedisTarget, timeouts: RedisTimeouts): Promise<{ node: string; error: Error } | undefined> {
  const seed = target.clusterNodes?.[0];
  if (!seed) return undefined;
  const probe = new Redis({
    host: seed.host, port: seed.port, ...urlNodeOptions(target.url), connectTimeout: timeouts.connectMs, commandTimeout: timeouts.commandMs,
    lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false,
  });
  // The first error is the cause (a certificate rejected, AUTH refused); the PING then only fails with "Connection is closed.".
  let first: Error | undefined;
  probe.on('error', (error: Error) => {
    first ??= error;
  });
  try {
    await probe.ping();
    return undefined;
  } catch (error) {
    return { node: nodeAddress(seed), error: first ?? (error instanceof Error ? error : new Error(String(error))) };
  } finally {
    probe.disconnect();
  }
}

/** The nodes a connection's server-wide commands (INFO, SCAN) must visit: the masters of a cluster, or the one node. */
export function serverNodes(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/**
 * Every key matching `pattern`, a SCAN batch at a time with the node that holds it. SCAN walks one node's
 * keys, so on a cluster every master is walked; a Cluster knows its masters only once connected, so it is
 * made ready first.
 */
export async function* scanBatches(client: RedisClient, pattern: string): AsyncGenerator<{ node: Redis; keys: string[] }> {
  if (client instanceof Cluster && client.status !== 'ready') await client.ping();
  for (const node of serverNodes(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) yield { node, keys };
    } while (cursor !== '0');
  }
}

/**
 * Pings until Redis answers or `boundMs` has passed (each ping bounded by what is left); resolves with
 * undefined once it answered, else with the last error seen.
 */
export async function awaitRedis(redis: RedisClient, boundMs: number, pauseMs = 500): Promise<unknown> {
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
export async function redisAnswers(redis: RedisClient, timeoutMs = 1000): Promise<boolean> {
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
export async function redisConfigurationProblems(redis: RedisClient): Promise<string[]> {
  const problems: string[] = [];
  for (const node of serverNodes(redis)) {
    const info = await node.info('memory');
    const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
    const where = redis instanceof Cluster ? ` on ${node.options.host ?? '?'}:${node.options.port ?? '?'}` : '';
    if (policy && policy !== 'noeviction') problems.push(`maxmemory-policy is ${policy}${where}; Longshore needs noeviction`);
  }
  return problems;
}

/**
 * Whether a connection may still hold a socket or a reconnect timer. A Cluster is judged by its node
 * connections, not only its status: BullMQ marks a Cluster it quit as 'end' itself, whatever its nodes do,
 * and a Cluster whose nodes all closed may rest in 'close' or 'disconnecting' holding nothing.
 */
export function redisConnectionOpen(connection: RedisClient): boolean {
  if (!(connection instanceof Cluster)) return connection.status !== 'end';
  return connection.nodes().length > 0 || !['end', 'close', 'disconnecting'].includes(connection.status);
}

/** Closes connections politely, falling back to disconnect when Redis is unreachable. */
export async function closeRedis(...connections: RedisClient[]): Promise<void> {
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
