/** DescribeTasks, ListTasks and StopTask over the tasks the simulator holds. */
import type { SimTask } from '../lifecycle/task.js';
import { taskJson, taskToWire } from '../lifecycle/task-wire.js';
import { resolveCluster } from './clusters.js';
import type { EcsContext } from './context.js';
import { invalidParameter } from './errors.js';
import { optionalNumber, optionalString, requiredString, stringList } from './fields.js';
import { taskArn, taskIdOf } from './identity.js';
import { RawJson, type JsonObject } from './model.js';
import { paginate } from './pagination.js';

export const MAX_DESCRIBE_TASKS = 100;
/** ListTasks members that filter, besides startedBy itself. */
const LIST_TASKS_FILTERS = ['family', 'launchType', 'desiredStatus', 'serviceName', 'containerInstance'] as const;
/** The rule is AWS's (API_ListTasks); no wire message was found, so this text is the simulator's. */
export const STARTED_BY_ALONE_MESSAGE = 'When you specify startedBy as the filter, it must be the only filter that you use.';

function findTask(ctx: EcsContext, clusterArn: string, reference: string): SimTask | undefined {
  const task = ctx.store.tasks.get(taskIdOf(reference));
  return task !== undefined && task.clusterArn === clusterArn ? task : undefined;
}

export function describeTasks(ctx: EcsContext, input: JsonObject): RawJson {
  const cluster = resolveCluster(ctx, optionalString(input, 'cluster'));
  const references = stringList(input, 'tasks');
  if (references.length === 0) throw invalidParameter('Tasks cannot be empty.');
  if (references.length > MAX_DESCRIBE_TASKS) throw invalidParameter(`taskIds can have at most ${MAX_DESCRIBE_TASKS} items.`);
  const includeTags = stringList(input, 'include').includes('TAGS');
  const tasks: string[] = [];
  const failures: JsonObject[] = [];
  for (const reference of references) {
    const task = findTask(ctx, cluster.clusterArn, reference);
    if (task === undefined) {
      const arn = reference.startsWith('arn:') ? reference : taskArn(ctx.identity, cluster.clusterName, reference);
      failures.push({ arn, reason: 'MISSING' });
      continue;
    }
    tasks.push(taskJson(task, includeTags));
  }
  return new RawJson(`{"tasks":[${tasks.join(',')}],"failures":${JSON.stringify(failures)}}`);
}

export function listTasks(ctx: EcsContext, input: JsonObject): JsonObject {
  const cluster = resolveCluster(ctx, optionalString(input, 'cluster'));
  const family = optionalString(input, 'family');
  const startedBy = optionalString(input, 'startedBy');
  const launchType = optionalString(input, 'launchType');
  // "When you specify startedBy as the filter, it must be the only filter that you use." (API_ListTasks)
  // cluster, maxResults and nextToken scope and page the listing; they are not filters.
  if (startedBy !== undefined && LIST_TASKS_FILTERS.some((member) => input[member] !== undefined && input[member] !== null)) {
    throw invalidParameter(STARTED_BY_ALONE_MESSAGE);
  }
  const desiredStatus = optionalString(input, 'desiredStatus') ?? 'RUNNING';
  if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus)) {
    throw invalidParameter('desiredStatus must be one of RUNNING, PENDING, STOPPED.');
  }
  // The simulator runs no services, so that filter matches nothing.
  if (optionalString(input, 'serviceName') !== undefined) return { taskArns: [] };
  const containerInstance = optionalString(input, 'containerInstance');
  const instanceArn = containerInstance === undefined ? undefined : ctx.containerInstances.find(cluster.clusterName, containerInstance)?.containerInstanceArn;
  if (containerInstance !== undefined && instanceArn === undefined) return { taskArns: [] };
  function* matching(): Generator<string> {
    for (const task of ctx.store.tasks.values()) {
      if (task.clusterArn !== cluster.clusterArn) continue;
      // "Amazon ECS never sets the desired status of a task to [PENDING]" (docs/ecs-facts.md#lifecycle).
      if (task.desiredStatus !== desiredStatus) continue;
      if (family !== undefined && task.family !== family) continue;
      if (startedBy !== undefined && task.startedBy !== startedBy) continue;
      if (launchType !== undefined && task.launchType !== launchType) continue;
      if (instanceArn !== undefined && task.hostPlacement?.containerInstanceArn !== instanceArn) continue;
      yield task.taskArn;
    }
  }
  const page = paginate(matching(), optionalString(input, 'nextToken'), optionalNumber(input, 'maxResults'), 100);
  return page.nextToken === undefined ? { taskArns: page.items } : { taskArns: page.items, nextToken: page.nextToken };
}

export function stopTask(ctx: EcsContext, input: JsonObject): JsonObject {
  const cluster = resolveCluster(ctx, optionalString(input, 'cluster'));
  const task = findTask(ctx, cluster.clusterArn, requiredString(input, 'task'));
  if (task === undefined) throw invalidParameter('The referenced task was not found');
  const reason = optionalString(input, 'reason');
  if (reason !== undefined && reason.length > 255) throw invalidParameter('reason must be at most 255 characters.');
  if (task.desiredStatus !== 'STOPPED') {
    // "Any tags associated with the task will be deleted." (docs/ecs-facts.md#lifecycle)
    task.tags = [];
    ctx.engine.stop(task, reason);
  }
  return { task: taskToWire(task) };
}
