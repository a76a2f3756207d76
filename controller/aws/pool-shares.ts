/**
 * Reads the fair-share state the budget script keeps (redis-budgets.ts, "Fair share"): per pool of one
 * account-region and lane, its scheduling, the runs waiting for their turn, its recent launch rate and its
 * share of the lane's launches. Used by `longshore pool describe`, the elected replica's gauges and (later)
 * the API; it only reads, so any process with the Redis connection may call it.
 */
import type { RedisClient } from '../redis.js';
import type { Keyspace } from '../store/keys.js';
import { shareKeyFor, type HomeScope } from './budget-keys.js';
import { shareStateKeys, throttleSlotKey, THROTTLE_SLOT_MS, THROTTLE_SLOTS, type ShareLane } from './redis-budgets.js';
import type { BudgetScope } from './target.js';

export interface PoolShare {
  pool: string;
  weight: number;
  priority: number;
  /** Callers (runs) refused whose promised turn (plus grace) has not run out: runs waiting for the budget. */
  waitingRuns: number;
  /** Launches (tokens granted) per second over the last minute. */
  launchesPerSecond: number;
  /** This pool's percent of the lane's launches over the last minute; 0 when the lane launched nothing. */
  sharePercent: number;
  /** Takes of this pool refused over the last minute (its turn had not come, or no tokens). */
  refusalsLastMinute: number;
}

/** The script counts per 10 s slot and keeps six: "the last minute" is the current slot and the five before. */
const SLOT_MS = 10_000;
const SLOTS = 6;

interface PoolRecordJson {
  w?: unknown;
  r?: unknown;
  s?: unknown;
}

function num(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : fallback;
}

/**
 * The shares from the raw state: `records` is the pools hash (pool → JSON), `waitingMembers` the members
 * of the waiting set not yet run out (`pool\ncaller`). Pure, so the arithmetic is unit-tested.
 * Pools are sorted by priority (highest first), then name.
 */
export function summarisePoolShares(records: Record<string, string>, waitingMembers: readonly string[], nowMs: number): PoolShare[] {
  const current = Math.floor(nowMs / SLOT_MS);
  // The window runs from the start of the oldest slot kept to now.
  const windowSeconds = ((SLOTS - 1) * SLOT_MS + (nowMs - current * SLOT_MS)) / 1000;
  const waiting = new Map<string, number>();
  for (const member of waitingMembers) {
    const cut = member.indexOf('\n');
    if (cut <= 0) continue;
    const pool = member.slice(0, cut);
    waiting.set(pool, (waiting.get(pool) ?? 0) + 1);
  }
  const rows = Object.entries(records).map(([pool, json]) => {
    let parsed: PoolRecordJson = {};
    try {
      const value: unknown = JSON.parse(json);
      if (value !== null && typeof value === 'object') parsed = value as PoolRecordJson;
    } catch {
      // A field this version cannot read counts as an empty record rather than hiding every other pool.
    }
    let launches = 0;
    let refusals = 0;
    for (const slot of Array.isArray(parsed.s) ? (parsed.s as unknown[]) : []) {
      if (!Array.isArray(slot)) continue;
      const index = num(slot[0], Number.NaN);
      if (!(index > current - SLOTS && index <= current)) continue;
      launches += num(slot[1], 0);
      refusals += num(slot[2], 0);
    }
    return { pool, weight: num(parsed.w, 1), priority: num(parsed.r, 0), waitingRuns: waiting.get(pool) ?? 0, launches, refusals };
  });
  const total = rows.reduce((sum, row) => sum + row.launches, 0);
  return rows
    .map((row): PoolShare => ({
      pool: row.pool,
      weight: row.weight,
      priority: row.priority,
      waitingRuns: row.waitingRuns,
      launchesPerSecond: row.launches / windowSeconds,
      sharePercent: total > 0 ? (100 * row.launches) / total : 0,
      refusalsLastMinute: row.refusals,
    }))
    .sort((a, b) => b.priority - a.priority || a.pool.localeCompare(b.pool));
}

/** The clock of the script: Redis TIME in milliseconds (the one clock every replica shares). */
async function redisNowMs(redis: RedisClient): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/**
 * The shares of every pool seen recently in one lane, from the two keys of that lane's state. `nowMs`
 * defaults to Redis TIME; pass the budgets' own clock when they were given one (tests).
 */
export async function readPoolShares(redis: RedisClient, keys: { pools: string; waiting: string }, nowMs?: number): Promise<PoolShare[]> {
  const now = nowMs ?? (await redisNowMs(redis));
  const [records, waiting] = await Promise.all([redis.hgetall(keys.pools), redis.zrangebyscore(keys.waiting, `(${now}`, '+inf')]);
  return summarisePoolShares(records, waiting, now);
}

/**
 * The shares of an account-region's lane as the controller keeps them: its namespace's keyspace and its
 * home (for a reader that is not the controller, the home its controllers recorded: home-record.ts).
 */
export function readScopeShares(redis: RedisClient, keyspace: Keyspace, scope: BudgetScope, home: HomeScope, lane: ShareLane = 'launch'): Promise<PoolShare[]> {
  return readPoolShares(redis, shareStateKeys(shareKeyFor(keyspace, scope, home), lane));
}

/**
 * AWS throttles the account-region's calls met over the last minute (the current 10 s slot and the five
 * before), as the budgets count them when a throttle lowers a rate (RedisBudgets.recordThrottle). Every
 * controller process counts them; one throttled call counts once per bucket it lowered.
 */
export async function readThrottlesLastMinute(redis: RedisClient, shareKey: (name: string) => string, nowMs: number = Date.now()): Promise<number> {
  const current = Math.floor(nowMs / THROTTLE_SLOT_MS);
  const keys = Array.from({ length: THROTTLE_SLOTS }, (_, i) => throttleSlotKey(shareKey, current - i));
  const values = await redis.mget(...keys);
  return values.reduce((sum, value) => sum + (Number(value) || 0), 0);
}
