/**
 * The run lifecycle's vocabulary: its context (persisted with the run), the events it accepts (observations,
 * each carrying the injected `now`) and the actions it asks the reconciler to perform (plain data).
 *
 * Glossary: an *attempt* is one RunTask of the run; *infrastructure failures* (spot interruption, failed
 * start, capacity, missing exit code, lost task) end an attempt without saying anything about the workload,
 * so they start a new attempt while the infrastructure budget lasts. The machine's *states* (STATE_NAMES) are
 * its own steps; the run's *phase* (RunStatus.phase) is what users see, declared by each state (run-machine.ts).
 */
import { z } from 'zod';
import { LaunchSecondsDefault, Retry, StartSecondsDefault, type RunPolicy, type SpotFallback } from '../controller/api/policy.js';
import { RunStatus, type RunCost } from '../controller/api/run-status.js';
import type { ObservedContainer } from './classify-stop.js';

export const RetryPolicy = z.object({
  /** Attempts that may end in an infrastructure failure; the one that spends the budget ends the run crashed. */
  infrastructureAttempts: z.number().int().min(1),
  /** Exit codes that start a new attempt instead of failing the run. */
  onExitCodes: z.array(z.number().int()),
  /** Attempts that may end with a listed exit code; the one that spends the budget ends the run failed. */
  exitCodeAttempts: z.number().int().min(1),
  /** Whether a start timeout counts as an infrastructure failure (retried) rather than ending timed-out. */
  retryStartTimeout: z.boolean(),
  /** Spot → on-demand (the pool's spotFallback, set only when the run launches on Fargate Spot). */
  spotFallback: z.object({ afterInterruptions: z.number().int().min(1).optional(), onCapacityUnavailable: z.boolean() }).optional(),
  backoff: z.object({
    initialMs: z.number().int().min(0),
    factor: z.number().min(1),
    maxMs: z.number().int().min(0),
  }),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** The lifecycle's retry policy from the API's (a run's overrides over its pool's, see resolveRunPolicy). */
export function lifecycleRetryPolicy(
  policy: Pick<RunPolicy, 'infrastructureAttempts' | 'onExitCodes' | 'exitCodeAttempts' | 'onStartTimeout' | 'backoff'>,
  spotFallback?: SpotFallback,
): RetryPolicy {
  const out: RetryPolicy = {
    infrastructureAttempts: policy.infrastructureAttempts,
    onExitCodes: policy.onExitCodes,
    exitCodeAttempts: policy.exitCodeAttempts,
    retryStartTimeout: policy.onStartTimeout,
    backoff: {
      initialMs: Math.round(policy.backoff.initialSeconds * 1000),
      factor: policy.backoff.multiplier,
      maxMs: Math.round(policy.backoff.maxSeconds * 1000),
    },
  };
  if (spotFallback !== undefined) {
    out.spotFallback = { onCapacityUnavailable: spotFallback.onCapacityUnavailable };
    if (spotFallback.afterInterruptions !== undefined) out.spotFallback.afterInterruptions = spotFallback.afterInterruptions;
  }
  return out;
}

/** The API schema's defaults (docs/resources.md), declared there only, so the two cannot disagree. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = lifecycleRetryPolicy(Retry.parse({}));

export const LifecycleTimeouts = z.object({
  /** From Submitted until ECS reports RUNNING. */
  startSeconds: z.number().positive(),
  /** From Running until STOPPED; absent means no limit. */
  runSeconds: z.number().positive().optional(),
  /** From the attempt's first RunTask try until ECS accepts one (lifecycles persisted before it get the default). */
  launchSeconds: z.number().positive().default(LaunchSecondsDefault),
});
export type LifecycleTimeouts = z.infer<typeof LifecycleTimeouts>;

export const DEFAULT_START_TIMEOUT_SECONDS = StartSecondsDefault;
export const DEFAULT_LAUNCH_TIMEOUT_SECONDS = LaunchSecondsDefault;

/**
 * A call that keeps failing in a way worth retrying, as the lifecycle records it: the current attempt's
 * RunTask (`launchTrouble`: 5xx, timeouts, throttles, a dependency such as the network inference, and
 * refusals by the cluster's open breaker, which are not counted as tries; reset when an attempt opens) and
 * the current stop's StopTask or ListTasks search (`stopTrouble`: never given up, cleared when ECS accepts the
 * stop). Our own pacing (an empty budget) is not trouble and is not recorded.
 */
export const TryTrouble = z.object({
  /** Failed tries so far. */
  failures: z.number().int().min(0),
  /** The first try that failed (ISO): the launch deadline counts from here. */
  since: z.string(),
  /** The last error: AWS's error name (or BreakerOpen, Network, …) and its message (AWS's, also when held). */
  reason: z.string(),
  message: z.string(),
  /** No try before this time (ISO): the backoff after a failure, or the breaker's next probe. */
  retryAt: z.string(),
});
export type TryTrouble = z.infer<typeof TryTrouble>;
/**
 * The run's task-definition registration keeps failing in a way worth retrying (5xx, timeouts, throttles):
 * since when this run has seen it (its registration deadline counts from there) and AWS's last error.
 */
export const RegistrationTrouble = TryTrouble.pick({ since: true, reason: true, message: true });
export type RegistrationTrouble = z.infer<typeof RegistrationTrouble>;

/** Why a task is being stopped by Longshore; decides the outcome once ECS reports STOPPED. */
export const StopIntent = z.enum(['cancel', 'start-timeout', 'run-timeout']);
export type StopIntent = z.infer<typeof StopIntent>;

export const LifecycleContext = z.object({
  runUid: z.string().min(1),
  containerName: z.string().optional(),
  retry: RetryPolicy,
  timeouts: LifecycleTimeouts,
  status: RunStatus,
  infrastructureFailures: z.number().int().min(0),
  exitCodeFailures: z.number().int().min(0),
  /** Attempts that ended in a Fargate Spot interruption (lifecycles persisted before it count from 0). */
  spotInterruptions: z.number().int().min(0).default(0),
  /** Set once a Spot fallback applies: the run's next attempts launch on-demand. */
  onDemand: z.enum(['interruptions', 'capacity']).optional(),
  stopIntent: StopIntent.optional(),
  /**
   * When the backoff before the next attempt ends (ISO); in `pending`, when the task definition may be
   * resolved again after RunTask refused revisions too often (see staleTaskDefinitions).
   */
  retryAt: z.string().optional(),
  /** How often RunTask refused the resolved revision as INACTIVE or gone for `attempt` (bounds the loop). */
  staleTaskDefinitions: z.object({ attempt: z.number().int().min(1), count: z.number().int().min(1) }).optional(),
  /** The current attempt's failed RunTask tries, while it has not launched. */
  launchTrouble: TryTrouble.optional(),
  /** While pending: the registration of the run's task definition keeps failing. */
  registrationTrouble: RegistrationTrouble.optional(),
  /** The current stop's failed StopTask tries, while ECS has not accepted it. */
  stopTrouble: TryTrouble.optional(),
  /**
   * Highest task `version` seen for the current attempt from any source. Events older than it are stale (a
   * duplicate has the same version); it never makes a DescribeTasks observation stale, because an event's
   * version is only as trustworthy as whoever could send to the queue. (Lifecycles persisted before
   * describedVersion existed hold the highest version of either source here.)
   */
  observedVersion: z.number().int().optional(),
  /** Highest task `version` an ECS API answer (DescribeTasks, RunTask, StopTask) gave for the current attempt; older API observations are stale. */
  describedVersion: z.number().int().optional(),
  /** Set once the reconciler has done the bookkeeping of a stopped run (released its task definition, counted it). */
  finalized: z.boolean().optional(),
});
export type LifecycleContext = z.infer<typeof LifecycleContext>;

export const STATE_NAMES = ['pending', 'launching', 'submitted', 'running', 'stopping', 'backoff', 'stopped'] as const;
export type LifecycleStateName = (typeof STATE_NAMES)[number];

export interface LifecycleInput {
  runUid: string;
  containerName?: string;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<LifecycleTimeouts>;
  /** Time of creation (ISO); becomes the Pending condition's transition time. */
  now: string;
}

interface Timed {
  /** Injected clock (ISO-8601): the time this observation was made. */
  now: string;
}

/**
 * Where an observation comes from. `describe`: an answer of the ECS API to Longshore's own call (DescribeTasks,
 * or the task RunTask/StopTask returned), the authority. `event`: an EventBridge task state change read from
 * the SQS queue, a hint: anyone who can send to the queue can write one, so an event may move a run only to
 * non-terminal knowledge (RUNNING), never end an attempt, and never make an API observation look stale.
 */
export const OBSERVATION_SOURCES = ['describe', 'event'] as const;
export type ObservationSource = (typeof OBSERVATION_SOURCES)[number];

export interface TaskObservation {
  source: ObservationSource;
  taskArn: string;
  lastStatus: string;
  desiredStatus?: string;
  stopCode?: string;
  stoppedReason?: string;
  containers?: ObservedContainer[];
  createdAt?: string;
  startedAt?: string;
  stoppedAt?: string;
  /** ECS task `version`; grows with every state change. */
  version?: number;
  /** Where ECS placed the task and its size (API answers only): for the attempt's status and its cost. */
  launchType?: string;
  capacityProviderName?: string;
  pullStartedAt?: string;
  cpu?: string;
  memory?: string;
  cpuArchitecture?: string;
}

export type LifecycleEvent =
  | ({ type: 'TASKDEF_RESOLVED'; taskDefinitionArn: string } & Timed)
  | ({ type: 'TASKDEF_FAILED'; message: string } & Timed)
  /** The registration the run waits for keeps failing (retryably): `failures` tries so far, AWS's last error. */
  | ({ type: 'REGISTRATION_FAILING'; reason: string; message: string; failures: number } & Timed)
  /** timeouts.launchSeconds passed since the run first saw its registration failing. */
  | ({ type: 'REGISTRATION_TIMEOUT' } & Timed)
  /** RunTask refused the resolved revision (INACTIVE or gone): resolve the task definition again. */
  | ({ type: 'TASKDEF_STALE'; message: string } & Timed)
  | ({ type: 'SUBMITTED'; taskArn: string; clusterArn: string } & Timed)
  | ({ type: 'SUBMIT_FAILED'; retryable: boolean; reason: string; message: string } & Timed)
  /**
   * A RunTask try failed in a way worth trying again (5xx, timeout, throttle, a dependency): the attempt goes
   * on after a growing backoff. `jitter` in [0, 1) spreads the backoff; drawn by the caller so the machine
   * stays deterministic.
   */
  | ({ type: 'LAUNCH_FAILED'; reason: string; message: string; jitter: number } & Timed)
  /** RunTask was not sent: the cluster's breaker is open (another run probes it). Try again at `retryAt`. */
  | ({ type: 'LAUNCH_HELD'; reason: string; message: string; lastError: string; retryAt: string } & Timed)
  /** timeouts.launchSeconds passed since the attempt's first failed RunTask try. */
  | ({ type: 'LAUNCH_TIMEOUT' } & Timed)
  /**
   * A StopTask try (or the search before it) failed in a way worth trying again: the stop goes on after a
   * growing backoff, never given up. `jitter` in [0, 1), drawn by the caller like LAUNCH_FAILED's.
   */
  | ({ type: 'STOP_FAILED'; reason: string; message: string; jitter: number } & Timed)
  | ({ type: 'TASK_OBSERVED' } & TaskObservation & Timed)
  | ({ type: 'TASK_MISSING'; taskArn?: string } & Timed)
  | ({ type: 'START_TIMEOUT' } & Timed)
  | ({ type: 'RUN_TIMEOUT' } & Timed)
  | ({ type: 'CANCEL_REQUESTED'; reason?: string } & Timed)
  /** A backoff ended: the next attempt (in backoff) or the next resolve of the task definition (in pending). */
  | ({ type: 'RETRY' } & Timed)
  /** The current step cannot proceed yet (registration in progress, no pool slot): say so in the status. */
  | ({ type: 'WAITING'; reason: string; message: string } & Timed)
  /** The stopped run's bookkeeping is done (task definition released, outcome and cost counted). */
  | ({ type: 'FINALIZED'; cost?: RunCost } & Timed);
export type LifecycleEventType = LifecycleEvent['type'];

/** Side effects the reconciler performs; the machine never performs them itself. */
export type LifecycleAction =
  | { type: 'resolveTaskDefinition' }
  /** `onDemand`: a Spot fallback applies, so the attempt launches on Fargate on-demand (reconcilers/launch/on-demand.ts). */
  | { type: 'runTask'; attempt: number; onDemand?: boolean }
  /** taskArn absent: RunTask for this attempt may have happened unrecorded; find it by its startedBy marker. */
  | { type: 'stopTask'; attempt: number; taskArn?: string; clusterArn?: string; reason: string }
  | { type: 'scheduleRetry'; attempt: number; delayMs: number; retryAt: string }
  /** Once per stopped run: release what it held and report its outcome. */
  | { type: 'finalize'; outcome: NonNullable<RunStatus['outcome']> };
export type LifecycleActionType = LifecycleAction['type'];
