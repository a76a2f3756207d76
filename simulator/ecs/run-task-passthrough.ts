/**
 * RunTask's optional members beyond the ones every launch uses: placement constraints and strategies,
 * platform version, execute command, tag propagation, ECS managed tags, referenceId, and the task-level
 * overrides ephemeralStorage, inferenceAcceleratorOverrides and containers' resourceRequirements. Validated
 * as ECS validates them, with its messages where one was found (docs/simulator.md "RunTask passthrough"
 * lists each rule and its source; rules whose wording was not found say so there), pure.
 */
import { invalidParameter } from './errors.js';
import { isObject, objectList, optionalBoolean, optionalNumber, optionalObject, optionalString } from './fields.js';
import type { JsonObject, TaskDefinitionRecord } from './model.js';
import type { Placement } from './run-task-rules.js';

export const MAX_PLACEMENT_CONSTRAINTS = 10;
export const MAX_PLACEMENT_STRATEGIES = 5;
export const MIN_EPHEMERAL_GIB = 21;
export const MAX_EPHEMERAL_GIB = 200;
export const MAX_REFERENCE_ID = 1024;
/** The Linux Fargate platform versions RunTask accepts, and what LATEST means. */
export const FARGATE_PLATFORM_VERSIONS = new Set(['1.3.0', '1.4.0']);
export const LATEST_PLATFORM_VERSION = '1.4.0';
const CONSTRAINT_TYPES = new Set(['distinctInstance', 'memberOf']);
const STRATEGY_TYPES = new Set(['random', 'spread', 'binpack']);
const PROPAGATE_TAGS = new Set(['TASK_DEFINITION', 'SERVICE', 'NONE']);

/** What the task keeps of the passthrough members, for DescribeTasks. */
export interface Passthrough {
  platformVersion?: string;
  ephemeralStorage?: { sizeInGiB: number };
  propagateTags?: string;
  enableECSManagedTags: boolean;
}

export function validatePassthrough(input: JsonObject, record: TaskDefinitionRecord, placement: Placement, overrides: JsonObject): Passthrough {
  const fargate = placement.launchType === 'FARGATE';
  placementRules(input, record, fargate);
  const platformVersion = platformVersionOf(input, fargate);
  const propagateTags = optionalString(input, 'propagateTags');
  if (propagateTags !== undefined && !PROPAGATE_TAGS.has(propagateTags)) {
    throw invalidParameter(`1 validation error detected: Value '${propagateTags}' at 'propagateTags' failed to satisfy constraint: Member must satisfy enum value set: [TASK_DEFINITION, SERVICE, NONE]`);
  }
  if (propagateTags === 'SERVICE') {
    throw invalidParameter('The SERVICE option for propagateTags is only supported for tasks launched by a service.');
  }
  const referenceId = optionalString(input, 'referenceId');
  if (referenceId !== undefined && referenceId.length > MAX_REFERENCE_ID) {
    throw invalidParameter(`referenceId must be at most ${MAX_REFERENCE_ID} characters.`);
  }
  optionalBoolean(input, 'enableExecuteCommand');
  const ephemeralStorage = ephemeralStorageOf(overrides, fargate, platformVersion);
  acceleratorRules(overrides, fargate);
  const out: Passthrough = { enableECSManagedTags: optionalBoolean(input, 'enableECSManagedTags') ?? false };
  if (platformVersion !== undefined) out.platformVersion = platformVersion;
  if (ephemeralStorage !== undefined) out.ephemeralStorage = ephemeralStorage;
  if (propagateTags !== undefined) out.propagateTags = propagateTags;
  return out;
}

function placementRules(input: JsonObject, record: TaskDefinitionRecord, fargate: boolean): void {
  const constraints = objectList(input, 'placementConstraints');
  const strategies = objectList(input, 'placementStrategy');
  if (fargate && constraints.length > 0) throw invalidParameter('Placement constraints are not supported with FARGATE launch type.');
  if (fargate && strategies.length > 0) throw invalidParameter('Placement strategies are not supported with FARGATE launch type.');
  const fromDefinition = Array.isArray(record.passthrough.placementConstraints) ? record.passthrough.placementConstraints.length : 0;
  if (constraints.length + fromDefinition > MAX_PLACEMENT_CONSTRAINTS) {
    throw invalidParameter(`You can specify up to ${MAX_PLACEMENT_CONSTRAINTS} constraints per task (including constraints in the task definition and those specified at runtime).`);
  }
  for (const constraint of constraints) {
    const type = optionalString(constraint, 'type');
    const expression = optionalString(constraint, 'expression');
    if (type === undefined || !CONSTRAINT_TYPES.has(type)) throw invalidParameter(`Invalid placement constraint type: ${type ?? ''}.`);
    if (type === 'memberOf' && expression === undefined) throw invalidParameter('A memberOf placement constraint requires an expression.');
    if (type === 'distinctInstance' && expression !== undefined) throw invalidParameter('A distinctInstance placement constraint does not take an expression.');
  }
  if (strategies.length > MAX_PLACEMENT_STRATEGIES) throw invalidParameter(`You can specify a maximum of ${MAX_PLACEMENT_STRATEGIES} strategy rules for each task.`);
  for (const strategy of strategies) {
    const type = optionalString(strategy, 'type');
    const field = optionalString(strategy, 'field');
    if (type === undefined || !STRATEGY_TYPES.has(type)) throw invalidParameter(`Invalid placement strategy type: ${type ?? ''}.`);
    if (type === 'binpack' && field !== 'cpu' && field !== 'memory') throw invalidParameter('The binpack placement strategy field must be cpu or memory.');
    if (type === 'spread' && field === undefined) throw invalidParameter('The spread placement strategy requires a field.');
    if (type === 'random' && field !== undefined) throw invalidParameter('The random placement strategy does not take a field.');
  }
}

function platformVersionOf(input: JsonObject, fargate: boolean): string | undefined {
  const requested = optionalString(input, 'platformVersion');
  if (!fargate) {
    if (requested !== undefined) throw invalidParameter('The platform version must be null when specifying an EC2 launch type.');
    return undefined;
  }
  if (requested === undefined || requested === 'LATEST') return LATEST_PLATFORM_VERSION;
  if (!FARGATE_PLATFORM_VERSIONS.has(requested)) throw invalidParameter(`The specified platform version (${requested}) does not exist.`);
  return requested;
}

function ephemeralStorageOf(overrides: JsonObject, fargate: boolean, platformVersion: string | undefined): { sizeInGiB: number } | undefined {
  const storage = optionalObject(overrides, 'ephemeralStorage');
  if (storage === undefined) return undefined;
  const size = optionalNumber(storage, 'sizeInGiB');
  if (size === undefined || !Number.isInteger(size) || size < MIN_EPHEMERAL_GIB || size > MAX_EPHEMERAL_GIB) {
    throw invalidParameter(`The ephemeral storage size must be between ${MIN_EPHEMERAL_GIB} and ${MAX_EPHEMERAL_GIB} GiB.`);
  }
  if (!fargate) throw invalidParameter('Ephemeral storage overrides are only supported for tasks hosted on Fargate.');
  if (platformVersion === '1.3.0') throw invalidParameter('Ephemeral storage requires Fargate platform version 1.4.0 or later.');
  return { sizeInGiB: size };
}

function acceleratorRules(overrides: JsonObject, fargate: boolean): void {
  if (!fargate) return;
  if (objectList(overrides, 'inferenceAcceleratorOverrides').length > 0) {
    throw invalidParameter('Inference accelerators are not supported with FARGATE launch type.');
  }
  for (const container of objectList(overrides, 'containerOverrides')) {
    const gpus = objectList(container, 'resourceRequirements').filter((r) => isObject(r) && r.type === 'GPU');
    if (gpus.length > 0) throw invalidParameter('GPU resource requirements are not supported with FARGATE launch type.');
  }
}
