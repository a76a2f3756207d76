/**
 * Finalize recovery. A run is finalized (task-definition release, outcome metrics) by its own reconcile
 * after it reached stopped; the resync or an event consumer that wrote the stopped status wakes it. A
 * replica that dies between that write and the wake-up leaves a stopped run nobody finalizes, and the
 * start-up wake-up only covers runs not yet stopped. This sweep walks the store's finished index (stopped
 * runs scored by when they stopped) from a checkpoint, wakes every stopped run whose lifecycle is not
 * finalized, and moves the checkpoint on: each stopped run is looked at about once, in bounded pages.
 */
import type { RedisClient } from '../../controller/redis.js';
import type { RunRecord } from '../../controller/api/run.js';

export const FINALIZE_PAGE = 500;
export const MAX_FINALIZE_PAGES = 20;
/** The periodic sweep leaves runs stopped this recently to their own reconcile, which is usually under way. */
export const FINALIZE_GRACE_MS = 60_000;

/** Whether a stored run reached stopped but its lifecycle never recorded FINALIZED. */
export function needsFinalize(record: Pick<RunRecord, 'status' | 'lifecycle'>): boolean {
  if (record.status.phase !== 'stopped') return false;
  const lifecycle = record.lifecycle;
  if (typeof lifecycle !== 'object' || lifecycle === null) return false;
  const context = (lifecycle as { context?: unknown }).context;
  if (typeof context !== 'object' || context === null) return false;
  return (context as { finalized?: unknown }).finalized !== true;
}

export interface FinalizeRecoveryDeps {
  redis: Pick<RedisClient, 'zrangebyscore' | 'get' | 'set'>;
  /** The store's finished index (sorted set: run name → stop time in ms). */
  finishedKey: string;
  /** Where the sweep remembers up to which stop time it has looked. */
  checkpointKey: string;
  getRuns(names: readonly string[]): Promise<Array<Pick<RunRecord, 'metadata' | 'status' | 'lifecycle'> | null>>;
  wake(runName: string): Promise<void>;
  pageSize?: number;
  maxPages?: number;
}

export interface FinalizeRecoveryResult {
  checked: number;
  woken: string[];
  /** The stop time (ms) up to which every stopped run has now been looked at. */
  checkedUntil: number;
}

/**
 * Wakes the unfinalized stopped runs that stopped after the checkpoint and at or before `upToMs`. The
 * checkpoint never moves past `checkpointCapMs` (default upToMs): a stopped write stamped by a replica
 * whose clock runs a little behind may still land just below upToMs, and must be looked at next time.
 */
export async function wakeUnfinalizedRuns(deps: FinalizeRecoveryDeps, upToMs: number, checkpointCapMs = upToMs): Promise<FinalizeRecoveryResult> {
  const pageSize = deps.pageSize ?? FINALIZE_PAGE;
  const maxPages = deps.maxPages ?? MAX_FINALIZE_PAGES;
  const stored = Number(await deps.redis.get(deps.checkpointKey));
  const start = Number.isFinite(stored) && stored > 0 ? stored : -Infinity;
  let lo = start;
  const result: FinalizeRecoveryResult = { checked: 0, woken: [], checkedUntil: start };
  for (let page = 0; page < maxPages; page += 1) {
    const flat = await deps.redis.zrangebyscore(deps.finishedKey, lo === -Infinity ? '-inf' : `(${lo}`, upToMs, 'WITHSCORES', 'LIMIT', 0, pageSize);
    const entries: Array<{ name: string; score: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ name: flat[i], score: Number(flat[i + 1]) });
    const full = entries.length === pageSize;
    const last = entries.at(-1)?.score ?? upToMs;
    // A full page may cut a run of equal stop times: leave that last stop time for the next page. A page
    // that is one stop time throughout is taken whole (more than a page of runs stopped in one millisecond).
    const sameThroughout = full && entries[0]?.score === last;
    const taken = full && !sameThroughout ? entries.filter((e) => e.score < last) : entries;
    await wakeUnfinalized(deps, taken.map((e) => e.name), result);
    if (!full) {
      result.checkedUntil = upToMs;
      break;
    }
    lo = sameThroughout ? last : last - 1;
    result.checkedUntil = lo;
  }
  const checkpoint = Math.min(result.checkedUntil, checkpointCapMs);
  if (checkpoint > start) await deps.redis.set(deps.checkpointKey, String(checkpoint));
  return result;
}

async function wakeUnfinalized(deps: FinalizeRecoveryDeps, names: string[], result: FinalizeRecoveryResult): Promise<void> {
  if (names.length === 0) return;
  const records = await deps.getRuns(names);
  result.checked += names.length;
  for (const record of records) {
    if (!record || !needsFinalize(record)) continue;
    await deps.wake(record.metadata.name);
    result.woken.push(record.metadata.name);
  }
}

/** The recovery's dependencies from a ResourceStore (its finished index) and a run wake-up. */
export function finalizeRecoveryFor(
  store: {
    ctx: { redis: FinalizeRecoveryDeps['redis']; keys: { finished: string } };
    keyspace: { key(...parts: string[]): string };
    getRuns: FinalizeRecoveryDeps['getRuns'];
  },
  wake: (runName: string) => Promise<void>,
): FinalizeRecoveryDeps {
  return {
    redis: store.ctx.redis,
    finishedKey: store.ctx.keys.finished,
    checkpointKey: store.keyspace.key('cleanup', 'finalize-checked-until'),
    getRuns: (names) => store.getRuns(names),
    wake,
  };
}
