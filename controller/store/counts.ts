/**
 * Run counts by phase and by outcome for the filters a list takes, without loading runs where the indexes
 * answer (the API's runsummary, the console's counts, `run list`'s summary line, a pool's status).
 *
 * Cost, N = runs in the namespace:
 * - no filter, or a phase/outcome filter: one ZCARD per phase and outcome, O(1) each;
 * - a pool filter: the pool's index intersected with each phase and outcome index (ZINTERSTORE into a
 *   scratch key deleted in the same MULTI; ZINTERCARD would need Redis 7, Longshore supports 6.2):
 *   O(P·2 + M·log M) per intersection, P the smaller of the two sets, M the runs in both — milliseconds
 *   of Redis time for tens of thousands of runs, and nothing crosses the network but ten integers;
 * - a label selector or a name: labels live only in the records, so the narrowest index (name, pool, phase
 *   or outcome, else every run) is walked and its records loaded 500 at a time: O(N) reads. The same walk
 *   is used while the outcome index is not yet complete (see `indexOutcomes`).
 * Counts are one MULTI, so they describe one moment; runs whose key already expired by TTL are counted until
 * the retention sweep removes their index entries (as `longshore_runs` does).
 */
import { randomUUID } from 'node:crypto';
import type { RunRecord } from '../api/run.js';
import { OUTCOMES, PHASES, type Outcome, type Phase } from '../api/run-status.js';
import { defineScript, integerReply } from '../redis-scripts.js';
import type { StoreContext } from './context.js';
import { loadRecords } from './records.js';
import { matchesSelector, parseSelector } from './selector.js';

export interface RunCountFilter {
  name?: string;
  pool?: string;
  phase?: Phase;
  outcome?: Outcome;
  labelSelector?: string;
}

export interface RunCounts {
  /** Every run matching the filter. */
  total: number;
  /** Matching runs by phase (every phase present, 0 when none). */
  byPhase: Record<Phase, number>;
  /** Matching stopped runs by outcome (every outcome present). */
  byOutcome: Record<Outcome, number>;
  /** How they were counted: from the indexes alone, or by reading the records (label selector, name, outcome index still being built). */
  countedBy: 'indexes' | 'records';
}

const CHUNK = 500;

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export async function countRuns(ctx: StoreContext, filter: RunCountFilter = {}): Promise<RunCounts> {
  const selector = parseSelector(filter.labelSelector ?? '');
  const indexesSuffice = selector.length === 0 && filter.name === undefined && (await outcomeIndexComplete(ctx));
  return indexesSuffice ? countFromIndexes(ctx, filter) : countFromRecords(ctx, filter);
}

/** Whether every stopped run is in the outcome index (a replica finished `indexOutcomes` once). */
export async function outcomeIndexComplete(ctx: StoreContext): Promise<boolean> {
  return (await ctx.redis.exists(ctx.keys.outcomeIndexReady)) === 1;
}

async function countFromIndexes(ctx: StoreContext, filter: RunCountFilter): Promise<RunCounts> {
  const k = ctx.keys;
  const scratch = ctx.ks.key('scratch', 'counts', randomUUID());
  const multi = ctx.redis.multi();
  const size = (index: string) => (filter.pool === undefined ? multi.zcard(index) : multi.zinterstore(scratch, 2, index, k.runsByPool(filter.pool)));
  // A phase filter other than stopped leaves no outcome; an outcome filter leaves only stopped runs of it.
  const phases = PHASES.filter((p) => (filter.phase === undefined || p === filter.phase) && (filter.outcome === undefined || p === 'stopped'));
  const outcomes = OUTCOMES.filter((o) => (filter.phase === undefined || filter.phase === 'stopped') && (filter.outcome === undefined || o === filter.outcome));
  for (const phase of phases) size(filter.outcome !== undefined ? k.runsByOutcome(filter.outcome) : k.runsByPhase(phase));
  for (const outcome of outcomes) size(k.runsByOutcome(outcome));
  multi.del(scratch);
  const replies = (await multi.exec()) ?? [];
  const values = replies.slice(0, -1).map(([error, value]) => {
    if (error) throw error;
    return Number(value);
  });
  const byPhase = zeros(PHASES);
  const byOutcome = zeros(OUTCOMES);
  phases.forEach((phase, i) => (byPhase[phase] = values[i]));
  outcomes.forEach((outcome, i) => (byOutcome[outcome] = values[phases.length + i]));
  return { total: sum(byPhase), byPhase, byOutcome, countedBy: 'indexes' };
}

async function countFromRecords(ctx: StoreContext, filter: RunCountFilter): Promise<RunCounts> {
  const selector = parseSelector(filter.labelSelector ?? '');
  const byPhase = zeros(PHASES);
  const byOutcome = zeros(OUTCOMES);
  const count = (run: RunRecord | null) => {
    if (!run || !matchesRunFilter(run, filter) || !matchesSelector(selector, run.metadata.labels)) return;
    byPhase[run.status.phase] += 1;
    if (run.status.phase === 'stopped' && run.status.outcome) byOutcome[run.status.outcome] += 1;
  };
  if (filter.name !== undefined) {
    const [run] = await loadRecords<RunRecord>(ctx, [ctx.keys.run(filter.name)]);
    count(run);
  } else {
    const index = await narrowestIndex(ctx, filter);
    let after: string | undefined;
    for (;;) {
      const names = await ctx.redis.zrangebylex(index, after === undefined ? '-' : `(${after}`, '+', 'LIMIT', 0, CHUNK);
      (await loadRecords<RunRecord>(ctx, names.map(ctx.keys.run))).forEach(count);
      if (names.length < CHUNK) break;
      after = names[names.length - 1];
    }
  }
  return { total: sum(byPhase), byPhase, byOutcome, countedBy: 'records' };
}

/** The index whose members include every run the filter can match (the records are checked after). */
export async function narrowestIndex(ctx: StoreContext, filter: Omit<RunCountFilter, 'name' | 'labelSelector'>): Promise<string> {
  const k = ctx.keys;
  if (filter.pool !== undefined) return k.runsByPool(filter.pool);
  if (filter.phase !== undefined) return k.runsByPhase(filter.phase);
  if (filter.outcome !== undefined) return (await outcomeIndexComplete(ctx)) ? k.runsByOutcome(filter.outcome) : k.runsByPhase('stopped');
  return k.runs;
}

/** The run filter's fields (not the label selector) on one record. */
export function matchesRunFilter(run: RunRecord, filter: Omit<RunCountFilter, 'labelSelector'>): boolean {
  return (filter.name === undefined || run.metadata.name === filter.name)
    && (filter.pool === undefined || run.spec.pool === filter.pool)
    && (filter.phase === undefined || run.status.phase === filter.phase)
    && (filter.outcome === undefined || (run.status.phase === 'stopped' && run.status.outcome === filter.outcome));
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** KEYS: run, outcome index. ARGV: expected rv, name. Indexes the run only if it is still the version read. */
const INDEX_OUTCOME = defineScript('longshoreIndexRunOutcome', `
if redis.call('HGET', KEYS[1], 'rv') ~= ARGV[1] then return 0 end
return redis.call('ZADD', KEYS[2], 0, ARGV[2])
`, integerReply);

/**
 * Puts every stopped run that is in no outcome index into its outcome's index, then marks the index
 * complete. Needed once for runs stored before the index existed; every replica runs it at start (cheap
 * after the first time: membership is checked with ZMSCORE and only runs in no index are read), so runs
 * stopped by an older replica during a rolling upgrade are indexed by the next start. Each addition is
 * guarded by the run's resourceVersion, so a run deleted meanwhile is not indexed back. Returns how many
 * runs it added. `stopping` is asked between chunks: a replica shutting down leaves the pass unfinished
 * (the index is not marked complete) instead of holding its shutdown for a scan of every stopped run.
 */
export async function indexOutcomes(ctx: StoreContext, stopping: () => boolean = () => false): Promise<number> {
  const k = ctx.keys;
  const stopped = k.runsByPhase('stopped');
  let added = 0;
  let after: string | undefined;
  for (;;) {
    if (stopping()) return added;
    const names = await ctx.redis.zrangebylex(stopped, after === undefined ? '-' : `(${after}`, '+', 'LIMIT', 0, CHUNK);
    if (names.length > 0) {
      const pipeline = ctx.redis.pipeline();
      for (const outcome of OUTCOMES) pipeline.zmscore(k.runsByOutcome(outcome), ...names);
      const scores = ((await pipeline.exec()) ?? []).map(([error, value]) => {
        if (error) throw error;
        return value as Array<string | null>;
      });
      const missing = names.filter((_, i) => scores.every((s) => s[i] === null));
      const records = await loadRecords<RunRecord>(ctx, missing.map(k.run));
      for (const run of records) {
        if (!run || run.status.phase !== 'stopped' || !run.status.outcome) continue;
        added += await INDEX_OUTCOME.run(ctx.redis, [k.run(run.metadata.name), k.runsByOutcome(run.status.outcome)], [run.metadata.resourceVersion, run.metadata.name]);
      }
    }
    if (names.length < CHUNK) break;
    after = names[names.length - 1];
  }
  await ctx.redis.set(k.outcomeIndexReady, '1');
  return added;
}
