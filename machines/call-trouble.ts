/**
 * Calls that keep failing in a way worth retrying, as the lifecycle records them (TryTrouble): a RunTask of the
 * current attempt and a StopTask (or the ListTasks search) of the current stop. Each failed try is counted, AWS's
 * words are kept, the next try waits a growing jittered delay, and the run's status shows it. Pure.
 */
import { equalJitterBackoffMs, type ExponentialBackoff } from '../controller/backoff.js';
import { CONDITION, currentAttempt, formatDelay, setConditions } from './run-status-ops.js';
import type { LifecycleContext, TryTrouble } from './run-types.js';

type Ctx = LifecycleContext;

/**
 * Between failed RunTask tries of one attempt: 1 s, 2 s, 4 s … at most a minute, equal jitter (half of it
 * fixed, so a run never comes back much sooner than planned; the other half spreads many runs that failed
 * together). Grows for every retryable error, throttles included; our own pacing does not count.
 */
export const LAUNCH_BACKOFF: ExponentialBackoff = { baseMs: 1_000, factor: 2, capMs: 60_000 };

/** The condition reasons a launch in trouble shows on Submitted. */
export const LAUNCH_TROUBLE_REASONS = { failing: 'LaunchFailing', held: 'LaunchHeld' } as const;

/**
 * Between failed StopTask tries of one stop: the launch's formula (1 s, 2 s, 4 s … at most a minute, equal
 * jitter). A stop has no deadline: the task keeps running (and costing) until ECS accepts it, so giving up
 * would only hide it; the cap keeps a broken endpoint at one call a minute per run.
 */
export const STOP_BACKOFF: ExponentialBackoff = LAUNCH_BACKOFF;

/** The reason the Stopped condition shows (status False) while StopTask keeps failing. */
export const STOP_TROUBLE_REASON = 'StopFailing';

/**
 * A RunTask try failed with an error worth retrying: count it, keep AWS's words, and wait a growing,
 * jittered delay before the next try. Shown on the Submitted condition and in the message.
 */
export function launchFailed(ctx: Ctx, reason: string, message: string, jitter: number, now: string): Ctx {
  const { trouble, delayMs } = failedTry(ctx.launchTrouble, LAUNCH_BACKOFF, reason, message, jitter, now);
  const number = currentAttempt(ctx.status)?.number ?? 0;
  const detail = `RunTask failing (${message}); ${triesFailed(trouble.failures)}, next try in ${formatDelay(delayMs)}`;
  return troubled({ ...ctx, launchTrouble: trouble }, LAUNCH_TROUBLE_REASONS.failing, `attempt ${number}: ${detail}`, now);
}

/** The trouble after one more failed try: counted, AWS's words kept, the next try after a growing jittered delay. */
function failedTry(previous: TryTrouble | undefined, backoff: ExponentialBackoff, reason: string, message: string, jitter: number, now: string): { trouble: TryTrouble; delayMs: number } {
  const failures = (previous?.failures ?? 0) + 1;
  const delayMs = equalJitterBackoffMs(backoff, failures, () => jitter);
  const retryAt = new Date(Date.parse(now) + delayMs).toISOString();
  return { trouble: { failures, since: previous?.since ?? now, reason, message, retryAt }, delayMs };
}

function triesFailed(failures: number): string {
  return failures === 1 ? '1 try failed' : `${failures} tries failed`;
}

/** Whether a troubled call may be tried again now (no backoff or breaker wait pending). */
function tryDue(trouble: TryTrouble | undefined, now: string): boolean {
  return trouble === undefined || Date.parse(now) >= Date.parse(trouble.retryAt);
}

/** RunTask was not sent because the cluster's breaker is open: wait for the probe, without counting a try. */
export function launchHeld(ctx: Ctx, reason: string, message: string, lastError: string, retryAt: string, now: string): Ctx {
  const number = currentAttempt(ctx.status)?.number ?? 0;
  const delayMs = Math.max(0, Date.parse(retryAt) - Date.parse(now));
  const trouble = { failures: ctx.launchTrouble?.failures ?? 0, since: ctx.launchTrouble?.since ?? now, reason, message: lastError, retryAt };
  return troubled({ ...ctx, launchTrouble: trouble }, LAUNCH_TROUBLE_REASONS.held, `attempt ${number}: ${message}; next try in ${formatDelay(delayMs)}`, now);
}

function troubled(ctx: Ctx, conditionReason: string, message: string, now: string): Ctx {
  const status = setConditions({ ...ctx.status, message }, [{ type: CONDITION.submitted, status: 'False', reason: conditionReason, message }], now);
  return { ...ctx, status };
}

/**
 * A StopTask try (or, while the attempt's task is not known, the ListTasks search for it) failed with an
 * error worth retrying: count it, keep AWS's words, wait a growing jittered delay. Shown on the Stopped
 * condition (False, StopFailing) and in the message; the stop itself is never abandoned.
 */
export function stopFailed(ctx: Ctx, reason: string, message: string, jitter: number, now: string): Ctx {
  const { trouble, delayMs } = failedTry(ctx.stopTrouble, STOP_BACKOFF, reason, message, jitter, now);
  const attempt = currentAttempt(ctx.status);
  const call = attempt?.taskArn === undefined ? 'ListTasks' : 'StopTask';
  const text = `stopping attempt ${attempt?.number ?? 0}: ${call} failing (${message}); ${triesFailed(trouble.failures)}, next try in ${formatDelay(delayMs)}`;
  const status = setConditions({ ...ctx.status, message: text }, [{ type: CONDITION.stopped, status: 'False', reason: STOP_TROUBLE_REASON, message: text }], now);
  return { ...ctx, status, stopTrouble: trouble };
}

/** Whether the stopping state may send StopTask (or search) now: no failed try's backoff pending. */
export function stopDue(ctx: Ctx, now: string): boolean {
  return tryDue(ctx.stopTrouble, now);
}

/** Whether the launching state may send RunTask now (no backoff or breaker wait pending). */
export function launchDue(ctx: Ctx, now: string): boolean {
  return tryDue(ctx.launchTrouble, now);
}
