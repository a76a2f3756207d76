/**
 * ECS's view of a task, translated into the lifecycle's TaskObservation (shared by the run reconciler's
 * StopTask/RunTask responses and the per-cluster resync's DescribeTasks): an API answer, so its source is
 * `describe`, the authority.
 */
import type { Task } from '@aws-sdk/client-ecs';
import type { ObservedContainer } from '../../machines/classify-stop.js';
import type { TaskObservation } from '../../machines/run-types.js';

export function observationOf(task: Task): TaskObservation | undefined {
  if (!task.taskArn) return undefined;
  const obs: TaskObservation = { source: 'describe', taskArn: task.taskArn, lastStatus: task.lastStatus ?? 'UNKNOWN' };
  if (task.desiredStatus) obs.desiredStatus = task.desiredStatus;
  if (task.stopCode) obs.stopCode = task.stopCode;
  if (task.stoppedReason) obs.stoppedReason = task.stoppedReason;
  if (task.containers) obs.containers = task.containers.map(containerOf);
  const createdAt = iso(task.createdAt);
  const startedAt = iso(task.startedAt);
  const stoppedAt = iso(task.stoppedAt);
  if (createdAt) obs.createdAt = createdAt;
  if (startedAt) obs.startedAt = startedAt;
  if (stoppedAt) obs.stoppedAt = stoppedAt;
  if (typeof task.version === 'number') obs.version = task.version;
  placementOf(task, obs);
  return obs;
}

/** Where the task runs and its size: the attempt's status shows them, its cost is computed from them. */
function placementOf(task: Task, obs: TaskObservation): void {
  if (task.launchType) obs.launchType = task.launchType;
  if (task.capacityProviderName) obs.capacityProviderName = task.capacityProviderName;
  const pullStartedAt = iso(task.pullStartedAt);
  if (pullStartedAt) obs.pullStartedAt = pullStartedAt;
  // EC2 and EXTERNAL definitions may size only their containers: the task is then their sum.
  const cpu = task.cpu ?? containerSum(task, (c) => c.cpu);
  const memory = task.memory ?? containerSum(task, (c) => c.memory ?? c.memoryReservation);
  if (cpu) obs.cpu = cpu;
  if (memory) obs.memory = memory;
  const architecture = task.attributes?.find((a) => a.name === 'ecs.cpu-architecture')?.value;
  if (architecture) obs.cpuArchitecture = architecture;
}

function containerSum(task: Task, pick: (container: NonNullable<Task['containers']>[number]) => string | undefined): string | undefined {
  const values = (task.containers ?? []).map((c) => Number(pick(c))).filter((v) => Number.isFinite(v) && v > 0);
  return values.length === 0 ? undefined : String(values.reduce((a, b) => a + b, 0));
}

function containerOf(container: NonNullable<Task['containers']>[number]): ObservedContainer {
  const out: ObservedContainer = {};
  if (container.name !== undefined) out.name = container.name;
  if (container.exitCode !== undefined) out.exitCode = container.exitCode;
  if (container.reason !== undefined) out.reason = container.reason;
  if (container.lastStatus !== undefined) out.lastStatus = container.lastStatus;
  return out;
}

function iso(value: Date | string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
