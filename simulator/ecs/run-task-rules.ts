/**
 * RunTask's request validation with ECS's messages (docs/ecs-facts.md#quotas, #idempotency, #runtask, #task-definitions): pure, so the
 * order of checks and each message can be read in one place.
 */
import { clientError, invalidParameter } from './errors.js';
import { isValidFargateSize, parseCpuUnits, parseMemoryMiB } from './fargate-sizes.js';
import { isObject, objectList, optionalNumber, optionalObject, optionalString, stringList } from './fields.js';
import type { JsonObject, TaskDefinitionRecord } from './model.js';

export const MAX_TASKS_PER_RUN = 10;
export const MAX_OVERRIDES_CHARS = 8192;
export const MAX_SUBNETS = 16;
export const MAX_SECURITY_GROUPS = 5;
export const MAX_CLIENT_TOKEN_LENGTH = 64;
const STARTED_BY = /^[a-zA-Z0-9/_-]{0,128}$/;
const FARGATE_PROVIDERS = new Set(['FARGATE', 'FARGATE_SPOT']);

export interface CapacityProviderItem {
  capacityProvider: string;
  weight: number;
  base: number;
}

export interface Placement {
  launchType: 'FARGATE' | 'EC2' | 'EXTERNAL';
  /** Set when the request used a capacity provider strategy. */
  strategy?: CapacityProviderItem[];
}

export function validateClientToken(token: string | undefined): void {
  if (token === undefined) return;
  const printable = [...token].every((char) => char.charCodeAt(0) >= 33 && char.charCodeAt(0) <= 126);
  if (token.length < 1 || token.length > MAX_CLIENT_TOKEN_LENGTH || !printable) {
    throw invalidParameter('The client token must be 1 to 64 ASCII characters in the range 33-126.');
  }
}

function validateCount(count: number | undefined): number {
  const value = count ?? 1;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TASKS_PER_RUN) {
    throw invalidParameter(`count must be between 1 and ${MAX_TASKS_PER_RUN}.`);
  }
  return value;
}

export function resolvePlacement(input: JsonObject): Placement {
  const launchType = optionalString(input, 'launchType');
  const rawStrategy = objectList(input, 'capacityProviderStrategy');
  if (launchType !== undefined && rawStrategy.length > 0) {
    // RunTask's wording (PrefectHQ/prefect#5210); CreateService words the same rule differently.
    throw invalidParameter('You may choose a capacity provider or a launch type but not both.');
  }
  if (rawStrategy.length > 0) {
    if (rawStrategy.length > 20) throw invalidParameter('capacityProviderStrategy can have at most 20 items.');
    const strategy = rawStrategy.map((item) => ({
      capacityProvider: String(item.capacityProvider ?? ''),
      weight: typeof item.weight === 'number' ? item.weight : 0,
      base: typeof item.base === 'number' ? item.base : 0,
    }));
    for (const item of strategy) {
      if (!FARGATE_PROVIDERS.has(item.capacityProvider)) {
        throw invalidParameter(
          'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.',
        );
      }
    }
    if (strategy.every((item) => item.weight === 0 && item.base === 0)) {
      throw invalidParameter('The specified capacity provider strategy must contain at least one capacity provider with a weight greater than 0.');
    }
    return { launchType: 'FARGATE', strategy };
  }
  if (launchType === undefined || launchType === 'EC2') return { launchType: 'EC2' };
  if (launchType === 'FARGATE' || launchType === 'EXTERNAL') return { launchType };
  if (launchType === 'FARGATE_SPOT') {
    throw invalidParameter('FARGATE_SPOT is not a launch type. Use a capacityProviderStrategy with the FARGATE_SPOT capacity provider.');
  }
  throw invalidParameter(`Invalid launch type: ${launchType}.`);
}

export function checkTaskDefinitionRunnable(record: TaskDefinitionRecord, placement: Placement): void {
  if (record.status !== 'ACTIVE') throw invalidParameter('TaskDefinition is inactive');
  if (!record.compatibilities.includes(placement.launchType)) {
    throw invalidParameter(`Task definition does not support launch_type ${placement.launchType}.`);
  }
}

export interface AwsvpcChoice {
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: string;
}

/** The awsvpc configuration, required when the task definition uses awsvpc [PasseiDireto/gh-runner-task-action#8]. */
export function validateNetwork(
  input: JsonObject,
  record: TaskDefinitionRecord,
  knownSubnets: ReadonlySet<string>,
): AwsvpcChoice | undefined {
  if (record.networkMode !== 'awsvpc') return undefined;
  const awsvpc = optionalObject(optionalObject(input, 'networkConfiguration') ?? {}, 'awsvpcConfiguration');
  if (awsvpc === undefined) {
    throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  const subnets = stringList(awsvpc, 'subnets');
  const securityGroups = stringList(awsvpc, 'securityGroups');
  if (subnets.length === 0) throw invalidParameter('subnets can not be empty.');
  if (subnets.length > MAX_SUBNETS) throw invalidParameter(`subnets can have at most ${MAX_SUBNETS} items.`);
  if (securityGroups.length > MAX_SECURITY_GROUPS) {
    throw invalidParameter(`securityGroups can have at most ${MAX_SECURITY_GROUPS} items.`);
  }
  const unknown = subnets.filter((subnet) => !knownSubnets.has(subnet));
  if (unknown.length > 0) {
    throw invalidParameter(
      `Error retrieving subnet information for [${unknown.join(', ')}]: The subnet ID '${unknown[0]}' does not exist (ErrorCode: InvalidSubnetID.NotFound)`,
    );
  }
  return { subnets, securityGroups, assignPublicIp: optionalString(awsvpc, 'assignPublicIp') ?? 'DISABLED' };
}

/** Overrides: at most 8192 characters of JSON (docs/ecs-facts.md#quotas); container overrides must name containers of the definition. */
export function validateOverrides(input: JsonObject, record: TaskDefinitionRecord, launchType: Placement['launchType']): JsonObject {
  const overrides = optionalObject(input, 'overrides') ?? {};
  // TaskOverride.cpu and .memory are strings in the API (API_TaskOverride); a number is a type error.
  const cpuOverride = optionalString(overrides, 'cpu');
  const memoryOverride = optionalString(overrides, 'memory');
  if (cpuOverride !== undefined || memoryOverride !== undefined) {
    const cpu = cpuOverride === undefined ? Number(record.cpu) : parseCpuUnits(cpuOverride);
    const memory = memoryOverride === undefined ? Number(record.memory) : parseMemoryMiB(memoryOverride);
    if (cpu === undefined || !(cpu > 0)) throw invalidParameter("Invalid 'cpu' setting for task.");
    if (memory === undefined || !(memory > 0)) throw invalidParameter("Invalid 'memory' setting for task.");
    // A Fargate task must still land on a supported cpu/memory pair (developer guide, fargate-tasks-services
    // "Task CPU and memory"); the override replaces the definition's size for this task.
    if (launchType === 'FARGATE' && !isValidFargateSize(cpu, memory)) {
      throw clientError(`No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`);
    }
  }
  if (JSON.stringify(overrides).length > MAX_OVERRIDES_CHARS) {
    throw invalidParameter(`Container Overrides length must be at most ${MAX_OVERRIDES_CHARS}`);
  }
  const names = new Set(record.containerDefinitions.map((container) => container.name));
  for (const override of objectList(overrides, 'containerOverrides')) {
    const name = optionalString(override, 'name');
    if (name === undefined || !names.has(name)) {
      throw invalidParameter(`Override for container named ${name ?? ''} is not a container in the TaskDefinition.`);
    }
  }
  return overrides;
}

export function validateStartedBy(input: JsonObject): string | undefined {
  const startedBy = optionalString(input, 'startedBy');
  if (startedBy !== undefined && !STARTED_BY.test(startedBy)) {
    throw invalidParameter('startedBy may contain up to 128 letters (uppercase and lowercase), numbers, hyphens (-), forward slash (/), and underscores (_).');
  }
  return startedBy;
}

export function validateGroup(input: JsonObject, family: string): string {
  const group = optionalString(input, 'group') ?? `family:${family}`;
  if (group.length > 255) throw invalidParameter('group must be at most 255 characters.');
  return group;
}

/** Count read as a number member (so a string count is a SerializationException, as ECS answers). */
export function readCount(input: JsonObject): number {
  return validateCount(optionalNumber(input, 'count'));
}

export function environmentOf(overrides: JsonObject, containerName: string, base: ReadonlyArray<{ name: string; value: string }>): Map<string, string> {
  const environment = new Map(base.map((pair) => [pair.name, pair.value]));
  for (const override of objectList(overrides, 'containerOverrides')) {
    if (override.name !== containerName) continue;
    for (const pair of objectList(override, 'environment')) {
      if (isObject(pair) && typeof pair.name === 'string') environment.set(pair.name, String(pair.value ?? ''));
    }
  }
  return environment;
}

