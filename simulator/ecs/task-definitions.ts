/**
 * RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions, DeregisterTaskDefinition.
 * A registration takes `registrationDelayMs` (simulated); a second one for the same family in that window
 * fails the way ECS fails it (docs/ecs-facts.md#task-definitions).
 */
import type { EcsContext } from './context.js';
import { clientError, invalidParameter } from './errors.js';
import { optionalNumber, optionalString, requiredString, stringList } from './fields.js';
import { taskDefinitionArn } from './identity.js';
import type { JsonObject, TaskDefinitionRecord } from './model.js';
import { paginate } from './pagination.js';
import { parseRegistration } from './task-definition-rules.js';

export const CONCURRENT_REGISTRATION_MESSAGE = 'Too many concurrent attempts to create a new revision of the specified family.';

function taskDefinitionToWire(record: TaskDefinitionRecord): JsonObject {
  const wire: JsonObject = {
    ...record.passthrough,
    taskDefinitionArn: record.taskDefinitionArn,
    containerDefinitions: record.containerDefinitions,
    family: record.family,
    taskRoleArn: record.taskRoleArn,
    executionRoleArn: record.executionRoleArn,
    networkMode: record.networkMode,
    revision: record.revision,
    volumes: record.passthrough.volumes ?? [],
    status: record.status,
    requiresAttributes: [],
    placementConstraints: record.passthrough.placementConstraints ?? [],
    compatibilities: record.compatibilities,
    requiresCompatibilities: record.requiresCompatibilities,
    cpu: record.cpu,
    memory: record.memory,
    registeredAt: record.registeredAtMs / 1000,
    deregisteredAt: record.deregisteredAtMs === undefined ? undefined : record.deregisteredAtMs / 1000,
    registeredBy: 'arn:aws:iam::123456789012:role/longshore-simulator',
  };
  for (const key of Object.keys(wire)) if (wire[key] === undefined) delete wire[key];
  return wire;
}

export async function registerTaskDefinition(ctx: EcsContext, input: JsonObject): Promise<JsonObject> {
  const content = parseRegistration(input);
  const { store } = ctx;
  if (store.registering.has(content.family)) throw clientError(CONCURRENT_REGISTRATION_MESSAGE);
  store.registering.add(content.family);
  try {
    const delayMs = ctx.toRealMs(ctx.registrationDelayMs);
    if (delayMs > 0) await new Promise<void>((resolve) => ctx.scheduler.after(delayMs, resolve));
  } finally {
    store.registering.delete(content.family);
  }
  const revisions = store.families.get(content.family) ?? [];
  const revision = revisions.length + 1;
  const record: TaskDefinitionRecord = {
    ...content,
    revision,
    taskDefinitionArn: taskDefinitionArn(ctx.identity, content.family, revision),
    status: 'ACTIVE',
    registeredAtMs: ctx.scheduler.now(),
  };
  revisions.push(record);
  store.families.set(content.family, revisions);
  store.registrationCounts.set(content.family, (store.registrationCounts.get(content.family) ?? 0) + 1);
  return { taskDefinition: taskDefinitionToWire(record), tags: record.tags };
}

/**
 * Resolves "family", "family:revision" or a full ARN. A bare family means its latest ACTIVE revision
 * (docs/ecs-facts.md#task-definitions); an explicit revision is returned whatever its status (RunTask
 * checks ACTIVE itself).
 */
export function findTaskDefinition(ctx: EcsContext, reference: string): TaskDefinitionRecord | undefined {
  const record = findRevision(ctx, reference);
  return record === undefined || isDeleted(ctx, record) ? undefined : record;
}

/**
 * "A task definition revision will stay in DELETE_IN_PROGRESS status until all the associated tasks and
 * services have been terminated" (API_DeleteTaskDefinitions); after that it is gone for good. The revision
 * keeps its slot, so the family's next registration still gets the next number.
 */
function isDeleted(ctx: EcsContext, record: TaskDefinitionRecord): boolean {
  if (record.status !== 'DELETE_IN_PROGRESS') return false;
  for (const task of ctx.store.tasks.values()) {
    if (task.taskDefinitionArn === record.taskDefinitionArn && task.lastStatus !== 'STOPPED') return false;
  }
  return true;
}

function findRevision(ctx: EcsContext, reference: string): TaskDefinitionRecord | undefined {
  const marker = ':task-definition/';
  const at = reference.indexOf(marker);
  const name = at >= 0 ? reference.slice(at + marker.length) : reference;
  const colon = name.lastIndexOf(':');
  if (colon < 0) {
    const revisions = ctx.store.families.get(name) ?? [];
    for (let i = revisions.length - 1; i >= 0; i -= 1) if (revisions[i].status === 'ACTIVE') return revisions[i];
    return undefined;
  }
  const revision = Number(name.slice(colon + 1));
  if (!Number.isInteger(revision) || revision < 1) return undefined;
  return ctx.store.families.get(name.slice(0, colon))?.[revision - 1];
}

export function describeTaskDefinition(ctx: EcsContext, input: JsonObject): JsonObject {
  const record = findTaskDefinition(ctx, requiredString(input, 'taskDefinition'));
  if (record === undefined) throw clientError('Unable to describe task definition.');
  const includeTags = stringList(input, 'include').includes('TAGS');
  return includeTags ? { taskDefinition: taskDefinitionToWire(record), tags: record.tags } : { taskDefinition: taskDefinitionToWire(record) };
}

export function listTaskDefinitions(ctx: EcsContext, input: JsonObject): JsonObject {
  const familyPrefix = optionalString(input, 'familyPrefix');
  const status = optionalString(input, 'status') ?? 'ACTIVE';
  const sort = optionalString(input, 'sort') ?? 'ASC';
  if (status !== 'ACTIVE' && status !== 'INACTIVE' && status !== 'DELETE_IN_PROGRESS') {
    throw invalidParameter('status must be one of ACTIVE, INACTIVE, DELETE_IN_PROGRESS.');
  }
  if (sort !== 'ASC' && sort !== 'DESC') throw invalidParameter('sort must be one of ASC, DESC.');
  // ECS lists by family name, then revision.
  const families = [...ctx.store.families.keys()]
    .filter((family) => familyPrefix === undefined || family.startsWith(familyPrefix))
    .sort();
  const arns: string[] = [];
  for (const family of families) {
    for (const record of ctx.store.families.get(family) ?? []) {
      if (record.status === status && !isDeleted(ctx, record)) arns.push(record.taskDefinitionArn);
    }
  }
  if (sort === 'DESC') arns.reverse();
  const page = paginate(arns, optionalString(input, 'nextToken'), optionalNumber(input, 'maxResults'), 100);
  return { taskDefinitionArns: page.items, nextToken: page.nextToken };
}

export function deregisterTaskDefinition(ctx: EcsContext, input: JsonObject): JsonObject {
  const reference = requiredString(input, 'taskDefinition');
  const name = reference.slice(reference.indexOf(':task-definition/') >= 0 ? reference.indexOf(':task-definition/') + 17 : 0);
  if (!name.includes(':')) throw clientError('Revision is required.');
  const record = findTaskDefinition(ctx, reference);
  if (record === undefined) throw clientError('The specified task definition does not exist.');
  if (record.status === 'ACTIVE') {
    record.status = 'INACTIVE';
    record.deregisteredAtMs = ctx.scheduler.now();
  }
  return { taskDefinition: taskDefinitionToWire(record) };
}

export const MAX_DELETE_TASK_DEFINITIONS = 10;
/** Failure reasons of DeleteTaskDefinitions; no AWS wire text was found, so these are the simulator's. */
export const DELETE_REASONS = {
  active: 'The specified task definition is still in ACTIVE status. Please deregister the target and try again.',
  missing: 'The specified task definition does not exist.',
} as const;

/**
 * DeleteTaskDefinitions (API_DeleteTaskDefinitions): "You must deregister a task definition revision before
 * you delete it"; an INACTIVE revision becomes DELETE_IN_PROGRESS at once and cannot run new tasks.
 * Per-revision problems come back in failures[], as the API's output shape has it.
 */
export function deleteTaskDefinitions(ctx: EcsContext, input: JsonObject): JsonObject {
  const references = stringList(input, 'taskDefinitions');
  if (references.length === 0) throw invalidParameter('taskDefinitions can not be empty.');
  if (references.length > MAX_DELETE_TASK_DEFINITIONS) {
    throw invalidParameter(`taskDefinitions can have at most ${MAX_DELETE_TASK_DEFINITIONS} items.`);
  }
  const taskDefinitions: JsonObject[] = [];
  const failures: JsonObject[] = [];
  for (const reference of references) {
    const record = findTaskDefinition(ctx, reference);
    if (record === undefined || !reference.slice(reference.lastIndexOf('/') + 1).includes(':')) {
      failures.push({ arn: reference, reason: DELETE_REASONS.missing });
      continue;
    }
    if (record.status === 'ACTIVE') {
      failures.push({ arn: record.taskDefinitionArn, reason: DELETE_REASONS.active });
      continue;
    }
    record.status = 'DELETE_IN_PROGRESS';
    taskDefinitions.push(taskDefinitionToWire(record));
  }
  return { taskDefinitions, failures };
}
