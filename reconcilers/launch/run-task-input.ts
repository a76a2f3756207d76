/**
 * The RunTask input for one attempt of a run (the seed's ECSWorker._prepare_task_run_request), pure.
 *
 * Per-run values travel as overrides so runs share task definitions: the orchestration container gets the
 * command, the run's env (nulls dropped: they were left out of the definition), cpu and memory; the task
 * gets the run's task role and cpu/memory as strings. FARGATE_SPOT becomes a capacity-provider strategy and
 * launchType is dropped whenever a strategy is set.
 */
import type { AwsVpcConfiguration, ContainerOverride, KeyValuePair, RunTaskCommandInput, Tag, TaskOverride } from '@aws-sdk/client-ecs';
import type { PoolLike, RunLike } from '../taskdef/inputs.js';
import { resolvePlacement, type Placement } from '../taskdef/placement.js';
import { effectiveRunTaskRequest, type PassthroughRequest } from '../../controller/api/run-task-request.js';
import { slugifyFamily, slugifyTagKey, slugifyTagValue } from '../taskdef/slug.js';
import { cpuString, cpuUnits, memoryMiB, memoryString } from '../../controller/api/quantities.js';
import { clientTokenFor, startedByFor } from './identity.js';
import { commandArgv } from '../../controller/api/command.js';

/** "A total of 8192 characters are allowed for overrides. This limit includes the JSON formatting characters." */
export const OVERRIDES_MAX_CHARS = 8192;
export const TAGS_MAX = 50;
const GROUP_MAX = 255;

export const RUN_TAG = 'longshore.dev/run';
export const POOL_TAG = 'longshore.dev/pool';
export const ATTEMPT_TAG = 'longshore.dev/attempt';

/** The request cannot be valid for this run; retrying will not help. */
export class LaunchInputError extends Error {
  override readonly name = 'LaunchInputError';
}

/** What the launch needs to know about the task definition the run resolved to. */
export interface ResolvedTaskDefinition {
  taskDefinitionArn: string;
  /** The orchestration container (receives overrides; its exit code decides the run). */
  containerName: string;
  /** The definition's network mode; awsvpc needs a networkConfiguration in RunTask. */
  networkMode?: string;
}

export interface RunTaskArgs {
  pool: PoolLike;
  run: RunLike;
  /** 1-based attempt number; part of the clientToken. */
  attempt: number;
  /** LONGSHORE_NAMESPACE: part of startedBy, so installations sharing an account tell their tasks apart. */
  namespace: string;
  taskDefinition: ResolvedTaskDefinition;
  /** Required when the definition uses awsvpc (reconcilers/launch/network.ts). */
  network?: AwsVpcConfiguration;
  /** Where the task goes; the pool's and run's placement when absent (a Spot fallback passes on-demand's). */
  placement?: Placement;
}

export function buildRunTaskInput(args: RunTaskArgs): RunTaskCommandInput {
  const { pool, run, attempt, namespace, taskDefinition } = args;
  const placement = args.placement ?? resolvePlacement(pool, run);
  const passthrough = effectiveRunTaskRequest(pool.spec.runTaskRequest, run.spec.runTaskRequest);
  const input: RunTaskCommandInput = {
    taskDefinition: taskDefinition.taskDefinitionArn,
    count: 1,
    clientToken: clientTokenFor(run.metadata.uid, attempt),
    startedBy: startedByFor(namespace, run.metadata.name),
    group: passthrough.group ?? groupFor(pool.metadata.name),
  };
  copyPassthrough(input, passthrough);
  if (pool.spec.cluster) input.cluster = pool.spec.cluster;
  if (placement.capacityProviderStrategy) input.capacityProviderStrategy = placement.capacityProviderStrategy;
  else if (placement.launchType) input.launchType = placement.launchType;

  if (taskDefinition.networkMode === 'awsvpc') {
    if (!args.network || args.network.subnets?.length === 0) {
      throw new LaunchInputError("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    }
    input.networkConfiguration = { awsvpcConfiguration: args.network };
  }

  const tags = runTags(pool, run, attempt);
  if (tags.length > 0) input.tags = tags;

  const overrides = withPassthroughOverrides(runOverrides(run, taskDefinition.containerName), passthrough, taskDefinition.containerName);
  const size = JSON.stringify(overrides).length;
  if (size > OVERRIDES_MAX_CHARS) {
    throw new LaunchInputError(`RunTask overrides are ${size} characters; ECS allows at most ${OVERRIDES_MAX_CHARS} (command and env count toward it).`);
  }
  if (Object.keys(overrides).length > 0) input.overrides = overrides;
  return input;
}

/** The passthrough fields that go into RunTask as they are (group is handled with Longshore's default). */
function copyPassthrough(input: RunTaskCommandInput, request: PassthroughRequest): void {
  if (request.placementConstraints) input.placementConstraints = request.placementConstraints;
  if (request.placementStrategy) input.placementStrategy = request.placementStrategy;
  if (request.platformVersion !== undefined) input.platformVersion = request.platformVersion;
  if (request.enableExecuteCommand !== undefined) input.enableExecuteCommand = request.enableExecuteCommand;
  if (request.propagateTags !== undefined) input.propagateTags = request.propagateTags;
  if (request.enableECSManagedTags !== undefined) input.enableECSManagedTags = request.enableECSManagedTags;
  if (request.referenceId !== undefined) input.referenceId = request.referenceId;
}

/**
 * Task-level passthrough overrides (ephemeral storage, inference accelerators) beside the run's own, and
 * resourceRequirements (GPUs) on the orchestration container's override.
 */
export function withPassthroughOverrides(overrides: TaskOverride, request: PassthroughRequest, containerName: string): TaskOverride {
  const extra = request.overrides;
  if (extra === undefined) return overrides;
  const out: TaskOverride = { ...overrides };
  if (extra.ephemeralStorage) out.ephemeralStorage = extra.ephemeralStorage;
  if (extra.inferenceAcceleratorOverrides) out.inferenceAcceleratorOverrides = extra.inferenceAcceleratorOverrides;
  if (extra.resourceRequirements) {
    const containers = out.containerOverrides ?? [{ name: containerName }];
    out.containerOverrides = containers.map((c) => (c.name === containerName ? { ...c, resourceRequirements: extra.resourceRequirements } : c));
  }
  return out;
}

/** Overrides for the run's per-run values; empty when the run sets none. */
export function runOverrides(run: RunLike, containerName: string): TaskOverride {
  const spec = run.spec;
  const container: ContainerOverride = { name: containerName };
  if (spec.command !== undefined) {
    try {
      container.command = commandArgv(spec.command);
    } catch (error) {
      throw new LaunchInputError(`Invalid command: ${(error as Error).message}`, { cause: error });
    }
  }
  const environment = runEnvironment(spec.env);
  if (environment.length > 0) container.environment = environment;
  const cpu = spec.cpu === undefined ? undefined : cpuUnits(spec.cpu);
  const memory = spec.memory === undefined ? undefined : memoryMiB(spec.memory);
  if (cpu !== undefined) container.cpu = cpu;
  if (memory !== undefined) container.memory = memory;

  const overrides: TaskOverride = {};
  if (Object.keys(container).length > 1) overrides.containerOverrides = [container];
  if (spec.cpu !== undefined) overrides.cpu = cpuString(spec.cpu);
  if (spec.memory !== undefined) overrides.memory = memoryString(spec.memory);
  if (spec.taskRoleArn) overrides.taskRoleArn = spec.taskRoleArn;
  return overrides;
}

/** The run's variables without its nulls (those were removed from the definition), sorted for a stable request. */
export function runEnvironment(env: Record<string, string | null> | undefined): KeyValuePair[] {
  return Object.entries(env ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ name, value }));
}

/**
 * Pool tags, then run tags, then labels (later ones win), slugified as the seed slugifies them, with the
 * run/pool/attempt markers first and winning; at most 50 (ECS's limit), keys with the reserved `aws:`
 * prefix dropped.
 */
export function runTags(pool: PoolLike, run: RunLike, attempt: number): Tag[] {
  const markers = new Map<string, string>([
    [RUN_TAG, slugifyTagValue(run.metadata.name)],
    [POOL_TAG, slugifyTagValue(pool.metadata.name)],
    [ATTEMPT_TAG, String(attempt)],
  ]);
  const merged = new Map<string, string>();
  for (const source of [pool.spec.tags, run.spec.tags, run.metadata.labels]) {
    for (const [rawKey, rawValue] of Object.entries(source ?? {})) {
      const key = slugifyTagKey(rawKey);
      if (!key || key.toLowerCase().startsWith('aws:') || markers.has(key)) continue;
      merged.delete(key);
      merged.set(key, slugifyTagValue(rawValue));
    }
  }
  return [...markers, ...merged].slice(0, TAGS_MAX).map(([key, value]) => ({ key, value }));
}

/** ECS task group for the pool's tasks, e.g. `longshore:etl-pool`. */
export function groupFor(poolName: string): string {
  return `longshore:${slugifyFamily(poolName)}`.slice(0, GROUP_MAX);
}
