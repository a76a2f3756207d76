/**
 * Whether task events are healthy, shared by every replica: the SQS receive loop is succeeding (a receive in
 * the last RECEIVING_TTL_MS) and genuine ECS events about our tasks have arrived lately (one in the last
 * EVENT_EVIDENCE_TTL_MS: an EventBridge rule that delivers nothing would otherwise look healthy). While they
 * are, the full per-cluster resync runs only every HEALTHY_RESYNC_STRIDE-th tick: events already move runs
 * and STOPPED events get their own DescribeTasks (the `confirm:` job), so the full resync is only the
 * backstop for what events miss (issue 10: DescribeTasks per run-minute ≤ 0.02 with events healthy).
 */
import type { RedisClient } from '../../controller/redis.js';
import type { TaskEventResult } from './task-event-policy.js';

/** With events healthy, one full resync per this many ticks (every minute at the default 10 s interval). */
export const HEALTHY_RESYNC_STRIDE = 6;
export const RECEIVING_TTL_MS = 90_000;
export const EVENT_EVIDENCE_TTL_MS = 15 * 60_000;
/** A replica refreshes each key at most this often (the loops report far more often). */
const REFRESH_MS = 5_000;

/** Event results that prove the pipeline delivers ECS's events about our tasks. */
const EVIDENCE: ReadonlySet<TaskEventResult> = new Set(['applied', 'duplicate', 'stale', 'confirm-requested']);

export interface EventHealth {
  /** A receive from the queue succeeded. */
  received(): Promise<void>;
  /** An event was judged (its result says whether it was genuine). */
  judged(result: TaskEventResult): Promise<void>;
  /** Whether this resync tick should describe every cluster (true unless events are healthy and it is not its turn). */
  fullResyncDue(): Promise<boolean>;
}

export interface EventHealthKeys { receiving: string; evidence: string; ticks: string }

export function redisEventHealth(redis: RedisClient, keys: EventHealthKeys, now: () => number = Date.now): EventHealth {
  const lastSet = { receiving: 0, evidence: 0 };
  const refresh = async (which: 'receiving' | 'evidence', ttlMs: number) => {
    if (now() - lastSet[which] < REFRESH_MS) return;
    lastSet[which] = now();
    await redis.set(keys[which], '1', 'PX', ttlMs);
  };
  return {
    received: () => refresh('receiving', RECEIVING_TTL_MS),
    judged: (result) => (EVIDENCE.has(result) ? refresh('evidence', EVENT_EVIDENCE_TTL_MS) : Promise.resolve()),
    async fullResyncDue() {
      if ((await redis.exists(keys.receiving, keys.evidence)) < 2) return true;
      return (await redis.incr(keys.ticks)) % HEALTHY_RESYNC_STRIDE === 0;
    },
  };
}
