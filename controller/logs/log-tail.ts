/**
 * The failure-tail step (log-tail-policy.ts decides): a job `log-tail:<run>` on the resync queue, asked for
 * by the run's finalize step when a failed or crashed run concludes. It reads the tail through the same
 * RunLogSource the API and the CLI use (so the same gateway budget), then writes `status.logTail` with a
 * compare-and-set. Failed reads are counted in Redis (`log-tail-tries:<run>`, expiring after a day) and
 * retried by requeue until the policy gives up and records why. A tail read with lines is also logged once
 * (`failed run's last output`, bounded: tailLogFields).
 */
import type { Logger } from 'pino';
import type { RunRecord } from '../api/run.js';
import type { LogTail } from '../api/run-status.js';
import type { ReconcileResult, Reconciler } from '../queue/reconcile.js';
import { isConflictError } from '../store/errors.js';
import { afterReadFailure, logTailOf, planLogTail, tailLogFields } from './log-tail-policy.js';
import type { LogRunStore } from './source.js';
import { RunLogError, type RunLogSource } from './types.js';

export const LOG_TAIL_JOB_PREFIX = 'log-tail:';

export function isLogTailKey(key: string): boolean {
  return key.startsWith(LOG_TAIL_JOB_PREFIX);
}

export function logTailKey(run: string): string {
  return `${LOG_TAIL_JOB_PREFIX}${run}`;
}

export interface LogTailStore extends LogRunStore {
  updateRunStatus(name: string, update: { status: RunRecord['status'] }, expectedResourceVersion: string): Promise<RunRecord>;
}

export interface LogTailDeps {
  namespace: string;
  store: LogTailStore;
  source: RunLogSource;
  /** Failed reads of a run's tail so far (incremented, then returned) and forgetting them. */
  tries: { failed(run: string): Promise<number>; clear(run: string): Promise<void> };
  now?: () => number;
  logger?: Logger;
  /** A tail was recorded: with lines, or with an error after giving up. */
  onRecorded?: (result: 'lines' | 'error') => void;
}

async function readTail(source: RunLogSource, namespace: string, run: string, attempt: number, lines: number): Promise<{ lines: string[]; container?: string }> {
  const read: string[] = [];
  let container: string | undefined;
  const abort = new AbortController();
  for await (const line of source.open({ namespace, run, follow: false, tailLines: lines, attempt }, abort.signal)) {
    read.push(line.message);
    container = line.container;
  }
  return { lines: read.slice(-lines), ...(container === undefined ? {} : { container }) };
}

/** Writes the tail on the run as stored now, again after a conflict (the status changes only by small steps). */
async function record(store: LogTailStore, name: string, tail: LogTail): Promise<void> {
  for (let conflicts = 0; ; conflicts += 1) {
    const run = await store.getRun(name);
    if (run === null) return;
    try {
      await store.updateRunStatus(name, { status: { ...run.status, logTail: tail } }, run.metadata.resourceVersion);
      return;
    } catch (error) {
      if (!isConflictError(error) || conflicts >= 5) throw error;
    }
  }
}

export async function captureLogTail(deps: LogTailDeps, name: string): Promise<ReconcileResult> {
  const now = deps.now ?? Date.now;
  const run = await deps.store.getRun(name);
  const pool = run === null ? null : await deps.store.getPool(run.spec.pool);
  const decision = planLogTail(run, pool);
  if (decision.kind === 'none') return {};
  try {
    const tail = await readTail(deps.source, deps.namespace, name, decision.attempt, decision.lines);
    const recorded = logTailOf(decision.attempt, tail.container, tail.lines, now());
    await record(deps.store, name, recorded);
    await deps.tries.clear(name);
    deps.onRecorded?.('lines');
    // At most once per tail (a later job finds it recorded and stops at planLogTail): an alert on the
    // controller's log can then say why the run failed.
    if (run !== null) deps.logger?.info(tailLogFields(deps.namespace, run, recorded), 'failed run\'s last output');
    return {};
  } catch (error) {
    if (!(error instanceof RunLogError)) throw error;
    const tries = await deps.tries.failed(name);
    const next = afterReadFailure(error.reason, error.message, tries);
    deps.logger?.debug({ run: name, reason: error.reason, tries, next: next.kind }, 'failure tail not read');
    if (next.kind === 'retry') return { requeueAfterMs: next.afterMs };
    if (next.kind === 'record') {
      await record(deps.store, name, logTailOf(decision.attempt, undefined, [], now(), next.error));
      deps.onRecorded?.('error');
      if (error.reason !== 'NotStarted') deps.logger?.warn({ run: name, reason: error.reason, tries, err: error.message }, 'gave up reading the failure tail');
    }
    await deps.tries.clear(name);
    return {};
  }
}

export function createLogTailReconciler(deps: LogTailDeps): Reconciler {
  return (key) => captureLogTail(deps, key.slice(LOG_TAIL_JOB_PREFIX.length));
}

/** The resync queue's reconciler with `log-tail:` keys sent to the failure-tail step. */
export function withLogTails(other: Reconciler, logTail: Reconciler): Reconciler {
  return (key, context) => (isLogTailKey(key) ? logTail(key, context) : other(key, context));
}

/** Redis-backed try counts (one small key per run with a failing read; gone after a day or a success). */
export function redisLogTailTries(redis: { incr(key: string): Promise<number>; expire(key: string, seconds: number): Promise<number>; del(key: string): Promise<number> }, keyOf: (run: string) => string): LogTailDeps['tries'] {
  return {
    async failed(run) {
      const key = keyOf(run);
      const tries = await redis.incr(key);
      await redis.expire(key, 24 * 3600);
      return tries;
    },
    async clear(run) {
      await redis.del(keyOf(run));
    },
  };
}
