/**
 * What one stored status change of a run means for the run metrics, decided from the status before and
 * after the write: attempts begun (each after the first is a retry, labelled with why the one before ended)
 * and attempts whose task was first seen started (submit → running). Counted at the write that made the
 * change, so once per change across all replicas (compare-and-set lets only one writer win), and when it
 * happens rather than when the run ends.
 */
import type { RunStatus } from './api/run-status.js';
import { retryReasonLabel, type ControllerMetrics, type RetryReason } from './metrics.js';

export interface AttemptChanges {
  /** One entry per attempt begun after an earlier one: why the earlier one ended. */
  retries: RetryReason[];
  /** Seconds from submission to start, one per attempt first seen started. */
  submitToRunningSeconds: number[];
}

export function attemptChanges(before: Pick<RunStatus, 'attempts'>, after: Pick<RunStatus, 'attempts'>): AttemptChanges {
  const known = new Map(before.attempts.map((attempt) => [attempt.number, attempt]));
  const retries: RetryReason[] = [];
  const submitToRunningSeconds: number[] = [];
  for (const attempt of after.attempts) {
    const previous = known.get(attempt.number);
    if (!previous && attempt.number > 1) {
      const ended = after.attempts.find((a) => a.number === attempt.number - 1);
      retries.push(retryReasonLabel(ended?.failureReason));
    }
    if (attempt.startedAt && attempt.submittedAt && !previous?.startedAt) {
      const seconds = (Date.parse(attempt.startedAt) - Date.parse(attempt.submittedAt)) / 1000;
      if (seconds >= 0) submitToRunningSeconds.push(seconds);
    }
  }
  return { retries, submitToRunningSeconds };
}

/** Records a written status change of a run of `pool` into the run metrics. */
export function recordStatusWrite(metrics: Pick<ControllerMetrics, 'poolLabel' | 'runRetries' | 'runSubmitToRunning'>, pool: string, before: Pick<RunStatus, 'attempts'>, after: Pick<RunStatus, 'attempts'>): void {
  const changes = attemptChanges(before, after);
  // poolLabel bounds the label values and creates the pool's series at 0 the first time it is seen.
  for (const reason of changes.retries) metrics.runRetries.inc({ reason, pool: metrics.poolLabel(pool) });
  for (const seconds of changes.submitToRunningSeconds) metrics.runSubmitToRunning.observe(seconds);
}
