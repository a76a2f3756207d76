/**
 * Feeding one observation of a run's task (from the resync, or any other watcher) into its lifecycle, pure:
 * the status and lifecycle to write, or why nothing changes. The resync writes the result with
 * compare-and-set and wakes the run's reconcile, which performs whatever the new state needs — unless the new
 * state leaves it nothing to do (wake-policy.ts).
 */
import type { RunRecord } from '../../controller/api/run.js';
import type { Phase, RunStatus } from '../../controller/api/run-status.js';
import { persistLifecycle, restoreLifecycle, step, toRunStatus, type PersistedLifecycle } from '../../machines/run-lifecycle.js';
import type { LifecycleEvent, TaskObservation } from '../../machines/run-types.js';
import type { Logger } from 'pino';
import { stableJson } from '../run/stable-json.js';
import type { RunStorePort } from '../run/ports.js';
import { isConflictError } from '../../controller/store/errors.js';
import type { SlotNeeds } from '../run/pool-limits.js';
import { wakeAfterFeed } from './wake-policy.js';

/** A task just launched may not be describable yet (ECS is eventually consistent): MISSING is trusted after this. */
export const DEFAULT_MISSING_GRACE_MS = 60_000;

export interface FeedDeps {
  store: Pick<RunStorePort, 'getRun' | 'updateRunStatus'>;
  now?: () => number;
  missingGraceMs?: number;
  onRejected?(eventType: string, reason: string): void;
  /** A phase change this feed wrote (the run reconciler reports its own through its observer). */
  onTransition?(from: Phase, to: Phase, eventType: string, pool: string): void;
  /** A status this feed wrote over `before` (e.g. an attempt seen running). */
  onWritten?(before: RunRecord, after: RunRecord): void;
  logger?: Logger;
  /**
   * Frees the pool slots `run` no longer holds (`keep`: what it still holds) and wakes the runs waiting for
   * them, after a write whose run is not woken (pool-limits.ts). Without it such a write wakes the run.
   */
  releaseSlots?(pool: string, run: string, keep: SlotNeeds): Promise<void>;
}

export type TaskReport = { taskArn: string; observation: TaskObservation } | { taskArn: string; missing: true };

export type FeedResult =
  | {
    kind: 'write'; status: RunStatus; lifecycle: PersistedLifecycle; event: LifecycleEvent['type']; from: Phase; to: Phase;
    /** Whether the run's reconcile must look after this write (wake-policy.ts); `release`: slots the caller frees instead. */
    wake: boolean; release?: SlotNeeds;
  }
  | { kind: 'unchanged' }
  | { kind: 'rejected'; event: LifecycleEvent['type']; reason: string }
  | { kind: 'skipped'; reason: string };

export function feedTaskReport(record: RunRecord, report: TaskReport, nowMs: number, missingGraceMs = DEFAULT_MISSING_GRACE_MS, canRelease = false): FeedResult {
  if (record.lifecycle === undefined || record.lifecycle === null) return { kind: 'skipped', reason: 'the run has no lifecycle yet' };
  const snapshot = restoreLifecycle(record.lifecycle);
  const now = new Date(nowMs).toISOString();
  let event: LifecycleEvent;
  if ('missing' in report) {
    const attempt = toRunStatus(snapshot).attempts.find((a) => a.taskArn === report.taskArn);
    const submittedAt = attempt?.submittedAt ? Date.parse(attempt.submittedAt) : undefined;
    if (submittedAt !== undefined && nowMs - submittedAt < missingGraceMs) {
      return { kind: 'skipped', reason: `task ${report.taskArn} reported MISSING within ${missingGraceMs}ms of its launch` };
    }
    event = { type: 'TASK_MISSING', taskArn: report.taskArn, now };
  } else {
    event = { type: 'TASK_OBSERVED', ...report.observation, now };
  }
  const result = step(snapshot, event);
  if (!result.ok) return { kind: 'rejected', event: event.type, reason: result.reason };
  const status: RunStatus = { ...toRunStatus(result.snapshot), observedGeneration: record.status.observedGeneration };
  const lifecycle = persistLifecycle(result.snapshot);
  if (stableJson(status) === stableJson(record.status) && stableJson(lifecycle) === stableJson(record.lifecycle)) return { kind: 'unchanged' };
  const decision = wakeAfterFeed(record, snapshot, result.snapshot, canRelease);
  const write: FeedResult = { kind: 'write', status, lifecycle, event: event.type, ...result.phase, wake: decision.wake };
  if (decision.release) write.release = decision.release;
  return write;
}

/**
 * Feeds one report into a stored run: re-read, decide, compare-and-set, again on conflict. Returns whether
 * the run changed (the caller wakes its reconcile; 'contended': every compare-and-set conflicted, wake it
 * too, nothing was written), changed with nothing for its reconcile to do ('recorded': no wake-up), the
 * lifecycle refused the report, the run already knew exactly this ('unchanged'), or nothing happened (no
 * run, no lifecycle yet, a MISSING within its grace).
 */
export async function applyTaskReport(deps: FeedDeps, name: string, report: TaskReport): Promise<'changed' | 'recorded' | 'contended' | 'rejected' | 'unchanged' | 'none'> {
  const now = deps.now ?? Date.now;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const record: RunRecord | null = await deps.store.getRun(name);
    if (!record) return 'none';
    const fed = feedTaskReport(record, report, now(), deps.missingGraceMs, deps.releaseSlots !== undefined);
    if (fed.kind === 'rejected') {
      deps.onRejected?.(fed.event, fed.reason);
      deps.logger?.debug({ run: name, event: fed.event, reason: fed.reason }, 'task observation rejected');
      return 'rejected';
    }
    if (fed.kind === 'unchanged') return 'unchanged';
    if (fed.kind !== 'write') return 'none';
    try {
      const after = await deps.store.updateRunStatus(name, { status: fed.status, lifecycle: fed.lifecycle }, record.metadata.resourceVersion, record);
      deps.onWritten?.(record, after);
      if (fed.from !== fed.to) deps.onTransition?.(fed.from, fed.to, fed.event, record.spec.pool);
      if (fed.wake) return 'changed';
      if (fed.release) {
        try {
          await deps.releaseSlots?.(record.spec.pool, name, fed.release);
        } catch (error) {
          // The write stands; the run's own reconcile frees the slots instead (it releases on every pass).
          deps.logger?.debug({ run: name, err: error }, 'could not free pool slots after a task observation; waking the run');
          return 'changed';
        }
      }
      return 'recorded';
    } catch (error) {
      if (!isConflictError(error)) throw error;
    }
  }
  // The run keeps changing under us; its own reconcile will look again (wake it, as for a change).
  return 'contended';
}
