/**
 * Render the RegisterTaskDefinition input for a run of a pool, with the seed worker's rules
 * (prefect-aws ECSWorker._prepare_task_definition).
 *
 * Only what RunTask cannot override goes into the definition: the pool's template, the image, the pool's
 * env, roles, logging, family and the pool's cpu/memory. The run's command, env, cpu, memory and task role
 * travel as RunTask overrides (reconcilers/launch/run-task-input.ts), so runs of one pool share one definition.
 * The one per-run exception is env unsetting: a run that sets a pool variable to null must not inherit it,
 * and an override cannot remove a variable, so the definition leaves it out.
 */
import type { ContainerDefinition, KeyValuePair, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import type { EnvMap, PoolLike, RunLike } from './inputs.js';
import { resolvePlacement, type Placement } from './placement.js';
import { slugifyFamily } from './slug.js';
import { cpuString, cpuUnits, memoryMiB, memoryString } from '../../controller/api/quantities.js';
import { DEFAULT_TASK_CPU, DEFAULT_TASK_MEMORY_MIB } from '../../controller/api/policy.js';
import { DEFAULT_CONTAINER_NAME } from '../../controller/api/admission/limits.js';
import { dropEmpty } from './normalize.js';

/** The image when neither run, pool nor template names one (the seed defaults to its own runtime image). */
export const DEFAULT_IMAGE = 'public.ecr.aws/docker/library/python:3.12-slim';
export const DEFAULT_FAMILY_PREFIX = 'longshore';
export const DEFAULT_LOG_GROUP = 'longshore';

/** A pool/run combination that cannot make a valid definition; the run fails with this message. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
}

export interface RenderContext {
  /** The controller's region, used when the pool names none. */
  defaultRegion?: string;
}

export interface RenderedTaskDefinition {
  taskDefinition: RegisterTaskDefinitionCommandInput;
  /** The orchestration container: the one whose exit code decides the run and that receives overrides. */
  containerName: string;
  family: string;
  region: string | undefined;
  placement: Placement;
}

export function render(pool: PoolLike, run: RunLike, context: RenderContext = {}): RenderedTaskDefinition {
  const spec = pool.spec;
  const placement = resolvePlacement(pool, run);
  const region = spec.region ?? context.defaultRegion;
  const td: RegisterTaskDefinitionCommandInput = structuredClone({
    ...(spec.taskDefinition ?? {}),
    family: '',
    containerDefinitions: (spec.taskDefinition?.containerDefinitions ?? []).filter((c) => Object.keys(c).length > 0),
  });
  const containers = td.containerDefinitions ?? [];
  const containerName = orchestrationContainerName(spec.containerName, containers);
  const container = findOrAddContainer(containers, containerName);
  td.containerDefinitions = containers;

  container.image = run.spec.image ?? spec.image ?? container.image ?? DEFAULT_IMAGE;
  container.environment = definitionEnvironment(container.environment, spec.env, run.spec.env);

  const deploymentPart = run.spec.deployment ? `_${run.spec.deployment}` : '';
  if (spec.cloudwatchLogs?.enabled) {
    if (!region) throw new RenderError('CloudWatch logs need a region: set the pool\'s region or the controller\'s AWS region.');
    container.logConfiguration = { logDriver: 'awslogs', options: awslogsOptions(pool, run, region) };
  }

  const family = slugifyFamily(spec.family || spec.taskDefinition?.family || `${DEFAULT_FAMILY_PREFIX}_${pool.metadata.name}${deploymentPart}`)
    || DEFAULT_FAMILY_PREFIX;
  td.family = family;

  const cpu = spec.cpu ?? spec.taskDefinition?.cpu ?? DEFAULT_TASK_CPU;
  const memory = spec.memory ?? spec.taskDefinition?.memory ?? DEFAULT_TASK_MEMORY_MIB;
  if (placement.fargate) {
    td.cpu = cpuString(cpu);
    td.memory = memoryString(memory);
    const compatibilities = td.requiresCompatibilities ?? [];
    if (!compatibilities.includes('FARGATE')) compatibilities.push('FARGATE');
    td.requiresCompatibilities = compatibilities;
    td.networkMode ??= 'awsvpc';
  } else {
    // ECS Anywhere: RunTask with launchType EXTERNAL needs a definition whose requiresCompatibilities names
    // EXTERNAL ("Task definition does not support launch_type EXTERNAL." otherwise).
    if (placement.requested === 'EXTERNAL') {
      const compatibilities = td.requiresCompatibilities ?? [];
      if (!compatibilities.includes('EXTERNAL')) compatibilities.push('EXTERNAL');
      td.requiresCompatibilities = compatibilities;
    }
    container.cpu ??= integerOrThrow(cpuUnits(cpu), 'cpu', cpu);
    container.memory ??= integerOrThrow(memoryMiB(memory), 'memory', memory);
    if (td.cpu !== undefined) td.cpu = cpuString(td.cpu);
    if (td.memory !== undefined) td.memory = memoryString(td.memory);
  }

  if (spec.executionRoleArn) td.executionRoleArn = spec.executionRoleArn;
  if (spec.taskRoleArn) td.taskRoleArn = spec.taskRoleArn;

  const rendered = dropEmpty(td) as RegisterTaskDefinitionCommandInput;
  validate(rendered, placement, spec.cloudwatchLogs?.enabled === true);
  return { taskDefinition: rendered, containerName, family, region, placement };
}

/**
 * The awslogs driver options of a pool's orchestration container: group, region and stream prefix (the log
 * reader in controller/logs/ derives each attempt's stream name from the same values), then the pool's own
 * options, which win.
 */
export function awslogsOptions(pool: PoolLike, run: RunLike, region: string): Record<string, string> {
  const logs = pool.spec.cloudwatchLogs ?? {};
  const deploymentPart = run.spec.deployment ? `_${run.spec.deployment}` : '';
  return {
    'awslogs-create-group': 'true',
    'awslogs-group': logs.group ?? DEFAULT_LOG_GROUP,
    'awslogs-region': region,
    'awslogs-stream-prefix': logs.streamPrefix ?? `${DEFAULT_FAMILY_PREFIX}-logs_${pool.metadata.name}${deploymentPart}`,
    ...(logs.options ?? {}),
  };
}

/** Configured name; else "longshore" if the template has it; else the template's first container; else "longshore". */
export function orchestrationContainerName(configured: string | undefined, containers: readonly ContainerDefinition[]): string {
  if (configured) return configured;
  if (containers.some((c) => c.name === DEFAULT_CONTAINER_NAME)) return DEFAULT_CONTAINER_NAME;
  return containers[0]?.name ?? DEFAULT_CONTAINER_NAME;
}

function findOrAddContainer(containers: ContainerDefinition[], name: string): ContainerDefinition {
  const named = containers.find((c) => c.name === name);
  if (named) return named;
  const unnamed = containers.find((c) => c.name === undefined);
  if (unnamed) {
    unnamed.name = name;
    return unnamed;
  }
  if (containers.length > 0 && name !== DEFAULT_CONTAINER_NAME) {
    throw new RenderError(`Container '${name}' not found in task definition.`);
  }
  const added: ContainerDefinition = { name };
  containers.push(added);
  return added;
}

/**
 * The template's variables, then the pool's (a pool value replaces a template value of the same name), minus
 * every variable the pool or the run sets to null. The run's other values go into overrides.
 */
export function definitionEnvironment(template: KeyValuePair[] | undefined, poolEnv: EnvMap | undefined, runEnv: EnvMap | undefined): KeyValuePair[] {
  const unset = new Set<string>();
  for (const env of [poolEnv, runEnv]) {
    for (const [name, value] of Object.entries(env ?? {})) if (value === null) unset.add(name);
  }
  const poolValues = Object.entries(poolEnv ?? {}).filter((entry): entry is [string, string] => entry[1] !== null);
  const fromPool = new Set(poolValues.map(([name]) => name));
  const kept = (template ?? []).filter((item) =>
    item.name !== undefined && item.value !== undefined && item.value !== null && !unset.has(item.name) && !fromPool.has(item.name));
  return [...kept, ...poolValues.filter(([name]) => !unset.has(name)).map(([name, value]) => ({ name, value }))];
}

function integerOrThrow(value: number | undefined, field: string, raw: number | string): number {
  if (value === undefined || !Number.isInteger(value)) throw new RenderError(`Invalid ${field} '${raw}': expected an integer amount.`);
  return value;
}

/** The seed's compatibility checks (ECSWorker._validate_task_definition), with its messages. */
function validate(td: RegisterTaskDefinitionCommandInput, placement: Placement, logsEnabled: boolean): void {
  if (logsEnabled && !td.executionRoleArn) {
    throw new RenderError('An execution role arn must be set on the task definition to use CloudWatch logs but no execution role was found on the task definition.');
  }
  const containers = td.containerDefinitions ?? [];
  if (containers.length > 0 && containers.every((c) => c.essential === false)) {
    throw new RenderError('At least one container in the task definition must be marked as essential.');
  }
  if (placement.fargate && td.networkMode !== 'awsvpc') {
    throw new RenderError(`Found network mode '${td.networkMode ?? 'bridge'}' which is not compatible with launch type '${placement.requested ?? 'FARGATE'}'. Use either the 'EC2' launch type or the 'awsvpc' network mode.`);
  }
}
