/**
 * The run reconciler's decision, pure: from the run record, what was observed (its pool, the result of the
 * side effect performed just before) and the time, compute the lifecycle events to apply, the status to
 * write, the next side effect and when to look again. Level-triggered: nothing here depends on which event
 * woke the run; desired state (cancelRequested), deadlines (from condition transition times) and the
 * lifecycle's standing actions say everything.
 */
import type { PoolRecord } from '../../controller/api/pool.js';
import type { RunRecord } from '../../controller/api/run.js';
import { effectiveLaunch, resolveRunPolicy, usesSpot, type SpotFallback } from '../../controller/api/policy.js';
import type { Phase, RunStatus } from '../../controller/api/run-status.js';
import { isEscalation, type Random } from '../../controller/backoff.js';
import {
  launchRetryAt, nextDeadline, persistLifecycle, restoreLifecycle, standingActions, startLifecycle, stateOf, step, stopRetryAt, toRunStatus,
  type PersistedLifecycle, type RunSnapshot,
} from '../../machines/run-lifecycle.js';
import { lifecycleRetryPolicy, type LifecycleAction, type LifecycleEvent, type LifecycleInput } from '../../machines/run-types.js';
import { stableJson } from './stable-json.js';
import type { CallRetry, EffectResult, RunObserved } from './ports.js';

/** How long to wait before re-issuing StopTask for a task that is still stopping. */
export const STOP_RECHECK_MS = 15_000;
/** Fallback wait when a port asks to retry without saying how long. */
export const DEFAULT_RETRY_MS = 1_000;
/**
 * Runs held by an open breaker come back after its cool-down plus up to this much, so they do not all ask
 * at the same moment (they only read Redis then; the one that gets the probe lease calls RunTask).
 */
export const HELD_SPREAD_MS = 1_000;

/**
 * What the executor may do next: the lifecycle's own actions, plus a DescribeTasks of the current task
 * right before a timeout is enforced (the resync may not have seen it start, or stop, yet).
 */
export type RunEffect =
  | Exclude<LifecycleAction, { type: 'scheduleRetry' }>
  | { type: 'describeTask'; attempt: number; taskArn: string; clusterArn?: string };

export interface RunPlan {
  snapshot: RunSnapshot;
  status: RunStatus;
  lifecycle: PersistedLifecycle;
  /** Status or lifecycle differ from the record: write them (compare-and-set) before any effect. */
  write: boolean;
  accepted: LifecycleEvent[];
  rejected: { event: LifecycleEvent; reason: string }[];
  /** Phase changes (the user-facing vocabulary, as longshore_run_transitions_total counts them). */
  transitions: { from: Phase; to: Phase; event: LifecycleEvent['type'] }[];
  /** The one side effect to perform next, if any. */
  effect?: RunEffect;
  requeueAfterMs?: number;
  /** Set when the run cannot be planned at all (e.g. its pool is gone before it started). */
  blocked?: string;
  /**
   * Worth a warning in the log: a launch or a stop whose failures escalated (the 1st, 2nd, 4th, 8th … failed
   * try, or a different error than before), or a launch that ran out of time. Not every failed try: that
   * would flood the log.
   */
  warnings: { message: string; fields: Record<string, string | number> }[];
}

export function lifecycleInputFor(record: RunRecord, pool: PoolRecord): LifecycleInput {
  const policy = resolveRunPolicy(pool.spec, record.spec);
  const timeouts: LifecycleInput['timeouts'] = { startSeconds: policy.startSeconds, launchSeconds: policy.launchSeconds };
  if (policy.runSeconds !== undefined) timeouts.runSeconds = policy.runSeconds;
  const input: LifecycleInput = {
    runUid: record.metadata.uid,
    now: record.metadata.creationTimestamp,
    timeouts,
    retry: lifecycleRetryPolicy(policy, spotFallbackFor(record, pool)),
  };
  if (pool.spec.containerName !== undefined) input.containerName = pool.spec.containerName;
  return input;
}

/** The pool's spotFallback, for a run that launches on Fargate Spot (a run moved off Spot needs none). */
function spotFallbackFor(record: RunRecord, pool: PoolRecord): SpotFallback | undefined {
  if (pool.spec.spotFallback === undefined) return undefined;
  return usesSpot(effectiveLaunch(pool.spec, record.spec)) ? pool.spec.spotFallback : undefined;
}

/** `random` (uniform in [0, 1)) spreads retry times; injected so the plan stays a function of its inputs. */
export function planRun(record: RunRecord, observed: RunObserved, nowMs: number, random: Random = Math.random): RunPlan {
  const now = new Date(nowMs).toISOString();
  let snapshot: RunSnapshot;
  if (record.lifecycle !== undefined && record.lifecycle !== null) {
    snapshot = restoreLifecycle(record.lifecycle);
  } else if (observed.pool) {
    snapshot = startLifecycle(lifecycleInputFor(record, observed.pool)).snapshot;
  } else {
    return blockedPlan(record, `pool "${record.spec.pool}" not found`);
  }

  const plan: Omit<RunPlan, 'status' | 'lifecycle' | 'write' | 'snapshot'> = { accepted: [], rejected: [], transitions: [], warnings: [] };
  const apply = (event: LifecycleEvent): void => {
    const result = step(snapshot, event);
    if (!result.ok) {
      plan.rejected.push({ event, reason: result.reason });
      return;
    }
    plan.accepted.push(event);
    if (result.phase.from !== result.phase.to) plan.transitions.push({ ...result.phase, event: event.type });
    const warning = troubleWarning(snapshot, result.snapshot, event, record.metadata.name);
    if (warning) plan.warnings.push(warning);
    snapshot = result.snapshot;
  };
  const waits: number[] = [];

  // 1. What the last side effect found out.
  const fromEffect = effectEvent(snapshot, observed.effect, observed.pool, now, random);
  if (fromEffect.event) apply(fromEffect.event);
  if (fromEffect.retryAfterMs !== undefined) waits.push(fromEffect.retryAfterMs);

  // 2. Desired state.
  const cancelAcknowledged = toRunStatus(snapshot).conditions.some((c) => c.type === 'CancelRequested' && c.status === 'True');
  if (record.spec.cancelRequested && stateOf(snapshot) !== 'stopped' && !cancelAcknowledged) apply({ type: 'CANCEL_REQUESTED', now });

  // 3. Deadlines that have passed (a RETRY may open an attempt; nothing after it is due yet). A timeout is
  // enforced only on a fresh look at the task, so a task that just started or stopped is judged by that.
  let effect: RunEffect | undefined;
  for (let guard = 0; guard < 3; guard += 1) {
    const deadline = nextDeadline(snapshot);
    if (!deadline) break;
    if (deadline.at > nowMs) {
      waits.push(deadline.at - nowMs);
      break;
    }
    if (deadline.event === 'START_TIMEOUT' || deadline.event === 'RUN_TIMEOUT') {
      const attempt = toRunStatus(snapshot).attempts.at(-1);
      if (attempt?.taskArn && observed.effect?.type !== 'describeTask') {
        effect = { type: 'describeTask', attempt: attempt.number, taskArn: attempt.taskArn };
        if (attempt.clusterArn !== undefined) effect.clusterArn = attempt.clusterArn;
        break;
      }
    }
    const before = snapshot;
    apply({ type: deadline.event, now });
    if (snapshot === before) break;
  }

  // 4. The state's standing work, once per reconcile for each effect.
  const action = effect ? undefined : standingActions(snapshot, now).find((a): a is Exclude<LifecycleAction, { type: 'scheduleRetry' }> => a.type !== 'scheduleRetry');
  if (action && !alreadyDone(action, observed.effect) && !stopUnderway(action, snapshot)) effect = action;
  else if (action?.type === 'stopTask') waits.push(STOP_RECHECK_MS);
  else if (action && fromEffect.retryAfterMs === undefined) waits.push(DEFAULT_RETRY_MS);
  // A launch waiting out a failed try's backoff, or the breaker, comes back when that wait ends; so does a
  // stop waiting out a failed StopTask's backoff.
  for (const at of [launchRetryAt(snapshot), stopRetryAt(snapshot)]) {
    if (at !== undefined && at > nowMs) waits.push(at - nowMs);
  }

  const status: RunStatus = { ...toRunStatus(snapshot), observedGeneration: record.metadata.generation };
  // The failure tail is written by its own step (controller/logs/log-tail.ts), not by the lifecycle: keep it.
  if (record.status.logTail !== undefined) status.logTail = record.status.logTail;
  const lifecycle = persistLifecycle(snapshot);
  const write = stableJson(status) !== stableJson(record.status) || stableJson(lifecycle) !== stableJson(record.lifecycle);
  const result: RunPlan = { ...plan, snapshot, status, lifecycle, write };
  if (effect) result.effect = effect;
  if (waits.length > 0) result.requeueAfterMs = Math.max(0, Math.min(...waits));
  return result;
}

function blockedPlan(record: RunRecord, reason: string): RunPlan {
  const { snapshot } = startLifecycle({ runUid: record.metadata.uid, now: record.metadata.creationTimestamp });
  return {
    snapshot, status: record.status, lifecycle: persistLifecycle(snapshot), write: false,
    accepted: [], rejected: [], transitions: [], warnings: [], blocked: reason,
  };
}

/** lastStatus values ECS reports once a task is on its way down: a StopTask has nothing left to ask for. */
const STOP_UNDERWAY = new Set(['DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED']);

/**
 * A StopTask for a task ECS already reports as stopping would only spend clusterResourceModify tokens
 * (shared with RunTask): every wake-up of a stopping run (each observed status change, and the write that
 * recorded StopTask's own answer) would repeat it. ECS has accepted a stop once an API answer (StopTask's
 * own, or DescribeTasks) recorded stopCode UserInitiated: the task is still RUNNING for a moment, but its
 * desiredStatus is STOPPED, so a second StopTask changes nothing (issue 10: two StopTask per cancelled task).
 */
function stopUnderway(action: Exclude<LifecycleAction, { type: 'scheduleRetry' }>, snapshot: RunSnapshot): boolean {
  if (action.type !== 'stopTask' || action.taskArn === undefined) return false;
  const attempt = toRunStatus(snapshot).attempts.find((a) => a.number === action.attempt);
  if (attempt?.taskArn !== action.taskArn) return false;
  return (attempt.lastStatus !== undefined && STOP_UNDERWAY.has(attempt.lastStatus)) || attempt.stopCode === STOP_ACCEPTED_CODE;
}

/** The stopCode ECS gives a task a StopTask was accepted for (docs/ecs-facts.md#stop-codes). */
const STOP_ACCEPTED_CODE = 'UserInitiated';

function alreadyDone(action: Exclude<LifecycleAction, { type: 'scheduleRetry' }>, done: EffectResult | undefined): boolean {
  if (done?.type === 'launchDeferred') return action.type === 'runTask' && done.attempt === action.attempt;
  if (!done || done.type !== action.type) return false;
  if (action.type === 'resolveTaskDefinition' || action.type === 'finalize') return true;
  if (!('attempt' in done) || done.attempt !== action.attempt) return false;
  // A search that found the task leads to a StopTask by ARN: a different effect, still to do.
  if (done.type === 'stopTask' && done.outcome.kind === 'found') return action.type === 'stopTask' && action.taskArn === undefined;
  return true;
}

interface EffectEvent {
  event?: LifecycleEvent;
  retryAfterMs?: number;
}

/** Turns a side effect's result into the observation event it stands for, if it still concerns this state. */
function effectEvent(snapshot: RunSnapshot, effect: EffectResult | undefined, pool: PoolRecord | null, now: string, random: Random): EffectEvent {
  if (!effect) return {};
  const attempt = toRunStatus(snapshot).attempts.at(-1);
  if (effect.type === 'resolveTaskDefinition') {
    const r = effect.resolution;
    if ('arn' in r) return { event: { type: 'TASKDEF_RESOLVED', taskDefinitionArn: r.arn, now } };
    if ('failed' in r) return { event: { type: 'TASKDEF_FAILED', message: r.failed, now } };
    if (r.failing) {
      const { reason, message, failures } = r.failing;
      return { event: { type: 'REGISTRATION_FAILING', reason, message, failures, now }, retryAfterMs: r.waitingMs };
    }
    return { event: { type: 'WAITING', reason: 'Registering', message: 'waiting for the task definition to be registered', now }, retryAfterMs: r.waitingMs };
  }
  if (effect.type === 'finalize') return { event: effect.cost === undefined ? { type: 'FINALIZED', now } : { type: 'FINALIZED', cost: effect.cost, now } };
  if (attempt?.number !== effect.attempt) return {};
  if (effect.type === 'runTask') return launchEvent(effect.outcome, pool, now, random);
  if (effect.type === 'describeTask') {
    const o = effect.outcome;
    if (o.kind === 'observed') return { event: { type: 'TASK_OBSERVED', ...o.task, now } };
    // MISSING this early may be ECS's eventual consistency; the timeout and its StopTask settle it.
    return o.kind === 'retry' ? { retryAfterMs: o.retryAfterMs ?? DEFAULT_RETRY_MS } : {};
  }
  if (effect.type === 'launchDeferred') {
    return { event: { type: 'WAITING', reason: effect.reason, message: effect.message, now }, retryAfterMs: effect.retryAfterMs };
  }
  const o = effect.outcome;
  switch (o.kind) {
    case 'observed':
      return { event: { type: 'TASK_OBSERVED', ...o.task, now } };
    case 'missing':
      return { event: { type: 'TASK_MISSING', taskArn: attempt.taskArn, now } };
    case 'found':
      return { event: { type: 'SUBMITTED', taskArn: o.taskArn, clusterArn: o.clusterArn, now } };
    case 'none':
      return { event: { type: 'TASK_MISSING', now } };
    case 'retry':
      return stopRetryEvent(o, now, random);
  }
}

/**
 * A StopTask (or search) that did not go through. Our own pacing keeps the run's place in the budget's line;
 * a throttle or a 5xx is a failed try of the stop, which backs off growing (STOP_FAILED).
 */
function stopRetryEvent(retry: CallRetry, now: string, random: Random): EffectEvent {
  if (retry.cause === 'throttled' || retry.cause === 'transient') {
    return { event: { type: 'STOP_FAILED', reason: retry.reason, message: retry.message, jitter: random(), now } };
  }
  return { retryAfterMs: retry.retryAfterMs ?? DEFAULT_RETRY_MS };
}

function launchEvent(outcome: Extract<EffectResult, { type: 'runTask' }>['outcome'], pool: PoolRecord | null, now: string, random: Random): EffectEvent {
  const cluster = pool?.spec.cluster ?? 'default';
  switch (outcome.kind) {
    case 'launched':
      return { event: { type: 'SUBMITTED', taskArn: outcome.taskArn, clusterArn: outcome.clusterArn ?? cluster, now } };
    case 'conflict': {
      const taskArn = outcome.taskArns[0];
      if (taskArn) return { event: { type: 'SUBMITTED', taskArn, clusterArn: cluster, now } };
      return { event: { type: 'SUBMIT_FAILED', retryable: true, reason: 'ClientTokenConflict', message: outcome.message, now } };
    }
    case 'infrastructure':
      return { event: { type: 'SUBMIT_FAILED', retryable: true, reason: outcome.reason, message: outcome.message, now } };
    case 'terminal':
      return { event: { type: 'SUBMIT_FAILED', retryable: false, reason: outcome.reason, message: outcome.message, now } };
    case 'stale-task-definition':
      return { event: { type: 'TASKDEF_STALE', message: outcome.message, now } };
    case 'retry':
      // Our own pacing is a place in the waiting line, not a failure: it neither grows the backoff nor
      // starts the launch deadline. Every other retryable answer is a failed try of this attempt.
      if (outcome.cause === 'pacing') return { retryAfterMs: outcome.retryAfterMs ?? DEFAULT_RETRY_MS };
      return { event: { type: 'LAUNCH_FAILED', reason: outcome.reason, message: outcome.message, jitter: random(), now } };
    case 'held': {
      const retryAt = new Date(Date.parse(now) + outcome.retryAfterMs + Math.floor(random() * HELD_SPREAD_MS)).toISOString();
      return { event: { type: 'LAUNCH_HELD', reason: outcome.reason, message: outcome.message, lastError: outcome.lastError, retryAt, now } };
    }
  }
}

/** A warning for a launch or a stop in trouble, once per escalation (see RunPlan.warnings). */
function troubleWarning(before: RunSnapshot, after: RunSnapshot, event: LifecycleEvent, run: string): RunPlan['warnings'][number] | undefined {
  const attempt = toRunStatus(after).attempts.at(-1)?.number ?? 0;
  if (event.type === 'LAUNCH_TIMEOUT') {
    return { message: 'launch timed out', fields: { run, attempt, status: toRunStatus(after).message ?? '' } };
  }
  if (event.type === 'REGISTRATION_TIMEOUT') {
    return { message: 'task definition registration timed out', fields: { run, status: toRunStatus(after).message ?? '' } };
  }
  const which = event.type === 'LAUNCH_FAILED' ? 'launchTrouble' : event.type === 'STOP_FAILED' ? 'stopTrouble' : undefined;
  if (which === undefined) return undefined;
  const previous = before.context[which];
  const now = after.context[which];
  if (!now || !isEscalation(now.failures, previous?.reason, now.reason)) return undefined;
  return {
    message: which === 'launchTrouble' ? 'RunTask keeps failing' : 'StopTask keeps failing',
    fields: { run, attempt, failures: now.failures, reason: now.reason, error: now.message, retryAt: now.retryAt },
  };
}

