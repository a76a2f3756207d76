/**
 * Replicas say which build they run: each keeps `replica:<id>` (its ReplicaBuild as JSON) alive with a TTL
 * it refreshes, and lists its id in the `replicas` set, so `longshore version` can show the controller's
 * version without any HTTP endpoint. A replica that dies stops refreshing and its key expires on the server's
 * clock (no clock comparison between hosts); the set's stale ids are pruned by the live replicas.
 */
import type { RedisClient } from './redis.js';
import type { Logger } from 'pino';
import type { Keyspace } from './store/keys.js';
import { buildInfo, type ReplicaBuild } from './build-info.js';

export const REPLICA_HEARTBEAT_MS = 15_000;
const STOP_BOUND_MS = 1000;
/** Three missed heartbeats and a replica counts as gone. */
const TTL_FACTOR = 3;

const setKey = (ks: Keyspace) => ks.key('replicas');
const replicaKey = (ks: Keyspace, id: string) => ks.key('replica', id);

/** Registers (or refreshes) one replica and drops ids whose key expired. */
export async function registerReplica(redis: RedisClient, ks: Keyspace, build: ReplicaBuild, ttlMs: number): Promise<void> {
  await redis.multi().set(replicaKey(ks, build.replica), JSON.stringify(build), 'PX', ttlMs).sadd(setKey(ks), build.replica).exec();
  const ids = await redis.smembers(setKey(ks));
  const values = ids.length ? await redis.mget(ids.map((id) => replicaKey(ks, id))) : [];
  const stale = ids.filter((_, i) => values[i] === null);
  if (stale.length) await redis.srem(setKey(ks), ...stale);
}

export async function unregisterReplica(redis: RedisClient, ks: Keyspace, replica: string): Promise<void> {
  await redis.multi().del(replicaKey(ks, replica)).srem(setKey(ks), replica).exec();
}

/** Whether a replica's registration is still alive (its key not expired). */
export async function replicaAlive(redis: RedisClient, ks: Keyspace, replica: string): Promise<boolean> {
  return (await redis.exists(replicaKey(ks, replica))) === 1;
}

/** The builds of every replica registered as alive, by replica id. */
export async function replicaBuilds(redis: RedisClient, ks: Keyspace): Promise<ReplicaBuild[]> {
  const ids = (await redis.smembers(setKey(ks))).sort();
  if (ids.length === 0) return [];
  const values = await redis.mget(ids.map((id) => replicaKey(ks, id)));
  const builds: ReplicaBuild[] = [];
  for (const value of values) {
    const build = parseBuild(value);
    if (build) builds.push(build);
  }
  return builds;
}

function parseBuild(value: string | null): ReplicaBuild | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<ReplicaBuild>;
    const fields = [parsed.replica, parsed.version, parsed.revision, parsed.node, parsed.startedAt];
    return fields.every((f) => typeof f === 'string') ? (parsed as ReplicaBuild) : undefined;
  } catch {
    return undefined;
  }
}

export interface ReplicaRegistration {
  stop(): Promise<void>;
}

/** Registers now and every `intervalMs`; a failed refresh (Redis down) is retried at the next beat. */
export function startReplicaRegistration(options: { redis: RedisClient; keyspace: Keyspace; replica: string; logger: Logger; intervalMs?: number }): ReplicaRegistration {
  const { redis, keyspace, replica, logger, intervalMs = REPLICA_HEARTBEAT_MS } = options;
  const build: ReplicaBuild = { replica, ...buildInfo(), startedAt: new Date().toISOString() };
  const beat = () =>
    registerReplica(redis, keyspace, build, intervalMs * TTL_FACTOR).catch((error: unknown) => {
      // The connection's own error listener reports outages; this only notes the missed beat.
      logger.debug({ err: error }, 'replica registration not refreshed');
    });
  let current: Promise<void> = beat();
  const timer = setInterval(() => {
    current = beat();
  }, intervalMs);
  timer.unref();
  return {
    /** Unregisters, waiting at most a second: a silent Redis must not stretch the shutdown (the key expires anyway). */
    async stop() {
      clearInterval(timer);
      let bound: NodeJS.Timeout | undefined;
      const unregistered = current.then(() => unregisterReplica(redis, keyspace, replica)).catch(() => undefined);
      await Promise.race([unregistered, new Promise((resolve) => (bound = setTimeout(resolve, STOP_BOUND_MS)))]);
      clearTimeout(bound);
    },
  };
}
