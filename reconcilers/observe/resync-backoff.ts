/**
 * A cluster whose DescribeTasks keeps failing (a 5xx, timeouts, a revoked permission, a deleted cluster)
 * must not be described again at every tick, nor logged at every tick. Its resync backs off per cluster:
 * 5 s, 10 s, 20 s … at most 2 minutes, equal jitter; the ticks in between skip it after one Redis read.
 *
 * The backoff is shared by the replicas in Redis (one small JSON value per cluster in trouble): the
 * cluster's resync job runs on whichever replica takes it, so state kept per replica would see only some of
 * the failures, restart the backoff whenever another replica took the job, and warn once per replica.
 * No compare-and-set is needed: one job per cluster key is active at a time (BullMQ deduplication).
 *
 * Runs do not wait on the resync: their own deadlines (start, run and launch timeouts) are enforced by their
 * reconciles, which describe the task themselves first, so they end on time while the cluster backs off.
 */
import type { RedisClient } from '../../controller/redis.js';
import { describeError, isAwsError, isBudgetExhausted } from '../../controller/aws/errors.js';
import { equalJitterBackoffMs, isEscalation, type ExponentialBackoff, type Random } from '../../controller/backoff.js';

export const RESYNC_BACKOFF: ExponentialBackoff = { baseMs: 5_000, factor: 2, capMs: 120_000 };
/** A cluster in trouble that nobody looks at for an hour (no live tasks any more) is forgotten. */
const TROUBLE_TTL_SECONDS = 3600;

export interface ResyncTrouble {
  /** Failed resyncs of the cluster in a row. */
  failures: number;
  /** The first of them (ISO). */
  since: string;
  /** AWS's error name and message of the last one. */
  reason: string;
  message: string;
  /** No DescribeTasks of the cluster's resync before this time (ISO). */
  retryAt: string;
}

/** One more failed resync: the next is due after a growing, jittered wait; `warn` once per escalation. */
export function resyncFailed(
  previous: ResyncTrouble | null, error: { reason: string; message: string }, nowMs: number, random: Random,
): { trouble: ResyncTrouble; warn: boolean } {
  const failures = (previous?.failures ?? 0) + 1;
  const delayMs = equalJitterBackoffMs(RESYNC_BACKOFF, failures, random);
  const trouble: ResyncTrouble = {
    failures,
    since: previous?.since ?? new Date(nowMs).toISOString(),
    reason: error.reason,
    message: error.message,
    retryAt: new Date(nowMs + delayMs).toISOString(),
  };
  return { trouble, warn: isEscalation(failures, previous?.reason, error.reason) };
}

/** Whether the cluster's resync may call DescribeTasks now. */
export function resyncDue(trouble: ResyncTrouble | null, nowMs: number): boolean {
  return trouble === null || nowMs >= Date.parse(trouble.retryAt);
}

export interface ResyncTroubleStore {
  get(cluster: string): Promise<ResyncTrouble | null>;
  set(cluster: string, trouble: ResyncTrouble): Promise<void>;
  clear(cluster: string): Promise<void>;
}

export function redisResyncTroubleStore(redis: RedisClient, key: (cluster: string) => string): ResyncTroubleStore {
  return {
    async get(cluster) {
      const text = await redis.get(key(cluster));
      return text ? (JSON.parse(text) as ResyncTrouble) : null;
    },
    async set(cluster, trouble) {
      await redis.set(key(cluster), JSON.stringify(trouble), 'EX', TROUBLE_TTL_SECONDS);
    },
    async clear(cluster) {
      await redis.del(key(cluster));
    },
  };
}

interface WarnLog {
  warn(fields: object, message: string): void;
}

export interface ResyncGuardDeps {
  troubles: ResyncTroubleStore;
  now?: () => number;
  random?: Random;
  logger?: WarnLog;
  /** The cluster's resync job ran (to create its metric series at 0). */
  onSeen?(cluster: string): void;
  /** A cluster's resync failed (longshore_resync_failures_total). */
  onFailure?(cluster: string): void;
  /** A cluster's resync was skipped while it backs off. */
  onSkipped?(cluster: string): void;
}

export type GuardedResult<T> = { ran: true; result: T } | { ran: false; trouble: ResyncTrouble };

/**
 * Runs the cluster's resync unless it is backing off. An AWS error (not our own pacing, not a bug or Redis
 * trouble: those are thrown for the job adapter) is recorded, counted, warned once per escalation, and
 * swallowed: the job is done, the next tick after the backoff tries again.
 */
export async function guardClusterResync<T>(deps: ResyncGuardDeps, cluster: string, resync: () => Promise<T>): Promise<GuardedResult<T>> {
  const now = deps.now ?? Date.now;
  deps.onSeen?.(cluster);
  const previous = await deps.troubles.get(cluster);
  if (previous && !resyncDue(previous, now())) {
    deps.onSkipped?.(cluster);
    return { ran: false, trouble: previous };
  }
  try {
    const result = await resync();
    if (previous) {
      await deps.troubles.clear(cluster);
      deps.logger?.warn({ cluster, failures: previous.failures, since: previous.since }, 'cluster resync recovered');
    }
    return { ran: true, result };
  } catch (error) {
    if (!isAwsError(error) || isBudgetExhausted(error)) throw error;
    const { code, message } = describeError(error);
    const { trouble, warn } = resyncFailed(previous, { reason: code, message: `${code}: ${message}` }, now(), deps.random ?? Math.random);
    await deps.troubles.set(cluster, trouble);
    deps.onFailure?.(cluster);
    if (warn) {
      const { failures, reason, since, retryAt } = trouble;
      deps.logger?.warn({ cluster, failures, reason, error: trouble.message, since, retryAt }, 'cluster resync keeps failing (DescribeTasks)');
    }
    return { ran: false, trouble };
  }
}
