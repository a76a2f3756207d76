/** Reads: single records, paginated lists with filters, and the index lookups the controller needs. */
import type { PoolRecord } from '../api/pool.js';
import type { RunRecord } from '../api/run.js';
import type { Outcome, Phase } from '../api/run-status.js';
import { NAME_PATTERN } from '../api/meta.js';
import { matchesRunFilter, narrowestIndex } from './counts.js';
import { InvalidCursorError } from './errors.js';
import type { StoreContext } from './context.js';
import { loadRecord, loadRecords } from './records.js';
import { matchesSelector, parseSelector, type Requirement } from './selector.js';

export interface ListOptions {
  /** Kubernetes label selector, e.g. `app=etl,tier!=dev,env in (a,b),!canary`. */
  labelSelector?: string;
  /** Page size; default 500. */
  limit?: number;
  /** The `cursor` a previous page returned. */
  cursor?: string;
}
export interface RunListOptions extends ListOptions {
  phase?: Phase;
  pool?: string;
  /** Stopped runs that ended so. */
  outcome?: Outcome;
}
export interface Page<T> {
  items: T[];
  /** Present when more items may follow: pass it back to get the next page. */
  cursor?: string;
}

export const getRun = (ctx: StoreContext, name: string) => loadRecord<RunRecord>(ctx, ctx.keys.run(name));
export const getPool = (ctx: StoreContext, name: string) => loadRecord<PoolRecord>(ctx, ctx.keys.pool(name));
/** Several runs in one round trip; null where a run does not exist. */
export const getRuns = (ctx: StoreContext, names: readonly string[]) => loadRecords<RunRecord>(ctx, names.map(ctx.keys.run));

export async function listRuns(ctx: StoreContext, options: RunListOptions = {}): Promise<Page<RunRecord>> {
  const { pool, phase, outcome } = options;
  const index = await narrowestIndex(ctx, { pool, phase, outcome });
  const selector = parseSelector(options.labelSelector ?? '');
  // Filters are re-checked on the record: an index may briefly hold a name whose key expired by TTL.
  const keep = (r: RunRecord) => matchesRunFilter(r, { pool, phase, outcome }) && matchesSelector(selector, r.metadata.labels);
  return scanIndex(ctx, index, ctx.keys.run, keep, options);
}

export async function listPools(ctx: StoreContext, options: ListOptions = {}): Promise<Page<PoolRecord>> {
  const selector: Requirement[] = parseSelector(options.labelSelector ?? '');
  return scanIndex<PoolRecord>(ctx, ctx.keys.pools, ctx.keys.pool, (p) => matchesSelector(selector, p.metadata.labels), options);
}

/** Walks a name-ordered index from the cursor, loading and filtering records until a page is full. */
async function scanIndex<T extends RunRecord | PoolRecord>(
  ctx: StoreContext,
  index: string,
  keyOf: (name: string) => string,
  keep: (record: T) => boolean,
  options: ListOptions,
): Promise<Page<T>> {
  const limit = Math.max(1, Math.min(options.limit ?? 500, 10_000));
  const chunk = Math.max(limit, 100);
  const items: T[] = [];
  let after = options.cursor ? decodeCursor(options.cursor) : undefined;
  for (;;) {
    const names = await ctx.redis.zrangebylex(index, after === undefined ? '-' : `(${after}`, '+', 'LIMIT', 0, chunk);
    const records = await loadRecords<T>(ctx, names.map(keyOf));
    for (let i = 0; i < names.length; i += 1) {
      after = names[i];
      const record = records[i];
      if (record && keep(record)) items.push(record);
      if (items.length === limit) {
        const more = i < names.length - 1 || names.length === chunk;
        return more ? { items, cursor: encodeCursor(after) } : { items };
      }
    }
    if (names.length < chunk) return { items };
  }
}

const encodeCursor = (name: string) => Buffer.from(name, 'utf8').toString('base64url');

/**
 * The name a cursor continues after. Node decodes base64url leniently (it skips characters that are not
 * base64), so a mangled token would otherwise resume from some other name and return a wrong page without a
 * word; only a token exactly as encodeCursor wrote it, of a valid name, is accepted (Kubernetes answers 400).
 */
export function decodeCursor(cursor: string): string {
  const name = Buffer.from(cursor, 'base64url').toString('utf8');
  if (encodeCursor(name) !== cursor || !NAME_PATTERN.test(name)) throw new InvalidCursorError(cursor);
  return name;
}

/** Every page of a list, for callers that want all of it (the CLI, the resync). */
export async function listAll<T>(page: (cursor?: string) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const result = await page(cursor);
    all.push(...result.items);
    cursor = result.cursor;
  } while (cursor);
  return all;
}

export async function runNameForTask(ctx: StoreContext, taskArn: string): Promise<string | null> {
  return ctx.redis.get(ctx.keys.task(taskArn));
}

/** Task ARNs believed alive in the cluster: attempts with a task whose run is not stopped and which have no stoppedAt. */
export async function liveTaskArns(ctx: StoreContext, clusterArn: string): Promise<string[]> {
  return (await ctx.redis.smembers(ctx.keys.liveTasks(clusterArn))).sort();
}

/** Clusters that currently have at least one live task (what a resync should describe). */
export async function liveTaskClusters(ctx: StoreContext): Promise<string[]> {
  const clusters = (await ctx.redis.smembers(ctx.keys.liveClusters)).sort();
  const pipeline = ctx.redis.pipeline();
  for (const c of clusters) pipeline.scard(ctx.keys.liveTasks(c));
  const counts = (await pipeline.exec()) ?? [];
  return clusters.filter((_, i) => Number(counts[i]?.[1] ?? 0) > 0);
}

/**
 * Puts a task up for a DescribeTasks confirmation (a STOPPED task event is only a hint). A set, so repeated
 * events about one task cost one look.
 */
export async function requestTaskConfirmation(ctx: StoreContext, clusterArn: string, taskArn: string): Promise<void> {
  await ctx.redis.sadd(ctx.keys.tasksToConfirm(clusterArn), taskArn);
}

/**
 * Takes up to `max` tasks to confirm in the cluster. They leave the set as they are taken: one lost to a
 * crash is still described by the periodic resync.
 */
export async function takeTasksToConfirm(ctx: StoreContext, clusterArn: string, max: number): Promise<string[]> {
  return (await ctx.redis.spop(ctx.keys.tasksToConfirm(clusterArn), max)).sort();
}
