/**
 * What a RunTask call meant for the run, and a message a user can act on.
 *
 * - launched: ECS created the task.
 * - infrastructure: ECS could not place the task now (failures[]: capacity, RESOURCE:*, AGENT, …, or an EC2
 *   cluster with no container instances). Counts as an infrastructure attempt and retries with backoff.
 * - retry: RunTask did not happen or failed in a way worth trying again; never counts as an attempt. Its
 *   `cause` says whose trouble it is: `pacing` (our own budget was empty: wait in the line, no backoff),
 *   `throttled` (AWS throttled), `transient` (5xx, timeouts, network: the cluster's breaker counts these),
 *   `dependency` (something the launch needs is not available yet, e.g. the network inference).
 * - held: RunTask was not sent because the cluster's breaker is open (another run probes it).
 * - conflict: the clientToken was already used with different parameters: the attempt's task exists
 *   (taskArns when ECS names them). The run adopts it instead of launching another.
 * - stale-task-definition: the resolved revision is INACTIVE, DELETE_IN_PROGRESS or gone ("TaskDefinition is
 *   inactive", "TaskDefinition not found.", "Unable to describe task definition."; errors.ts matches the words):
 *   drop it from the cache and resolve again. Never a verdict on the run: a registered revision is registered
 *   again; a pool's own ARN is described first and fails the run only if ECS confirms it is gone.
 * - terminal: the request is wrong (cluster not found, permissions, invalid parameters); the run fails
 *   with AWS's message made readable, as the seed explains it.
 *
 * Sorting the error itself (AWS or not, throttled, transient, conflict, …) is controller/aws/errors.ts's job;
 * this module only says what each kind means for a launch.
 */
import type { RunTaskCommandInput, RunTaskCommandOutput, Task } from '@aws-sdk/client-ecs';
import { BudgetExhaustedError, describeError, isRetryableKind, sdkErrorOf, taskDefinitionProblem } from '../../controller/aws/errors.js';

export type LaunchOutcome =
  | { kind: 'launched'; task: Task; taskArn: string; clusterArn: string | undefined }
  | { kind: 'infrastructure'; reason: string; message: string }
  | { kind: 'retry'; cause: RetryCause; reason: string; message: string; retryAfterMs?: number }
  /** `lastError`: the cluster's last RunTask error, as the breaker recorded it. */
  | { kind: 'held'; reason: string; message: string; lastError: string; retryAfterMs: number }
  | { kind: 'conflict'; taskArns: string[]; message: string }
  | { kind: 'stale-task-definition'; problem: 'missing' | 'inactive'; message: string }
  | { kind: 'terminal'; reason: string; message: string };

export type RetryCause = 'pacing' | 'throttled' | 'transient' | 'dependency';

export interface LaunchContext {
  /** The cluster as configured (name or ARN); ECS uses "default" when absent. */
  cluster?: string;
  region?: string;
  /** The request's launch type ("EC2" enables the no-container-instances explanation). */
  launchType?: string;
  logsEnabled?: boolean;
  executionRoleArn?: string;
}

export function contextFor(input: RunTaskCommandInput, extra: Omit<LaunchContext, 'cluster' | 'launchType'> = {}): LaunchContext {
  return { ...extra, cluster: input.cluster, launchType: input.launchType };
}

/** Classifies a RunTask response that came back (HTTP 200). */
export function classifyRunTaskOutput(output: Pick<RunTaskCommandOutput, 'tasks' | 'failures'>): LaunchOutcome {
  const task = output.tasks?.[0];
  if (task?.taskArn) return { kind: 'launched', task, taskArn: task.taskArn, clusterArn: task.clusterArn };
  const failure = output.failures?.[0];
  if (failure) {
    const reason = failure.reason ?? 'UNKNOWN';
    const detail = failure.detail ? ` (${failure.detail})` : '';
    return { kind: 'infrastructure', reason: failureReasonCode(reason), message: `Failed to run ECS task: ${reason}${detail}` };
  }
  return { kind: 'infrastructure', reason: 'NoTasks', message: 'Failed to run ECS task: no tasks or failures were returned.' };
}

/**
 * The reasons an infrastructure outcome can carry. `RESOURCE:*` is open-ended in failureReasonCode (the
 * attempt keeps ECS's own word); these are the documented ones (docs/ecs-facts.md#runtask), for bounded
 * metric labels.
 */
export const RUN_TASK_FAILURE_REASONS = [
  'CapacityUnavailable',
  'RESOURCE:CPU', 'RESOURCE:MEMORY', 'RESOURCE:PORTS', 'RESOURCE:ENI', 'RESOURCE:GPU',
  'AGENT', 'LOCATION', 'ATTRIBUTE', 'MISSING', 'INACTIVE', 'LaunchFailure', 'NoTasks', 'NoContainerInstances',
] as const;

/** Short, stable reason codes for RunTask failures[] (metrics and attempt.failureReason). */
export function failureReasonCode(reason: string): string {
  if (/^Capacity is unavailable/i.test(reason)) return 'CapacityUnavailable';
  const resource = /^RESOURCE:(\w+)/.exec(reason);
  if (resource) return `RESOURCE:${resource[1]}`;
  const known = /^(AGENT|LOCATION|ATTRIBUTE|MISSING|INACTIVE)\b/.exec(reason);
  return known?.[1] ?? 'LaunchFailure';
}

/** Classifies a thrown RunTask error: a GatewayError, a BudgetExhaustedError, or a raw SDK error. */
export function classifyRunTaskError(error: unknown, ctx: LaunchContext): LaunchOutcome {
  if (error instanceof BudgetExhaustedError) {
    return { kind: 'retry', cause: 'pacing', reason: 'BudgetExhausted', message: error.message, retryAfterMs: error.retryAfterMs };
  }
  const { kind, code, message, retryAfterMs } = describeError(error);
  const cluster = ctx.cluster ?? 'default';

  if (isRetryableKind(kind)) {
    return { kind: 'retry', cause: kind === 'throttled' ? 'throttled' : 'transient', reason: code, message: `${code}: ${message}`, retryAfterMs };
  }
  if (kind === 'conflict') return { kind: 'conflict', taskArns: resourceIds(error), message: `${code}: ${message}` };
  // Before the cluster check: "not found" words about the task definition are not about the cluster.
  const problem = taskDefinitionProblem(error);
  if (problem) return { kind: 'stale-task-definition', problem, message: `${code}: ${message}` };
  if (code === 'ClusterNotFoundException' || /ClusterNotFoundException/.test(message)) {
    const where = ctx.region ? ` in region ${ctx.region}` : '';
    return {
      kind: 'terminal', reason: 'ClusterNotFound',
      message: `Failed to run ECS task, cluster '${cluster}' not found${where}. Confirm that the cluster is configured in your region.`,
    };
  }
  // EC2 and EXTERNAL tasks both need registered container instances; none now may mean some later (an
  // Auto Scaling group or an on-premises fleet still registering), so it is capacity, not a wrong request.
  if (/No Container Instances/i.test(message) && (ctx.launchType === 'EC2' || ctx.launchType === 'EXTERNAL')) {
    const kind = ctx.launchType === 'EXTERNAL' ? 'external' : 'EC2';
    return {
      kind: 'infrastructure', reason: 'NoContainerInstances',
      message: `Failed to run ECS task, cluster '${cluster}' does not appear to have any container instances associated with it. Confirm that you have ${kind} container instances available. AWS said: ${message}`,
    };
  }
  if (/failed to validate logger args/i.test(message) || (code === 'AccessDeniedException' && ctx.logsEnabled)) {
    return {
      kind: 'terminal', reason: 'ExecutionRolePermissions',
      message: `Failed to run ECS task, the attached execution role does not appear to have sufficient permissions. Ensure that the execution role '${ctx.executionRoleArn ?? '(none)'}' has permissions logs:CreateLogStream, logs:CreateLogGroup, and logs:PutLogEvents. AWS said: ${message}`,
    };
  }
  return { kind: 'terminal', reason: code, message: `Failed to run ECS task: ${code}: ${message}` };
}

/** ConflictException carries the existing task ARNs for the token in `resourceIds`. */
function resourceIds(error: unknown): string[] {
  const ids = (sdkErrorOf(error) as { resourceIds?: unknown } | null)?.resourceIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}
