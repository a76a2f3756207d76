/**
 * What the resync last fed into a run for each task, compactly: `<version>|<lastStatus>|<desiredStatus>@<ms>`
 * per task ARN, in one hash per cluster. With 10,000 tasks RUNNING and nothing changing, every resync used
 * to read each task's run name and whole run record, parse it and restore its lifecycle machine only to find
 * nothing new (issue 10: 0.6 of a core). Now one HMGET per DescribeTasks batch (100 tasks) tells which tasks
 * ECS reports exactly as last fed; only the others go the full way.
 *
 * Skipping is safe because feeding the same facts again is idempotent (the lifecycle records an observation,
 * and an identical one changes nothing); ECS bumps a task's `version` on every change. As a backstop against
 * anything that might make an old observation matter again, an entry is trusted for SEEN_TRUST_MS only.
 */
import type { RedisClient } from '../../controller/redis.js';
import type { TaskObservation } from '../../machines/run-types.js';

/** How long a remembered observation lets the resync skip a task before it is fed once more in full. */
export const SEEN_TRUST_MS = 5 * 60_000;

export interface SeenTaskStore {
  /** The remembered entry of each ARN (null when none), in order. */
  read(cluster: string, taskArns: readonly string[]): Promise<Array<string | null>>;
  remember(cluster: string, entries: ReadonlyArray<readonly [taskArn: string, entry: string]>): Promise<void>;
  /** Forgets tasks no longer live, when the hash has grown well past the live set (one HLEN otherwise). */
  prune(cluster: string, liveTaskArns: readonly string[]): Promise<void>;
}

/** The facts of an observation the skip compares; undefined when ECS gave no version (never skipped). */
export function stampOf(observation: TaskObservation): string | undefined {
  if (observation.version === undefined) return undefined;
  return `${observation.version}|${observation.lastStatus ?? ''}|${observation.desiredStatus ?? ''}`;
}

export function seenEntry(stamp: string, nowMs: number): string {
  return `${stamp}@${nowMs}`;
}

/** Whether `entry` (remembered) says the task was fed exactly `stamp`, recently enough to skip it now. */
export function alreadyFed(entry: string | null | undefined, stamp: string | undefined, nowMs: number): boolean {
  if (entry === null || entry === undefined || stamp === undefined) return false;
  const at = entry.lastIndexOf('@');
  if (at < 0 || entry.slice(0, at) !== stamp) return false;
  const fedAt = Number(entry.slice(at + 1));
  return Number.isFinite(fedAt) && nowMs - fedAt >= 0 && nowMs - fedAt < SEEN_TRUST_MS;
}

/** Slack before a prune: stopped tasks' entries are removed in bulk, not one by one. */
const PRUNE_SLACK = 100;

export function redisSeenTaskStore(redis: RedisClient, keyOf: (cluster: string) => string): SeenTaskStore {
  return {
    async read(cluster, taskArns) {
      if (taskArns.length === 0) return [];
      return redis.hmget(keyOf(cluster), ...taskArns);
    },
    async remember(cluster, entries) {
      if (entries.length === 0) return;
      await redis.hset(keyOf(cluster), Object.fromEntries(entries));
    },
    async prune(cluster, liveTaskArns) {
      const key = keyOf(cluster);
      if ((await redis.hlen(key)) <= liveTaskArns.length + PRUNE_SLACK) return;
      const live = new Set(liveTaskArns);
      const gone = (await redis.hkeys(key)).filter((arn) => !live.has(arn));
      for (let i = 0; i < gone.length; i += 1000) await redis.hdel(key, ...gone.slice(i, i + 1000));
    },
  };
}
