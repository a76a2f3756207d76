/**
 * The gauges computed from the shared store — runs by phase (and by pool), queue depths, budget buckets —
 * are the same whichever replica reads them, so exactly one replica exports them: the holder of a Redis
 * lease (`<prefix>:metrics:exporter`, renewed every tick, expiring after LEASE_TICKS ticks without renewal).
 * Each tick the holder reads the run counts in one MULTI (a consistent snapshot: the phases add up to the
 * runs that exist, and each live phase's pools to the phase), the queue depths and every bucket's level; every other replica resets those gauges, so
 * its /metrics has no series for them. Dashboards and alerts take `max by (longshore_namespace, …)`, which
 * is the elected replica's value (and never a sum of two during a hand-over). `longshore_store_gauges_elected`
 * says which replica holds the lease. Every replica also labels the pools it reads here (their counters start
 * at 0 before their first run) and samples whether Redis answers (`longshore_redis_up`).
 */
import type { RedisClient } from './redis.js';
import { PHASES } from './api/run-status.js';
import { THROTTLE_CATEGORIES, type ThrottleCategory } from './aws/budgets.js';
import type { BucketLevel } from './aws/redis-budgets.js';
import type { PoolShare } from './aws/pool-shares.js';
import type { BudgetScope } from './aws/target.js';
import { MAX_POOL_LABELS, OTHER_POOLS, STORE_GAUGES, type ControllerMetrics } from './metrics.js';
import { defineScript, integerReply } from './redis-scripts.js';
import type { Keyspace } from './store/keys.js';
import { storeKeys } from './store/keys.js';

/** Ticks a lease survives without renewal: a dead exporter is replaced within about this many intervals. */
const LEASE_TICKS = 3;

/** KEYS: lease. ARGV: replica, ttl ms. Takes a free lease or renews our own; 1 when we hold it. */
const HOLD = defineScript('longshoreMetricsExporterHold', `
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`, integerReply);

/** KEYS: lease. ARGV: replica. Gives the lease up if we hold it, so another replica takes over at once. */
const RELEASE = defineScript('longshoreMetricsExporterRelease', `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`, integerReply);

/** The phases counted per pool: runs not yet stopped (stopped runs per pool are only retention). */
export const POOL_PHASES = PHASES.filter((phase) => phase !== 'stopped');

export interface RunCounts {
  byPhase: Record<string, number>;
  /** pool label → phase (POOL_PHASES) → runs (pools past MAX_POOL_LABELS summed under OTHER_POOLS). */
  byPool: Map<string, Record<string, number>>;
}

/**
 * The run counts by phase and by pool and phase, read in one MULTI so they describe one moment. A pool's
 * count in a phase is the size of the intersection of the two indexes, from ZINTERSTORE into a scratch key
 * deleted in the same MULTI (ZINTERCARD would need Redis 7; Longshore supports 6.2). Pools are taken in name
 * order; the runs of pools past the first MAX_POOL_LABELS are what is left of each phase.
 */
export async function readRunCounts(redis: RedisClient, keyspace: Keyspace, scratchKey: string): Promise<RunCounts> {
  const keys = storeKeys(keyspace);
  const pools = await redis.zrange(keys.pools, 0, MAX_POOL_LABELS - 1);
  const morePools = (await redis.zcard(keys.pools)) > pools.length;
  const multi = redis.multi();
  for (const phase of PHASES) multi.zcard(keys.runsByPhase(phase));
  for (const pool of pools) for (const phase of POOL_PHASES) multi.zinterstore(scratchKey, 2, keys.runsByPhase(phase), keys.runsByPool(pool));
  multi.del(scratchKey);
  const replies = (await multi.exec()) ?? [];
  const values = replies.slice(0, -1).map(([error, value]) => {
    if (error) throw error;
    return Number(value);
  });
  const byPhase = Object.fromEntries(PHASES.map((phase, i) => [phase, values[i]]));
  const byPool = new Map<string, Record<string, number>>();
  pools.forEach((pool, p) => byPool.set(pool, Object.fromEntries(POOL_PHASES.map((phase, i) => [phase, values[PHASES.length + POOL_PHASES.length * p + i]]))));
  if (morePools) {
    byPool.set(OTHER_POOLS, Object.fromEntries(POOL_PHASES.map((phase) => [phase, byPhase[phase] - pools.reduce((sum, pool) => sum + (byPool.get(pool)?.[phase] ?? 0), 0)])));
  }
  return { byPhase, byPool };
}

export interface BudgetRow {
  labels: { category: string } & Partial<Record<'region' | 'account', string>>;
  tokens: number;
  capacity: number;
  rateFactor: number;
}

/**
 * One series per category and account-region label set. Without the account label
 * (LONGSHORE_METRICS_ACCOUNT_LABEL=false) two accounts in one Region share a label set: the series then shows
 * the tighter of them (fewest tokens, lowest rate factor), the one that holds launches back. Pure.
 */
export function budgetRows(
  levels: ReadonlyArray<{ scope: BudgetScope; level: BucketLevel }>,
  labelsOf: (scope: BudgetScope) => Partial<Record<'region' | 'account', string>>,
  capacityOf: (category: ThrottleCategory) => number,
): BudgetRow[] {
  const rows = new Map<string, BudgetRow>();
  for (const { scope, level } of levels) {
    const labels = { category: level.category, ...labelsOf(scope) };
    const key = JSON.stringify(labels);
    const row = rows.get(key);
    if (row === undefined) rows.set(key, { labels, tokens: level.tokens, capacity: capacityOf(level.category), rateFactor: level.rateFactor });
    else {
      row.tokens = Math.min(row.tokens, level.tokens);
      row.rateFactor = Math.min(row.rateFactor, level.rateFactor);
    }
  }
  return [...rows.values()];
}

export interface StoreGaugeExporterDeps {
  redis: RedisClient;
  keyspace: Keyspace;
  replicaId: string;
  metrics: ControllerMetrics;
  intervalMs: number;
  /** Sets longshore_queue_jobs from the shared queues. */
  sampleQueues: () => Promise<void>;
  /** The account-regions whose budgets are exported: the controller's own and every pool's (budgetScopesOfPools). */
  budgetScopes: () => Promise<BudgetScope[]>;
  /** One account-region's bucket level, refilled to now (RedisBudgets.level); a bucket nobody used reads full. */
  budgetLevel: (scope: BudgetScope, category: ThrottleCategory) => Promise<BucketLevel>;
  /** The most tokens a bucket holds (RedisBudgets.usableBurst): the ceiling its level is read against. */
  budgetCapacity: (category: ThrottleCategory) => number;
  /** Whether Redis answers a PING now. */
  redisAnswers: () => Promise<boolean>;
  /** The pools' fair share of each exported account-region's launch budget (readScopeShares per scope); none when absent. */
  poolShares?: (scopes: readonly BudgetScope[]) => Promise<PoolShare[]>;
}

export interface StoreGaugeExporter {
  /** Whether this replica held the lease at its last tick. */
  elected(): boolean;
  /** Stops ticking and gives the lease up. */
  stop(): Promise<void>;
}

export function startStoreGaugeExporter(deps: StoreGaugeExporterDeps): StoreGaugeExporter {
  const { redis, metrics } = deps;
  const lease = deps.keyspace.key('metrics', 'exporter');
  let holding = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const resetStoreGauges = () => {
    for (const gauge of STORE_GAUGES) metrics[gauge].reset();
  };

  async function export_(): Promise<void> {
    const counts = await readRunCounts(redis, deps.keyspace, deps.keyspace.key('metrics', 'scratch', deps.replicaId));
    const scopes = await deps.budgetScopes();
    const levels = await Promise.all(scopes.flatMap((scope) => THROTTLE_CATEGORIES.map(async (category) => ({ scope, level: await deps.budgetLevel(scope, category) }))));
    const shares = (await deps.poolShares?.(scopes)) ?? [];
    await deps.sampleQueues();
    // Every set below happens in one synchronous stretch, so a scrape never sees the gauges half rewritten.
    for (const phase of PHASES) metrics.runs.set({ phase }, counts.byPhase[phase]);
    metrics.poolRuns.reset();
    for (const [pool, phases] of counts.byPool) for (const phase of POOL_PHASES) metrics.poolRuns.set({ pool, phase }, phases[phase]);
    for (const gauge of ['poolLaunchWaiting', 'poolLaunchSharePercent', 'poolLaunchesPerSecond'] as const) metrics[gauge].reset();
    for (const share of shares) {
      // Pools past MAX_POOL_LABELS share OTHER_POOLS: their values add up (waiting, rate, share alike).
      const pool = metrics.poolLabel(share.pool);
      metrics.poolLaunchWaiting.inc({ pool }, share.waitingRuns);
      metrics.poolLaunchSharePercent.inc({ pool }, share.sharePercent);
      metrics.poolLaunchesPerSecond.inc({ pool }, share.launchesPerSecond);
    }
    // Reset first: an account-region no pool uses any more drops out instead of freezing at its last level.
    metrics.budgetTokens.reset();
    metrics.budgetCapacity.reset();
    metrics.budgetRateFactor.reset();
    for (const row of budgetRows(levels, (scope) => metrics.awsScopeLabels(scope), deps.budgetCapacity)) {
      metrics.budgetTokens.set(row.labels, row.tokens);
      metrics.budgetCapacity.set(row.labels, row.capacity);
      metrics.budgetRateFactor.set(row.labels, row.rateFactor);
    }
  }

  /** Labels the pools this replica knows (their counters exist before their first run), then takes or renews the lease. */
  async function holdLease(): Promise<boolean> {
    try {
      for (const pool of await redis.zrange(storeKeys(deps.keyspace).pools, 0, MAX_POOL_LABELS - 1)) metrics.poolLabel(pool);
      return (await HOLD.run(redis, [lease], [deps.replicaId, deps.intervalMs * LEASE_TICKS])) === 1;
    } catch {
      // Not renewed: the lease expires and another replica takes over; this one must not export meanwhile.
      return false;
    }
  }

  async function tick(): Promise<void> {
    const up = await deps.redisAnswers();
    metrics.redisUp.set(up ? 1 : 0);
    holding = up && (await holdLease());
    // A failed read while holding the lease keeps the last values until the next tick.
    if (holding) await export_().catch(() => undefined);
    else resetStoreGauges();
    metrics.storeGaugesElected.set(holding ? 1 : 0);
  }

  const loop = () => {
    running = tick().finally(() => {
      if (!stopped) timer = setTimeout(loop, deps.intervalMs);
    });
  };
  resetStoreGauges();
  loop();

  return {
    elected: () => holding,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
      if (holding) await RELEASE.run(redis, [lease], [deps.replicaId]).catch(() => 0);
      holding = false;
      resetStoreGauges();
      metrics.storeGaugesElected.set(0);
    },
  };
}
