/**
 * The actions (side effects as data) the lifecycle asks for, built from its context: the work the machine's
 * states declare (requested on entry, and again as standing actions after a crash).
 */
import { currentAttempt } from './run-status-ops.js';
import type { LifecycleAction, LifecycleContext } from './run-types.js';

type Ctx = LifecycleContext;

export function stopReason(ctx: Ctx): string {
  if (ctx.stopIntent === 'cancel') return 'Longshore: run cancelled';
  if (ctx.stopIntent === 'start-timeout') return `Longshore: not running ${ctx.timeouts.startSeconds}s after submit`;
  return `Longshore: run exceeded ${ctx.timeouts.runSeconds ?? 0}s`;
}

/** The launch's idempotency token is derived from run and attempt where RunTask is built (reconcilers/launch/identity.ts). */
export function runTaskAction(ctx: Ctx): LifecycleAction {
  const attempt = currentAttempt(ctx.status)?.number ?? 1;
  return ctx.onDemand === undefined ? { type: 'runTask', attempt } : { type: 'runTask', attempt, onDemand: true };
}

export function stopTaskAction(ctx: Ctx): LifecycleAction {
  const attempt = currentAttempt(ctx.status);
  const action: LifecycleAction = { type: 'stopTask', attempt: attempt?.number ?? 0, reason: stopReason(ctx) };
  if (attempt?.taskArn !== undefined) action.taskArn = attempt.taskArn;
  if (attempt?.clusterArn !== undefined) action.clusterArn = attempt.clusterArn;
  return action;
}

export function finalizeAction(ctx: Ctx): LifecycleAction {
  return { type: 'finalize', outcome: ctx.status.outcome ?? 'crashed' };
}

export function scheduleRetryAction(ctx: Ctx, now: string): LifecycleAction {
  const retryAt = ctx.retryAt ?? now;
  const next = (currentAttempt(ctx.status)?.number ?? 0) + 1;
  return { type: 'scheduleRetry', attempt: next, delayMs: Math.max(0, Date.parse(retryAt) - Date.parse(now)), retryAt };
}
