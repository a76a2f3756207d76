/**
 * Classifies a stopped ECS task: did the work succeed, fail on its own terms, or did the infrastructure let
 * it down? Pure and total: every combination of stopCode, stoppedReason and container state maps to exactly
 * one classification. Facts used here are in docs/ecs-facts.md#stop-codes (stop codes are an open string; Fargate
 * Spot interruptions often arrive with no stopCode at all, only the stoppedReason text).
 */

/** One container of a described task, as much of it as the classification needs. */
export interface ObservedContainer {
  name?: string;
  exitCode?: number | null;
  reason?: string;
  lastStatus?: string;
}

export interface StoppedTaskFacts {
  stopCode?: string;
  stoppedReason?: string;
  containers?: readonly ObservedContainer[];
}

/**
 * - `exit`: the orchestration container exited on its own; exitCode decides the outcome.
 * - `infrastructure`: ECS or its capacity failed the attempt; a new attempt may fix it.
 * - `stopped-externally`: someone stopped the task (StopTask outside of a Longshore cancel, e.g. `run kill`);
 *   retrying would undo a deliberate act, so it is final.
 */
export type StopKind = 'exit' | 'infrastructure' | 'stopped-externally';

export interface StopClassification {
  kind: StopKind;
  outcome: 'succeeded' | 'failed' | 'crashed';
  /** Why the attempt ended, recorded on the attempt (Attempt.failureReason); absent on success. */
  failureReason?: string;
  /** Exit code of the orchestration container; null when ECS reported none. */
  exitCode: number | null;
  /** A sentence for RunStatus.message. */
  explanation: string;
}

export const SPOT_INTERRUPTED_REASON = 'Your Spot Task was interrupted.';
const SPOT_STOP_CODES = new Set(['SpotInterruption', 'TerminationNotice']);
/** Stop codes that mean the platform, not the workload, ended the task; the stop code becomes the reason. */
const INFRASTRUCTURE_STOP_CODES = ['TaskFailedToStart', 'InfrastructureHealth', 'ServiceSchedulerInitiated'] as const;
type InfrastructureStopCode = (typeof INFRASTRUCTURE_STOP_CODES)[number];

/**
 * Every failureReason of an infrastructure classification: the attempt may be followed by another within
 * the infrastructure budget (so these are also retry reasons, e.g. for metrics).
 */
export const INFRASTRUCTURE_STOP_REASONS = ['SpotInterruption', ...INFRASTRUCTURE_STOP_CODES, 'HostLost', 'MissingExitCode'] as const;
export type InfrastructureStopReason = (typeof INFRASTRUCTURE_STOP_REASONS)[number];
/** The failureReason of a non-zero exit; retried when the retry policy lists the exit code. */
export const EXIT_CODE_REASON = 'ExitCode';

function isInfrastructureStopCode(code: string | undefined): code is InfrastructureStopCode {
  return (INFRASTRUCTURE_STOP_CODES as readonly (string | undefined)[]).includes(code);
}
/** stoppedReason prefixes of start failures (stopped-task-error-codes), seen with or without a stopCode. */
const START_FAILURE_PREFIXES = [
  'TaskFailedToStart',
  'CannotPullContainerError',
  'ResourceInitializationError',
  'ContainerRuntimeTimeoutError',
  'DockerTimeoutError',
  'CannotStartContainerError',
  'CannotCreateVolumeError',
  'ResourceNotFoundException',
];
const HOST_LOST_PATTERN = /^Host EC2 \(instance [^)]*\) (stopped|terminated)/;

export function isSpotInterruption(facts: StoppedTaskFacts): boolean {
  if (facts.stopCode !== undefined && SPOT_STOP_CODES.has(facts.stopCode)) return true;
  return (facts.stoppedReason ?? '').trim().startsWith(SPOT_INTERRUPTED_REASON);
}

/**
 * The container whose exit code decides the run: the named one when a name is configured and present,
 * otherwise the first container ECS lists (the task definitions Longshore renders have one).
 */
export function orchestrationContainer(
  containers: readonly ObservedContainer[] | undefined,
  containerName?: string,
): ObservedContainer | undefined {
  if (!containers || containers.length === 0) return undefined;
  if (containerName !== undefined) {
    const named = containers.find((c) => c.name === containerName);
    if (named) return named;
  }
  return containers[0];
}

export function classifyStop(facts: StoppedTaskFacts, containerName?: string): StopClassification {
  const reason = (facts.stoppedReason ?? '').trim();
  const container = orchestrationContainer(facts.containers, containerName);
  const exitCode = typeof container?.exitCode === 'number' ? container.exitCode : null;
  const detail = reason === '' ? '' : `: ${reason}`;

  // Spot first: an interrupted task's container often has an exit code (143 after SIGTERM), which must not be
  // mistaken for the workload failing.
  if (isSpotInterruption(facts)) {
    return infrastructure('SpotInterruption', exitCode, `the Fargate Spot task was interrupted${detail}`);
  }
  if (facts.stopCode === 'TaskFailedToStart' || START_FAILURE_PREFIXES.some((p) => reason.startsWith(p))) {
    return infrastructure('TaskFailedToStart', exitCode, `the task failed to start${detail}`);
  }
  if (isInfrastructureStopCode(facts.stopCode)) {
    return infrastructure(facts.stopCode, exitCode, `ECS stopped the task (${facts.stopCode})${detail}`);
  }
  if (HOST_LOST_PATTERN.test(reason)) {
    return infrastructure('HostLost', exitCode, `the container instance went away${detail}`);
  }
  if (facts.stopCode === 'UserInitiated') {
    return {
      kind: 'stopped-externally',
      outcome: 'crashed',
      failureReason: 'StoppedByUser',
      exitCode,
      explanation: `the task was stopped outside Longshore${detail}`,
    };
  }
  if (exitCode === null) {
    const why = container?.reason ? `: ${container.reason}` : detail;
    return infrastructure('MissingExitCode', null, `the task stopped without an exit code${why}`);
  }
  if (exitCode === 0) {
    return { kind: 'exit', outcome: 'succeeded', exitCode, explanation: 'the task exited with code 0' };
  }
  return {
    kind: 'exit',
    outcome: 'failed',
    failureReason: EXIT_CODE_REASON,
    exitCode,
    explanation: `the task exited with code ${exitCode}`,
  };
}

function infrastructure(failureReason: InfrastructureStopReason, exitCode: number | null, explanation: string): StopClassification {
  return { kind: 'infrastructure', outcome: 'crashed', failureReason, exitCode, explanation };
}
