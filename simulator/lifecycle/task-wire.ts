/**
 * The Task object as DescribeTasks/RunTask/StopTask put it on the wire: JSON with timestamps as epoch
 * seconds (awsJson 1.1, docs/ecs-facts.md#wire-format) and members left out when ECS has no value for them.
 */
import type { SimContainer, SimTask } from './task.js';

const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

export type TaskWire = Record<string, unknown>;

/**
 * The task's wire JSON text, cached per `version`: every change to a task's wire form bumps its version
 * (the lifecycle engine and StopTask guarantee it), so DescribeTasks, the hot read path, serialises each
 * task once per change instead of once per call.
 */
export function taskJson(task: SimTask, includeTags: boolean): string {
  let cache = task.wireJson;
  if (cache === undefined || cache.version !== task.version) {
    const wire = taskToWire(task);
    const withTags = JSON.stringify(wire);
    delete wire.tags;
    cache = { version: task.version, withTags, withoutTags: JSON.stringify(wire) };
    task.wireJson = cache;
  }
  return includeTags ? cache.withTags : cache.withoutTags;
}

export function taskToWire(task: SimTask): TaskWire {
  const wire: TaskWire = {
    attachments: task.attachments,
    attributes: [{ name: 'ecs.cpu-architecture', value: task.cpuArchitecture }],
    availabilityZone: task.availabilityZone,
    clusterArn: task.clusterArn,
    containerInstanceArn: task.hostPlacement?.containerInstanceArn,
    connectivity: task.connectivityAtMs === undefined ? undefined : 'CONNECTED',
    connectivityAt: seconds(task.connectivityAtMs),
    containers: task.containers.map((c) => containerToWire(c, task)),
    cpu: task.cpu,
    createdAt: seconds(task.createdAtMs),
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: task.enableExecuteCommand,
    ephemeralStorage: task.ephemeralStorage,
    executionStoppedAt: seconds(task.executionStoppedAtMs),
    group: task.group,
    lastStatus: task.lastStatus,
    launchType: task.launchType,
    capacityProviderName: task.capacityProviderName,
    memory: task.memory,
    overrides: task.overrides,
    platformVersion: task.platformVersion,
    platformFamily: task.launchType === 'FARGATE' ? 'Linux' : undefined,
    pullStartedAt: seconds(task.pullStartedAtMs),
    pullStoppedAt: seconds(task.pullStoppedAtMs),
    startedAt: seconds(task.startedAtMs),
    startedBy: task.startedBy,
    stopCode: task.stopCode,
    stoppedAt: seconds(task.stoppedAtMs),
    stoppedReason: task.stoppedReason,
    stoppingAt: seconds(task.stoppingAtMs),
    tags: task.tags,
    taskArn: task.taskArn,
    taskDefinitionArn: task.taskDefinitionArn,
    version: task.version,
  };
  for (const key of Object.keys(wire)) if (wire[key] === undefined) delete wire[key];
  return wire;
}

function containerToWire(container: SimContainer, task: SimTask): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    containerArn: container.containerArn,
    taskArn: task.taskArn,
    name: container.name,
    image: container.image,
    lastStatus: container.lastStatus,
    exitCode: container.exitCode,
    reason: container.reason,
    cpu: container.cpu,
    memory: container.memory,
    healthStatus: 'UNKNOWN',
    networkInterfaces: [],
  };
  for (const key of Object.keys(wire)) if (wire[key] === undefined) delete wire[key];
  return wire;
}
