/**
 * The lifecycle's decisions as pure functions of (context, event). The XState machine (run-machine.ts) only
 * wires them to states: assigns store what they return, guards read the decision it left in the context.
 * The status's phase is not written here: entering a state sets it from the state's declaration.
 */
import { initialRunStatus, type Attempt, type RunCost, type RunStatus } from '../controller/api/run-status.js';
import { backoffMs, type ExponentialBackoff } from '../controller/backoff.js';
import { STOP_TROUBLE_REASON } from './call-trouble.js';
import { classifyStop, type StopClassification } from './classify-stop.js';
import {
  CONDITION,
  currentAttempt,
  formatDelay,
  patchCurrentAttempt,
  setConditions,
} from './run-status-ops.js';
import {
  DEFAULT_LAUNCH_TIMEOUT_SECONDS,
  DEFAULT_RETRY_POLICY,
  DEFAULT_START_TIMEOUT_SECONDS,
  type LifecycleContext,
  type LifecycleInput,
  type TaskObservation,
} from './run-types.js';

type Ctx = LifecycleContext;

/** Failure reasons the lifecycle itself gives an attempt that may be retried; classifyStop gives the others. */
export const LIFECYCLE_FAILURE_REASONS = {
  taskMissing: 'TaskMissing', startTimeout: 'StartTimeout', launchTimeout: 'LaunchTimeout', registrationTimeout: 'RegistrationTimeout',
} as const;



export function initialContext(input: LifecycleInput): Ctx {
  const status: RunStatus = { ...initialRunStatus(), message: 'waiting for the task definition' };
  const ctx: Ctx = {
    runUid: input.runUid,
    retry: { ...DEFAULT_RETRY_POLICY, ...input.retry },
    timeouts: { startSeconds: DEFAULT_START_TIMEOUT_SECONDS, launchSeconds: DEFAULT_LAUNCH_TIMEOUT_SECONDS, ...input.timeouts },
    status: setConditions(status, [{ type: CONDITION.taskDefinitionResolved, status: 'False', reason: 'Pending' }], input.now),
    infrastructureFailures: 0,
    exitCodeFailures: 0,
    spotInterruptions: 0,
  };
  if (input.containerName !== undefined) ctx.containerName = input.containerName;
  return ctx;
}

export function taskDefinitionResolved(ctx: Ctx, taskDefinitionArn: string, now: string): Ctx {
  const status = setConditions(
    { ...ctx.status, taskDefinitionArn },
    [{ type: CONDITION.taskDefinitionResolved, status: 'True', reason: 'Resolved', message: taskDefinitionArn }],
    now,
  );
  return startAttempt({ ...ctx, status, registrationTrouble: undefined }, now);
}

/**
 * RunTask refusals of the resolved revision an attempt may meet before resolving again waits: a definition
 * that is registered again and refused again (ECS's eventual consistency right after a registration, or
 * someone deleting revisions as fast as they appear) must not spin. Beyond this, each resolve waits longer.
 */
export const STALE_TASK_DEFINITIONS_FREE = 2;
export const STALE_TASK_DEFINITION_BACKOFF: ExponentialBackoff = { baseMs: 5_000, capMs: 300_000 };

/**
 * The resolved revision cannot be launched: forget it and the attempt that never launched, resolve again —
 * at once for the first refusals of this attempt, after a growing wait (retryAt) beyond them.
 */
export function taskDefinitionStale(ctx: Ctx, message: string, now: string): Ctx {
  const attempt = currentAttempt(ctx.status)?.number ?? 1;
  const previous = ctx.staleTaskDefinitions;
  const count = previous?.attempt === attempt ? previous.count + 1 : 1;
  const waitMs = count > STALE_TASK_DEFINITIONS_FREE ? backoffMs(STALE_TASK_DEFINITION_BACKOFF, count - STALE_TASK_DEFINITIONS_FREE) : 0;
  const retryAt = waitMs > 0 ? new Date(Date.parse(now) + waitMs).toISOString() : undefined;
  const next = waitMs > 0 ? `; next resolve in ${formatDelay(waitMs)}` : '';
  const times = count === 1 ? '' : ` (refused ${count} times for attempt ${attempt}${next})`;
  const attempts = ctx.status.attempts.slice(0, -1);
  const status = setConditions(
    { ...ctx.status, attempts, taskDefinitionArn: undefined, message: `resolving the task definition again${times}: ${message}` },
    [
      { type: CONDITION.taskDefinitionResolved, status: 'False', reason: 'Stale', message: `${message}${times}` },
      { type: CONDITION.submitted, status: 'False', reason: 'WaitingForTaskDefinition' },
    ],
    now,
  );
  return { ...ctx, status, staleTaskDefinitions: { attempt, count }, retryAt };
}

/** The condition reason a run shows on TaskDefinitionResolved while its registration keeps failing. */
export const REGISTRATION_TROUBLE_REASON = 'RegistrationFailing';

/**
 * The registration the run waits for keeps failing with an error worth retrying (the registration worker
 * backs off and retries it): show AWS's error on TaskDefinitionResolved, and remember since when this run
 * has seen it, for the registration deadline.
 */
export function registrationFailing(ctx: Ctx, reason: string, message: string, failures: number, now: string): Ctx {
  const tries = failures === 1 ? '1 try' : `${failures} tries`;
  const text = `waiting for the task definition: RegisterTaskDefinition failing (${message}); ${tries} failed`;
  const since = ctx.registrationTrouble?.since ?? now;
  return { ...waiting(ctx, REGISTRATION_TROUBLE_REASON, text, now), registrationTrouble: { since, reason, message } };
}

/**
 * No task definition within timeouts.launchSeconds of the run first seeing its registration fail: the run
 * ends crashed (an infrastructure outcome: AWS kept failing, the definition itself was not refused) with the
 * last error. No attempt was made, so there is nothing for the retry budget to repeat: the registration was
 * already being retried all along.
 */
export function endByRegistrationTimeout(ctx: Ctx, now: string): Ctx {
  const last = ctx.registrationTrouble ? `; last error: ${ctx.registrationTrouble.message}` : '';
  const message = `crashed: the task definition was not registered within ${ctx.timeouts.launchSeconds}s of the first failed registration try${last}`;
  return finish({ ...ctx, registrationTrouble: undefined }, 'crashed', LIFECYCLE_FAILURE_REASONS.registrationTimeout, message, now);
}

/** Records why the run is not moving yet, on the condition its current step waits for. */
export function waiting(ctx: Ctx, reason: string, message: string, now: string): Ctx {
  const type = ctx.status.phase === 'pending' ? CONDITION.taskDefinitionResolved : CONDITION.submitted;
  const status = setConditions({ ...ctx.status, message }, [{ type, status: 'False', reason, message }], now);
  return { ...ctx, status };
}

/** Opens the next attempt; its RunTask is the reconciler's next side effect. */
export function startAttempt(ctx: Ctx, now: string): Ctx {
  const number = ctx.status.attempts.length + 1;
  const attempt: Attempt = ctx.onDemand === undefined ? { number } : { number, requestedCapacity: 'on-demand' };
  const status = setConditions(
    { ...ctx.status, attempts: [...ctx.status.attempts, attempt] },
    [
      { type: CONDITION.submitted, status: 'False', reason: 'Launching', message: `launching attempt ${number}` },
      { type: CONDITION.running, status: 'False', reason: 'NotSubmitted' },
    ],
    now,
  );
  // Explicit undefined, not delete: XState's assign merges the returned object into the old context.
  const message = `launching attempt ${number}`;
  return {
    ...ctx, status: { ...status, message }, retryAt: undefined, observedVersion: undefined, describedVersion: undefined, stopIntent: undefined,
    launchTrouble: undefined, stopTrouble: undefined,
  };
}

/**
 * While stopping, an observation of the task: record it; once ECS reports the stop accepted (desiredStatus
 * STOPPED, as StopTask's own answer does) a past failure no longer matters, so the trouble is cleared.
 */
export function recordStoppingObservation(ctx: Ctx, obs: TaskObservation): Ctx {
  const recorded = recordObservation(ctx, obs);
  if (ctx.stopTrouble === undefined || obs.desiredStatus !== 'STOPPED') return recorded;
  const number = currentAttempt(ctx.status)?.number ?? 0;
  const cleared = withoutStopTrouble(recorded);
  return { ...cleared, status: { ...cleared.status, message: `stopping attempt ${number}: ECS accepted the stop` } };
}

/** Forgets a stop's trouble and the Stopped=False condition that showed it (the stop went through). */
function withoutStopTrouble(ctx: Ctx): Ctx {
  if (ctx.stopTrouble === undefined) return ctx;
  const conditions = ctx.status.conditions.filter((c) => !(c.type === CONDITION.stopped && c.reason === STOP_TROUBLE_REASON));
  return { ...ctx, status: { ...ctx.status, conditions }, stopTrouble: undefined };
}

/**
 * No RunTask of this attempt was accepted within timeouts.launchSeconds of its first failed try: the attempt
 * ends as an infrastructure failure with the last error, and the retry policy decides. (A try that timed out
 * may still have launched a task; the orphan sweep adopts or stops it, as after any lost launch.)
 */
export function endAttemptByLaunchTimeout(ctx: Ctx, now: string): AttemptEnding {
  const trouble = ctx.launchTrouble;
  const last = trouble ? `; last error: ${trouble.message}` : '';
  const explanation = `no task launched within ${ctx.timeouts.launchSeconds}s of the first RunTask try${last}`;
  const classification: StopClassification = {
    kind: 'infrastructure', outcome: 'crashed', failureReason: LIFECYCLE_FAILURE_REASONS.launchTimeout, exitCode: null, explanation,
  };
  return endAttempt({ ...ctx, launchTrouble: undefined }, classification, now, LIFECYCLE_FAILURE_REASONS.launchTimeout);
}

export function submitted(ctx: Ctx, taskArn: string, clusterArn: string, now: string): Ctx {
  const attempt = currentAttempt(ctx.status)?.number ?? 0;
  let status = patchCurrentAttempt(ctx.status, { taskArn, clusterArn, submittedAt: now });
  if (ctx.stopIntent !== undefined) {
    // The task of an interrupted launch was found while stopping: track it, keep the conditions.
    return { ...ctx, status: { ...status, message: `stopping task ${taskArn} of attempt ${attempt}` }, launchTrouble: undefined };
  }
  status = setConditions(status, [{ type: CONDITION.submitted, status: 'True', reason: 'TaskCreated', message: taskArn }], now);
  return { ...ctx, status: { ...status, message: `attempt ${attempt} submitted as ${taskArn}` }, launchTrouble: undefined };
}

/**
 * Records what ECS said about the current attempt's task, nothing else. An API answer is recorded whole. An
 * event is a hint (see ObservationSource): it may report progress (lastStatus short of STOPPED, startedAt)
 * but records no stop facts, since those decide how the attempt is classified and only the DescribeTasks
 * that confirms the stop may supply them.
 */
export function recordObservation(ctx: Ctx, obs: TaskObservation): Ctx {
  const fromApi = obs.source === 'describe';
  const status = fromApi
    ? patchCurrentAttempt(ctx.status, {
        lastStatus: obs.lastStatus,
        stopCode: obs.stopCode,
        stoppedReason: obs.stoppedReason,
        startedAt: obs.startedAt,
        stoppedAt: obs.stoppedAt,
        launchType: obs.launchType,
        capacityProvider: obs.capacityProviderName,
        pullStartedAt: obs.pullStartedAt,
        cpu: obs.cpu,
        memory: obs.memory,
        cpuArchitecture: obs.cpuArchitecture,
      })
    : patchCurrentAttempt(ctx.status, {
        lastStatus: isStoppedObservation(obs) ? undefined : obs.lastStatus,
        startedAt: obs.startedAt,
      });
  const next: Ctx = { ...ctx, status };
  if (obs.version !== undefined) {
    next.observedVersion = Math.max(obs.version, ctx.observedVersion ?? obs.version);
    if (fromApi) next.describedVersion = Math.max(obs.version, ctx.describedVersion ?? obs.version);
  }
  return next;
}

export function markRunning(ctx: Ctx, obs: TaskObservation, now: string): Ctx {
  const recorded = recordObservation(ctx, obs);
  const attempt = currentAttempt(recorded.status);
  const status = patchCurrentAttempt(recorded.status, { startedAt: obs.startedAt ?? attempt?.startedAt ?? now });
  const withConditions = setConditions(status, [{ type: CONDITION.running, status: 'True', reason: 'TaskRunning' }], now);
  const message = `attempt ${attempt?.number ?? 0} running`;
  return { ...recorded, status: { ...withConditions, message } };
}

/**
 * True when the observation belongs to the current attempt's task and is not older than what its source may
 * be compared with: an API answer with what the API said before (never with an event, whose version anyone
 * could have written), an event with every version seen (so duplicates and reordered events change nothing).
 */
export function isCurrentObservation(ctx: Ctx, obs: TaskObservation): boolean {
  if (currentAttempt(ctx.status)?.taskArn !== obs.taskArn) return false;
  const known = obs.source === 'describe' ? ctx.describedVersion : ctx.observedVersion;
  return obs.version === undefined || known === undefined || obs.version >= known;
}

/** Only an API answer ends an attempt: an event saying STOPPED asks for a DescribeTasks instead (task-events.ts). */
export function concludesAttempt(obs: TaskObservation): boolean {
  return obs.source === 'describe' && isStoppedObservation(obs);
}

export function isStoppedObservation(obs: TaskObservation): boolean {
  return obs.lastStatus === 'STOPPED' || obs.lastStatus === 'DELETED';
}

/**
 * How an attempt ends: the context either schedules the next attempt (retryAt set, no outcome) or concludes
 * the run (finish set its outcome). The machine's attemptEnded choice reads which.
 */
export type AttemptEnding = Ctx;

/** The task stopped on its own (not stopped by Longshore): classify it and decide retry or outcome. */
export function endAttemptByStop(ctx: Ctx, obs: TaskObservation, now: string): AttemptEnding {
  const recorded = recordObservation(ctx, obs);
  const attempt = currentAttempt(recorded.status);
  // Facts seen earlier (e.g. a Spot TerminationNotice while RUNNING) still count if the final report omits them.
  const classification = classifyStop(
    {
      stopCode: obs.stopCode ?? attempt?.stopCode,
      stoppedReason: obs.stoppedReason ?? attempt?.stoppedReason,
      containers: obs.containers,
    },
    ctx.containerName,
  );
  return endAttempt(recorded, classification, now);
}

/** The task vanished from ECS (DescribeTasks MISSING): conclude from what is known of it. */
export function endAttemptByMissingTask(ctx: Ctx, now: string): AttemptEnding {
  const attempt = currentAttempt(ctx.status);
  const knownStop = attempt?.stopCode !== undefined || attempt?.stoppedReason !== undefined;
  if (knownStop) {
    const facts = { stopCode: attempt?.stopCode, stoppedReason: attempt?.stoppedReason };
    const classification = classifyStop(facts, ctx.containerName);
    if (classification.kind !== 'exit' && classification.failureReason !== 'MissingExitCode') {
      return endAttempt(ctx, classification, now);
    }
  }
  const lost: StopClassification = {
    kind: 'infrastructure',
    outcome: 'crashed',
    failureReason: LIFECYCLE_FAILURE_REASONS.taskMissing,
    exitCode: null,
    explanation: 'ECS no longer knows the task, so its exit code is lost',
  };
  return endAttempt(ctx, lost, now);
}

export function endAttemptBySubmitFailure(ctx: Ctx, reason: string, message: string, retryable: boolean, now: string): AttemptEnding {
  const explanation = `RunTask failed (${reason}): ${message}`;
  if (!retryable) {
    return finish(withFailure(ctx, reason), 'failed', 'SubmitFailed', `failed: ${explanation}`, now);
  }
  const classification: StopClassification = {
    kind: 'infrastructure', outcome: 'crashed', failureReason: reason, exitCode: null, explanation,
  };
  return endAttempt(ctx, classification, now);
}

/** Longshore stopped the task (cancel or timeout) and ECS confirmed it, or it is gone. */
export function endAttemptByIntent(stopping: Ctx, obs: TaskObservation | undefined, now: string): AttemptEnding {
  const ctx = withoutStopTrouble(stopping);
  const recorded = obs ? recordObservation(ctx, obs) : ctx;
  const exitCode = obs ? classifyStop(obs, ctx.containerName).exitCode : null;
  const withExit = obs ? { ...recorded, status: patchCurrentAttempt(recorded.status, { exitCode }) } : recorded;
  if (ctx.stopIntent === 'cancel') {
    return finish(withExit, 'cancelled', 'Cancelled', 'cancelled: the task was stopped', now);
  }
  if (ctx.stopIntent === 'start-timeout') {
    const timeout = `the task was not running ${ctx.timeouts.startSeconds}s after it was submitted`;
    if (ctx.retry.retryStartTimeout) {
      const classification: StopClassification = {
        kind: 'infrastructure', outcome: 'crashed', failureReason: LIFECYCLE_FAILURE_REASONS.startTimeout, exitCode, explanation: timeout,
      };
      return endAttempt(withExit, classification, now, 'TimedOut', 'timed-out');
    }
    return finish(withFailure(withExit, LIFECYCLE_FAILURE_REASONS.startTimeout), 'timed-out', 'StartTimeout', `timed out: ${timeout}`, now);
  }
  const runTimeout = `timed out: the task ran longer than ${ctx.timeouts.runSeconds ?? 0}s`;
  return finish(withFailure(withExit, 'RunTimeout'), 'timed-out', 'RunTimeout', runTimeout, now);
}

function withFailure(ctx: Ctx, failureReason: string): Ctx {
  return { ...ctx, status: patchCurrentAttempt(ctx.status, { failureReason }) };
}

/**
 * Applies budgets: infrastructure failures retry while `infrastructureAttempts` lasts, listed exit codes
 * while `exitCodeAttempts` lasts; anything else ends the run with the classification's outcome.
 */
function endAttempt(
  ctx: Ctx,
  c: StopClassification,
  now: string,
  finalReason?: string,
  exhaustedOutcome: 'crashed' | 'timed-out' = 'crashed',
): AttemptEnding {
  let next: Ctx = { ...ctx, status: patchCurrentAttempt(ctx.status, { exitCode: c.exitCode, failureReason: c.failureReason }) };
  const number = currentAttempt(next.status)?.number ?? 0;
  if (c.kind === 'infrastructure') {
    next = withSpotFallback({ ...next, infrastructureFailures: ctx.infrastructureFailures + 1 }, c.failureReason, number);
    if (next.infrastructureFailures < ctx.retry.infrastructureAttempts) return scheduleRetry(next, c, now);
    const budget = `infrastructure budget of ${ctx.retry.infrastructureAttempts} attempt(s) spent`;
    const outcome = exhaustedOutcome;
    return finish(next, outcome, finalReason ?? 'InfrastructureFailure', `${outcome}: attempt ${number}: ${c.explanation}; ${budget}`, now);
  }
  if (c.outcome === 'failed' && c.exitCode !== null && ctx.retry.onExitCodes.includes(c.exitCode)) {
    next = { ...next, exitCodeFailures: ctx.exitCodeFailures + 1 };
    if (next.exitCodeFailures < ctx.retry.exitCodeAttempts) return scheduleRetry(next, c, now);
    const budget = `exit-code retry budget of ${ctx.retry.exitCodeAttempts} attempt(s) spent`;
    return finish(next, 'failed', 'ExitCode', `failed: attempt ${number}: ${c.explanation}; ${budget}`, now);
  }
  const reason = finalReason ?? (c.outcome === 'succeeded' ? 'Succeeded' : (c.failureReason ?? 'Failed'));
  return finish(next, c.outcome, reason, `${c.outcome}: ${c.explanation}`, now);
}

/** Failure reasons that count toward spotFallback: a Spot interruption, and RunTask finding no capacity. */
export const SPOT_INTERRUPTION_REASON = 'SpotInterruption';
export const CAPACITY_UNAVAILABLE_REASON = 'CapacityUnavailable';

/**
 * Counts a Spot interruption and decides whether the run's next attempts go on-demand: after
 * spotFallback.afterInterruptions interruptions, or at once when Fargate Spot had no capacity and
 * onCapacityUnavailable is set. Only attempts that asked for Spot count (an on-demand attempt is neither).
 */
function withSpotFallback(ctx: Ctx, failureReason: string | undefined, number: number): Ctx {
  const policy = ctx.retry.spotFallback;
  if (policy === undefined || ctx.onDemand !== undefined) return ctx;
  if (failureReason === SPOT_INTERRUPTION_REASON) {
    const spotInterruptions = ctx.spotInterruptions + 1;
    const reached = policy.afterInterruptions !== undefined && spotInterruptions >= policy.afterInterruptions;
    return reached ? fallBack({ ...ctx, spotInterruptions }, 'interruptions', number) : { ...ctx, spotInterruptions };
  }
  if (failureReason === CAPACITY_UNAVAILABLE_REASON && policy.onCapacityUnavailable) return fallBack(ctx, 'capacity', number);
  return ctx;
}

function fallBack(ctx: Ctx, reason: 'interruptions' | 'capacity', number: number): Ctx {
  return { ...ctx, onDemand: reason, status: { ...ctx.status, spotFallback: { reason, fromAttempt: number + 1 } } };
}

/** The finalize step's bookkeeping is done; its cost estimate becomes status.cost. */
export function finalized(ctx: Ctx, cost: RunCost | undefined): Ctx {
  return { ...ctx, finalized: true, status: cost === undefined ? ctx.status : { ...ctx.status, cost } };
}

export function backoffDelayMs(ctx: Ctx, failedAttempts: number): number {
  const { initialMs, factor, maxMs } = ctx.retry.backoff;
  return backoffMs({ baseMs: initialMs, factor, capMs: maxMs }, failedAttempts);
}

function scheduleRetry(ctx: Ctx, c: StopClassification, now: string): AttemptEnding {
  const number = currentAttempt(ctx.status)?.number ?? 0;
  const delayMs = backoffDelayMs(ctx, ctx.infrastructureFailures + ctx.exitCodeFailures);
  const retryAt = new Date(Date.parse(now) + delayMs).toISOString();
  const message = `attempt ${number} ended (${c.explanation}); attempt ${number + 1} starts in ${formatDelay(delayMs)}`;
  const status = setConditions(
    patchCurrentAttempt({ ...ctx.status, message }, { stoppedAt: currentAttempt(ctx.status)?.stoppedAt ?? now }),
    [
      { type: CONDITION.submitted, status: 'False', reason: 'RetryScheduled', message },
      { type: CONDITION.running, status: 'False', reason: c.failureReason ?? 'Retrying' },
    ],
    now,
  );
  return { ...ctx, status, retryAt };
}

export function requestStop(ctx: Ctx, intent: 'cancel' | 'start-timeout' | 'run-timeout', now: string): Ctx {
  const number = currentAttempt(ctx.status)?.number ?? 0;
  const what = intent === 'cancel' ? 'cancel requested' : `${intent} reached`;
  let status: RunStatus = { ...ctx.status, message: `${what}: stopping attempt ${number}` };
  if (intent === 'cancel') {
    status = setConditions(status, [{ type: CONDITION.cancelRequested, status: 'True', reason: 'UserRequested' }], now);
  }
  return { ...ctx, status, stopIntent: intent };
}

export function cancelWithoutTask(ctx: Ctx, now: string, explanation: string): Ctx {
  const status = setConditions(ctx.status, [{ type: CONDITION.cancelRequested, status: 'True', reason: 'UserRequested' }], now);
  return finish({ ...ctx, status }, 'cancelled', 'Cancelled', `cancelled ${explanation}`, now);
}

export function finish(ctx: Ctx, outcome: NonNullable<RunStatus['outcome']>, reason: string, message: string, now: string): Ctx {
  const attempt = currentAttempt(ctx.status);
  let status = attempt?.taskArn !== undefined && attempt.stoppedAt === undefined
    ? patchCurrentAttempt(ctx.status, { stoppedAt: now })
    : ctx.status;
  status = setConditions(
    status,
    [
      { type: CONDITION.running, status: 'False', reason: 'Stopped' },
      { type: CONDITION.stopped, status: 'True', reason, message },
    ],
    now,
  );
  return { ...ctx, status: { ...status, outcome, message }, retryAt: undefined };
}
