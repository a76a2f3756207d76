/**
 * RegisterTaskDefinition's validation, in the order and with the messages ECS uses (docs/ecs-facts.md#task-definitions).
 * Pure: request JSON in, normalized definition out, or an EcsError.
 */
import { clientError, invalidParameter } from './errors.js';
import { isObject, objectList, optionalObject, optionalString, requiredString, stringList } from './fields.js';
import { isValidFargateSize, parseCpuUnits, parseMemoryMiB } from './fargate-sizes.js';
import type { ContainerDefinition, JsonObject, KeyValue, TaskDefinitionRecord } from './model.js';
import { parseTags } from './tags.js';

export const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,255}$/;
export const MAX_CONTAINERS = 10;
/** Task definition size limit: 64 KiB on the current service-quotas page (docs/ecs-facts.md#quotas). */
export const MAX_TASK_DEFINITION_BYTES = 64 * 1024;
const ECR_IMAGE = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;
const HANDLED_MEMBERS = new Set([
  'family', 'containerDefinitions', 'cpu', 'memory', 'networkMode', 'requiresCompatibilities',
  'executionRoleArn', 'taskRoleArn', 'tags',
]);

export type RegisteredContent = Omit<TaskDefinitionRecord, 'revision' | 'taskDefinitionArn' | 'status' | 'registeredAtMs'>;

export function parseRegistration(input: JsonObject): RegisteredContent {
  if (Buffer.byteLength(JSON.stringify(input), 'utf8') > MAX_TASK_DEFINITION_BYTES) {
    throw clientError(`Task definition size exceeds the maximum allowed size of ${MAX_TASK_DEFINITION_BYTES} bytes.`);
  }
  const family = requiredString(input, 'family');
  if (!NAME_PATTERN.test(family)) throw clientError('Family contains invalid characters.');
  const containerDefinitions = objectList(input, 'containerDefinitions').map(normalizeContainer);
  if (containerDefinitions.length === 0) throw clientError('Container list cannot be empty.');
  if (containerDefinitions.length > MAX_CONTAINERS) {
    throw clientError('Too many containers.');
  }
  const requiresCompatibilities = stringList(input, 'requiresCompatibilities');
  const networkMode = optionalString(input, 'networkMode') ?? 'bridge';
  const executionRoleArn = optionalString(input, 'executionRoleArn');
  const cpu = normalizeSize(optionalString(input, 'cpu'), parseCpuUnits, 'cpu');
  const memory = normalizeSize(optionalString(input, 'memory'), parseMemoryMiB, 'memory');
  const tags = parseTags(input.tags);

  for (const container of containerDefinitions) {
    if ((container.secrets?.length ?? 0) > 0 && executionRoleArn === undefined) {
      throw clientError("When you are specifying container secrets, you must also specify a value for 'executionRoleArn'");
    }
  }
  const fargateProblem = fargateIncompatibility({ networkMode, cpu, memory, executionRoleArn, containerDefinitions });
  if (requiresCompatibilities.includes('FARGATE') && fargateProblem !== undefined) throw clientError(fargateProblem);

  // "If using the EC2 launch type, you must specify either a task-level memory value or a container-level
  // memory value" (developer guide, task_definition_parameters, container memory). Every definition is
  // checked for EC2 (its compatibilities always include EC2); a Fargate-only one failed above already.
  if (memory === undefined) {
    const bare = containerDefinitions.find((container) => container.memory === undefined && container.memoryReservation === undefined);
    if (bare !== undefined) {
      throw clientError(`Invalid setting for container '${bare.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`);
    }
  }

  const compatibilities = ['EC2'];
  if (fargateProblem === undefined) compatibilities.push('FARGATE');
  if (requiresCompatibilities.includes('EXTERNAL')) compatibilities.push('EXTERNAL');

  const passthrough: JsonObject = {};
  for (const [member, value] of Object.entries(input)) {
    if (!HANDLED_MEMBERS.has(member) && value !== null && value !== undefined) passthrough[member] = value;
  }
  return {
    family,
    containerDefinitions,
    cpu,
    memory,
    networkMode,
    requiresCompatibilities,
    compatibilities,
    executionRoleArn,
    taskRoleArn: optionalString(input, 'taskRoleArn'),
    tags,
    passthrough,
  };
}

interface FargateFacts {
  networkMode: string;
  cpu: string | undefined;
  memory: string | undefined;
  executionRoleArn: string | undefined;
  containerDefinitions: ContainerDefinition[];
}

/** Why a definition cannot run on Fargate (AWS's message), or undefined when it can. */
function fargateIncompatibility(facts: FargateFacts): string | undefined {
  if (facts.networkMode !== 'awsvpc') return 'Fargate only supports network mode \u2018awsvpc\u2019.';
  if (facts.cpu === undefined) return "Fargate requires that 'cpu' be defined at the task level.";
  if (facts.memory === undefined) return "Fargate requires that 'memory' be defined at the task level.";
  if (!isValidFargateSize(Number(facts.cpu), Number(facts.memory))) {
    return `No Fargate configuration exists for given values: ${facts.cpu} CPU, ${facts.memory} memory. See the Amazon ECS documentation for the valid values.`;
  }
  if (facts.executionRoleArn === undefined) {
    for (const container of facts.containerDefinitions) {
      if (container.logConfiguration?.logDriver === 'awslogs') {
        return 'Fargate requires task definition to have execution role ARN to support log driver awslogs.';
      }
      if (ECR_IMAGE.test(container.image)) {
        return 'Fargate requires task definition to have execution role ARN to support ECR images.';
      }
    }
  }
  return undefined;
}

function normalizeSize(value: string | undefined, parse: (text: string) => number | undefined, member: string): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parse(value);
  if (parsed === undefined || parsed <= 0) throw invalidParameter(`Invalid '${member}' setting for task.`);
  return String(parsed);
}

function normalizeContainer(raw: JsonObject): ContainerDefinition {
  const name = optionalString(raw, 'name');
  if (name === undefined || name === '') throw clientError('Container.name should not be null or empty.');
  if (!NAME_PATTERN.test(name)) throw clientError('Container.name contains invalid characters.');
  const image = optionalString(raw, 'image');
  if (image === undefined || image === '') throw clientError('Container.image should not be null or empty.');
  const environment = objectList(raw, 'environment').map(
    (pair): KeyValue => ({ name: String(pair.name ?? ''), value: String(pair.value ?? '') }),
  );
  const logConfiguration = optionalObject(raw, 'logConfiguration');
  const container: ContainerDefinition = {
    cpu: 0,
    portMappings: [],
    essential: true,
    mountPoints: [],
    volumesFrom: [],
    ...raw,
    name,
    image,
    environment,
  };
  if (logConfiguration !== undefined) {
    const options = isObject(logConfiguration.options) ? logConfiguration.options : {};
    container.logConfiguration = {
      logDriver: String(logConfiguration.logDriver ?? ''),
      options: Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)])),
    };
  }
  return container;
}
