/**
 * Task-event health in Redis, shared by every replica: the consumers (task-events.ts) report successful
 * receives per queue and genuine events per account-region, and the resync tick asks which clusters to
 * describe (event-health-policy.ts decides). Two hashes and the tick counter, read in one MULTI per tick:
 * - `receiving`: queue URL → epoch ms of its last successful receive;
 * - `evidence`: `<account>/<region>` → `<epoch ms> <queue URL>` of its last genuine event;
 * - `ticks`: the shared tick counter (one scheduled tick job for the namespace).
 * Each replica writes a field at most every REFRESH_MS (the loops report far more often).
 */
import type { RedisClient } from '../../controller/redis.js';
import type { TaskEventResult } from './task-event-policy.js';
import {
  clustersDue, decodeEvidence, encodeEvidence, expiredFields, scopeKey, type Evidence, type EventHealthSnapshot, type EventScope, type HomeEventScope,
} from './event-health-policy.js';

export { EVENT_EVIDENCE_TTL_MS, HEALTHY_RESYNC_STRIDE, RECEIVING_TTL_MS } from './event-health-policy.js';

/** A replica refreshes each field at most this often. */
const REFRESH_MS = 5_000;

/** Event results that prove the pipeline delivers ECS's events about our tasks (their origin was checked). */
const EVIDENCE: ReadonlySet<TaskEventResult> = new Set(['applied', 'duplicate', 'stale', 'confirm-requested']);

export interface EventHealth {
  /** A receive from `queue` succeeded. */
  received(queue: string): Promise<void>;
  /** An event from `origin` (its envelope's account and Region; absent when it did not parse) that `queue` delivered was judged. */
  judged(result: TaskEventResult, origin: EventScope | undefined, queue: string): Promise<void>;
  /** The clusters this resync tick describes (all but those of healthy account-regions, unless it is their turn). */
  clustersDue(clusters: readonly string[]): Promise<string[]>;
}

export interface EventHealthKeys { receiving: string; evidence: string; ticks: string }

export interface EventHealthOptions {
  /** Where clusters that name no account-region belong (event-health-policy.ts clusterScope). */
  home: HomeEventScope;
  now?: () => number;
}

export function redisEventHealth(redis: RedisClient, keys: EventHealthKeys, options: EventHealthOptions): EventHealth {
  const now = options.now ?? Date.now;
  const lastSet = new Map<string, number>();
  const due = (field: string): boolean => {
    const last = lastSet.get(field);
    if (last !== undefined && now() - last < REFRESH_MS) return false;
    lastSet.set(field, now());
    return true;
  };
  return {
    async received(queue) {
      if (due(`receiving ${queue}`)) await redis.hset(keys.receiving, queue, String(now()));
    },
    async judged(result, origin, queue) {
      if (!EVIDENCE.has(result) || origin === undefined) return;
      const scope = scopeKey(origin);
      // Throttled per account-region and queue, so that when two queues carry one account-region's events the
      // field names whichever delivered last, and a queue that stopped receiving stops counting within a refresh.
      if (due(`evidence ${scope} ${queue}`)) await redis.hset(keys.evidence, scope, encodeEvidence({ at: now(), queue }));
    },
    async clustersDue(clusters) {
      const snapshot = await readSnapshot(redis, keys, now());
      const expired = expiredFields(snapshot);
      // Rare (a queue or account-region that stopped for good): the fields are dropped once.
      if (expired.evidence.length > 0) await redis.hdel(keys.evidence, ...expired.evidence);
      if (expired.receiving.length > 0) await redis.hdel(keys.receiving, ...expired.receiving);
      return clustersDue(clusters, snapshot, options.home);
    },
  };
}

/** The tick's view: both hashes and the incremented tick counter, in one round trip. */
async function readSnapshot(redis: RedisClient, keys: EventHealthKeys, now: number): Promise<EventHealthSnapshot> {
  const replies = (await redis.multi().hgetall(keys.evidence).hgetall(keys.receiving).incr(keys.ticks).exec()) ?? [];
  const [evidenceRaw, receivingRaw, tick] = replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
  const evidence = new Map<string, Evidence>();
  for (const [scope, raw] of Object.entries(asRecord(evidenceRaw))) {
    const decoded = decodeEvidence(raw);
    if (decoded !== undefined) evidence.set(scope, decoded);
  }
  const receiving = new Map<string, number>();
  for (const [queue, raw] of Object.entries(asRecord(receivingRaw))) if (Number.isFinite(Number(raw))) receiving.set(queue, Number(raw));
  return { evidence, receiving, tick: Number(tick), now };
}

function asRecord(value: unknown): Record<string, string> {
  return typeof value === 'object' && value !== null ? (value as Record<string, string>) : {};
}
