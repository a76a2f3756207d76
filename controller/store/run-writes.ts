/**
 * Writes to existing runs: status (the controller's compare-and-set), spec (generation + 1, re-admitted),
 * delete (stopped runs only) and retention. Each is one guarded atomic write with its index changes and
 * change-feed entry.
 */
import type { PoolRecord } from '../api/pool.js';
import { RunSpec, type RunRecord, type RunSpecInput } from '../api/run.js';
import { RunStatus } from '../api/run-status.js';
import { AdmissionError, checkRunSpec } from '../api/admission/index.js';
import { schemaViolations } from '../api/admission/schema-violations.js';
import { AtomicWrite, executeWrite } from './atomic.js';
import { recordChange, type StoreContext } from './context.js';
import { ConflictError, NotFoundError, PreconditionFailedError } from './errors.js';
import { loadRecord, putRecord, sameJson, withVersion } from './records.js';
import { removeFromOutcomeIndexes, runIndexState, writeIndexChanges } from './run-indexes.js';

export interface StatusUpdate {
  status: RunStatus;
  /** The lifecycle machine's snapshot; omitted keeps the stored one. */
  lifecycle?: unknown;
}

async function currentRun(ctx: StoreContext, name: string): Promise<RunRecord> {
  const record = await loadRecord<RunRecord>(ctx, ctx.keys.run(name));
  if (!record) throw new NotFoundError('Run', name);
  return record;
}

/** Writes `next` over `current`, guarded by current's resourceVersion; returns next with its new version. */
async function replaceRun(ctx: StoreContext, current: RunRecord, next: RunRecord, subresource?: 'status', wokenByWriter = false): Promise<RunRecord> {
  const name = current.metadata.name;
  const w = new AtomicWrite();
  w.guard({ kind: 'rv', key: ctx.keys.run(name), expected: current.metadata.resourceVersion });
  putRecord(w, ctx.keys.run(name), next);
  writeIndexChanges(w, ctx.keys, name, runIndexState(current), runIndexState(next), { nowMs: ctx.now().getTime(), ttlSeconds: ctx.ttlSeconds });
  recordChange(ctx, w, 'Run', name, 'updated', subresource, wokenByWriter);
  const outcome = await executeWrite(ctx.redis, ctx.keys.resourceVersion, w);
  if (!outcome.ok) throw new ConflictError('Run', name, current.metadata.resourceVersion, outcome.detail || undefined);
  return withVersion(next, outcome.resourceVersion);
}

/**
 * Compare-and-set of status (and lifecycle snapshot). A stale expectedResourceVersion throws ConflictError; nothing is merged.
 * `known`: the record the caller read at expectedResourceVersion (the reconciler and the resync have it), which
 * saves reading it again; the write's guard still compares the stored version, so a stale `known` conflicts.
 */
export async function updateRunStatus(ctx: StoreContext, name: string, update: StatusUpdate, expectedResourceVersion: string, known?: RunRecord): Promise<RunRecord> {
  const status = RunStatus.parse(update.status);
  const current = known !== undefined && known.metadata.name === name && known.metadata.resourceVersion === expectedResourceVersion ? known : await currentRun(ctx, name);
  if (current.metadata.resourceVersion !== expectedResourceVersion) {
    throw new ConflictError('Run', name, expectedResourceVersion, current.metadata.resourceVersion);
  }
  const next: RunRecord = { ...current, status, ...('lifecycle' in update ? { lifecycle: update.lifecycle } : {}) };
  return replaceRun(ctx, current, next, 'status');
}

/**
 * Replaces a run's spec with `change(spec)`, re-admitted against its pool; generation + 1 when the spec
 * changed. With expectedResourceVersion it is a compare-and-set; without, it retries on conflict.
 */
export async function updateRunSpec(
  ctx: StoreContext,
  name: string,
  change: (spec: RunSpec) => RunSpecInput,
  expectedResourceVersion?: string,
): Promise<RunRecord> {
  return writeSpec(ctx, name, change, expectedResourceVersion, true);
}

async function writeSpec(
  ctx: StoreContext,
  name: string,
  change: (spec: RunSpec) => RunSpecInput,
  expectedResourceVersion: string | undefined,
  admit: boolean,
  known?: RunRecord,
  wokenByWriter = false,
): Promise<RunRecord> {
  for (let attempt = 0; ; attempt += 1) {
    // The caller's record saves the first read; the write's guard still compares the stored version, and a
    // conflict retries from a fresh read.
    const current = attempt === 0 && known !== undefined && known.metadata.name === name ? known : await currentRun(ctx, name);
    if (expectedResourceVersion !== undefined && current.metadata.resourceVersion !== expectedResourceVersion) {
      throw new ConflictError('Run', name, expectedResourceVersion, current.metadata.resourceVersion);
    }
    const input = change(current.spec);
    const parsed = RunSpec.safeParse(input);
    if (!parsed.success) throw new AdmissionError([{ index: 0, kind: 'Run', name, violations: schemaViolations(parsed.error, input).map((v) => ({ ...v, path: v.path ? `spec.${v.path}` : 'spec' })) }]);
    if (admit) {
      const pool = await loadRecord<PoolRecord>(ctx, ctx.keys.pool(parsed.data.pool));
      const violations = checkRunSpec(parsed.data, pool?.spec);
      if (violations.length > 0) throw new AdmissionError([{ index: 0, kind: 'Run', name, violations }]);
    }
    if (sameJson(parsed.data, current.spec)) return current;
    const next: RunRecord = { ...current, metadata: { ...current.metadata, generation: current.metadata.generation + 1 }, spec: parsed.data };
    try {
      return await replaceRun(ctx, current, next, undefined, wokenByWriter);
    } catch (error) {
      if (!(error instanceof ConflictError) || expectedResourceVersion !== undefined || attempt >= 5) throw error;
    }
  }
}

/**
 * Sets spec.cancelRequested (generation + 1); a no-op for a stopped run or one already cancelling. Not
 * re-admitted: a pool edited since the run was created must never make a run impossible to cancel.
 * `known`: the run as the caller just read it (the control handler has it), which saves reading and parsing it
 * twice more per cancel (issue 10: 200 cancels at once are CPU-bound); a stale one only costs a retry.
 * `wokenByCaller`: the caller wakes the run's reconcile itself and redoes that after a crash (the control
 * handler): the change-feed entry says so, and the feed follower does not queue a second wake-up.
 */
export async function requestCancel(ctx: StoreContext, name: string, known?: RunRecord, wokenByCaller = false): Promise<RunRecord> {
  const current = known !== undefined && known.metadata.name === name ? known : await currentRun(ctx, name);
  if (current.spec.cancelRequested || current.status.phase === 'stopped') return current;
  return writeSpec(ctx, name, (spec) => ({ ...spec, cancelRequested: true }), undefined, false, current, wokenByCaller);
}

/** Deletes a stopped run with its index entries. A live run must be cancelled first. */
export async function deleteRun(ctx: StoreContext, name: string): Promise<RunRecord> {
  const current = await currentRun(ctx, name);
  if (current.status.phase !== 'stopped') {
    throw new PreconditionFailedError(`run "${name}" is ${current.status.phase}; cancel it and wait for it to stop before deleting it`);
  }
  await removeRun(ctx, current);
  return current;
}

async function removeRun(ctx: StoreContext, current: RunRecord): Promise<void> {
  const name = current.metadata.name;
  const w = new AtomicWrite();
  w.guard({ kind: 'rv', key: ctx.keys.run(name), expected: current.metadata.resourceVersion });
  w.op('DEL', ctx.keys.run(name));
  writeIndexChanges(w, ctx.keys, name, runIndexState(current), undefined, { nowMs: ctx.now().getTime(), ttlSeconds: ctx.ttlSeconds });
  recordChange(ctx, w, 'Run', name, 'deleted');
  const outcome = await executeWrite(ctx.redis, ctx.keys.resourceVersion, w);
  if (!outcome.ok) throw new ConflictError('Run', name, current.metadata.resourceVersion, outcome.detail || undefined);
}

/** Runs one call removes at most; reconcilers/cleanup/retention.ts (EXPIRE_BATCH) calls again while batches come back full. */
const EXPIRE_BATCH_SIZE = 500;

/**
 * Retention sweep: removes runs that stopped more than the retention period before `now`, with their
 * index entries, and tidies the indexes of runs whose keys already expired by TTL. Returns how many went.
 */
export async function expireFinished(ctx: StoreContext, now: Date = ctx.now()): Promise<number> {
  const cutoff = now.getTime() - ctx.retentionSeconds * 1000;
  const names = await ctx.redis.zrangebyscore(ctx.keys.finished, '-inf', cutoff, 'LIMIT', 0, EXPIRE_BATCH_SIZE);
  let removed = 0;
  for (const name of names) {
    const current = await loadRecord<RunRecord>(ctx, ctx.keys.run(name));
    if (current && current.status.phase === 'stopped') {
      try {
        await removeRun(ctx, current);
        removed += 1;
      } catch (error) {
        // Changed under us (e.g. restarted): leave it for the next sweep.
        if (!(error instanceof ConflictError)) throw error;
      }
      continue;
    }
    if (!current) {
      const pool = await ctx.redis.hget(ctx.keys.finishedPool, name);
      const w = new AtomicWrite();
      w.op('ZREM', ctx.keys.runs, name).op('ZREM', ctx.keys.runsByPhase('stopped'), name).op('ZREM', ctx.keys.finished, name).op('HDEL', ctx.keys.finishedPool, name);
      if (pool) w.op('ZREM', ctx.keys.runsByPool(pool), name);
      removeFromOutcomeIndexes(w, ctx.keys, name);
      recordChange(ctx, w, 'Run', name, 'deleted');
      await executeWrite(ctx.redis, ctx.keys.resourceVersion, w);
      removed += 1;
    }
  }
  return removed;
}
