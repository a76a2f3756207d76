/**
 * What one stored status change of a run means for the run metrics, decided from the status before and
 * after the write: attempts begun (each after the first is a retry, labelled with why the one before ended),
 * attempts whose task was first seen started (submit → running) and the first attempt a Spot → on-demand
 * fallback sends on-demand.
 * Counted at the write that made the change, so once per change across all replicas (compare-and-set lets
 * only one writer win; a reconcile that runs again reads the changed status as its `before`), and when it
 * happens rather than when the run ends.
 */
import type { RunStatus, SpotFallbackStatus } from './api/run-status.js';
import { retryReasonLabel, type ControllerMetrics, type RetryReason } from './metrics.js';

/** The part of a run's status the run metrics are decided from. */
export type ObservedStatus = Pick<RunStatus, 'attempts'> & Partial<Pick<RunStatus, 'spotFallback'>>;

export interface AttemptChanges {
  /** One entry per attempt begun after an earlier one: why the earlier one ended. */
  retries: RetryReason[];
  /** Seconds from submission to start, one per attempt first seen started. */
  submitToRunningSeconds: number[];
  /** Why the run went on-demand, when this write opened its first on-demand attempt. */
  spotFallback?: SpotFallbackStatus['reason'];
}

export function attemptChanges(before: ObservedStatus, after: ObservedStatus): AttemptChanges {
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
  // A run falls back at most once (the lifecycle never moves it back to Spot). It is counted at the write
  // that opens its first on-demand attempt rather than the one that records status.spotFallback: a run
  // whose retry budget was spent by the same failure records the decision but never runs on-demand.
  const fallback = after.spotFallback;
  if (fallback !== undefined && !known.has(fallback.fromAttempt)
    && after.attempts.some((a) => a.number === fallback.fromAttempt && a.requestedCapacity === 'on-demand')) {
    return { retries, submitToRunningSeconds, spotFallback: fallback.reason };
  }
  return { retries, submitToRunningSeconds };
}

/** Records a written status change of a run of `pool` into the run metrics. */
export function recordStatusWrite(
  metrics: Pick<ControllerMetrics, 'runRetries' | 'runSubmitToRunning' | 'spotFallbacks' | 'poolLabel'>,
  pool: string,
  before: ObservedStatus,
  after: ObservedStatus,
): void {
  const changes = attemptChanges(before, after);
  // poolLabel bounds the label values and creates the pool's series at 0 the first time it is seen.
  for (const reason of changes.retries) metrics.runRetries.inc({ reason, pool: metrics.poolLabel(pool) });
  for (const seconds of changes.submitToRunningSeconds) metrics.runSubmitToRunning.observe(seconds);
  if (changes.spotFallback !== undefined) metrics.spotFallbacks.inc({ pool: metrics.poolLabel(pool), reason: changes.spotFallback });
}
