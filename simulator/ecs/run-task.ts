/**
 * RunTask: validate as ECS does, honour the clientToken, spend the Fargate call and launch buckets,
 * then create each task (or a failures[] entry for capacity) and hand it to the lifecycle engine.
 */
import { decideFate } from '../lifecycle/fate.js';
import { faultBudgetKey } from '../lifecycle/fault-budgets.js';
import type { SimContainer, SimTask } from '../lifecycle/task.js';
import { taskToWire } from '../lifecycle/task-wire.js';
import { randomHex } from '../random.js';
import { resolveCluster } from './clusters.js';
import { parseCpuUnits, parseMemoryMiB } from './fargate-sizes.js';
import type { EcsContext } from './context.js';
import type { ContainerInstanceRecord, Shortage } from './container-instances.js';
import { shortageOn } from './container-instances.js';
import { clientError, EcsError, invalidParameter, throttled } from './errors.js';
import { isObject, optionalBoolean, optionalString, requiredString } from './fields.js';
import { validatePassthrough, type Passthrough } from './run-task-passthrough.js';
import { canonicalJson, type IdempotentRun } from './idempotency.js';
import { containerArn, taskArn } from './identity.js';
import type { JsonObject, TaskDefinitionRecord } from './model.js';
import {
  checkTaskDefinitionRunnable, environmentOf, readCount, resolvePlacement, validateClientToken, validateGroup,
  validateNetwork, validateOverrides, validateStartedBy, type AwsvpcChoice, type CapacityProviderItem,
} from './run-task-rules.js';
import { parseTags } from './tags.js';
import { findTaskDefinition } from './task-definitions.js';

export const CAPACITY_UNAVAILABLE = 'Capacity is unavailable at this time. Please try again later or in a different availability zone';
/** AWS's answer to an EC2 RunTask on a cluster without container instances (aws/amazon-ecs-cli#1122, linz/geostore#1687). */
export const NO_CONTAINER_INSTANCES = 'No Container Instances were found in your cluster.';

export function runTask(ctx: EcsContext, input: JsonObject): JsonObject {
  const clientToken = optionalString(input, 'clientToken');
  validateClientToken(clientToken);
  const cluster = resolveCluster(ctx, optionalString(input, 'cluster'));
  const count = readCount(input);
  const placement = resolvePlacement(input);
  const record = findTaskDefinition(ctx, requiredString(input, 'taskDefinition'));
  if (record === undefined) throw clientError('TaskDefinition not found.');
  checkTaskDefinitionRunnable(record, placement);
  const network = validateNetwork(input, record, new Set(ctx.network.subnets.map((s) => s.subnetId)));
  const overrides = validateOverrides(input, record, placement.launchType);
  const passthrough = validatePassthrough(input, record, placement, overrides);
  const startedBy = validateStartedBy(input);
  const group = validateGroup(input, record.family);
  const tags = parseTags(input.tags);

  // Defaults filled in, so `count` omitted and `count: 1`, or a cluster name and its ARN, are the same request.
  const fingerprint = canonicalJson({ ...input, clientToken: undefined, cluster: cluster.clusterArn, count });
  if (clientToken !== undefined) {
    const previous = ctx.idempotency.find(cluster.clusterArn, clientToken);
    if (previous !== undefined) return replay(previous, fingerprint);
  }

  // EC2 and EXTERNAL tasks need registered container instances of their kind; Fargate brings its own capacity.
  let hosts: ContainerInstanceRecord[] | undefined;
  if (placement.launchType !== 'FARGATE') {
    hosts = ctx.containerInstances.of(cluster.clusterName, placement.launchType);
    if (hosts.length === 0) throw invalidParameter(NO_CONTAINER_INSTANCES);
  }

  const providers = Array.from({ length: count }, (_, i) => pickProvider(placement.strategy, i, ctx.random));
  if (placement.launchType === 'FARGATE') {
    const spot = providers.filter((p) => p === 'FARGATE_SPOT').length;
    const onDemand = count - spot;
    const short = ctx.throttles.takeAll([
      ['fargateRunTaskCalls', 1],
      ['fargateOnDemandLaunches', onDemand],
      ['fargateSpotLaunches', spot],
    ]);
    if (short !== undefined) throw throttled();
  }

  const tasks: SimTask[] = [];
  const failures: JsonObject[] = [];
  for (const provider of providers) {
    if (placement.launchType === 'FARGATE' && ctx.random() < ctx.scenario.faults.capacityFailureRate) {
      failures.push({ reason: CAPACITY_UNAVAILABLE });
      continue;
    }
    // Fargate Spot alone out of capacity (on-demand unaffected): the case spot-to-on-demand fallback is for.
    if (provider === 'FARGATE_SPOT' && placement.strategy !== undefined && ctx.scenario.faults.spotCapacityFailureRate > 0
      && ctx.random() < ctx.scenario.faults.spotCapacityFailureRate) {
      failures.push({ reason: CAPACITY_UNAVAILABLE });
      continue;
    }
    let hostPlacement: SimTask['hostPlacement'];
    if (hosts !== undefined) {
      const size = taskResources(record, overrides);
      const choice = chooseInstance(hosts, size, ctx.random);
      if (choice.shortage !== undefined) {
        // RunTask names the container instance that could not take the task (docs/ecs-facts.md#runtask).
        failures.push({ arn: choice.instance.containerInstanceArn, reason: choice.shortage });
        continue;
      }
      ctx.containerInstances.reserve(choice.instance, size.cpu, size.memory);
      hostPlacement = { containerInstanceArn: choice.instance.containerInstanceArn, ...size };
    }
    const task = createTask(ctx, {
      record, clusterArnValue: cluster.clusterArn, clusterName: cluster.clusterName, launchType: placement.launchType,
      provider: placement.strategy === undefined ? undefined : provider, network, overrides, startedBy, group,
      tags: taskTags(tags, passthrough, record, cluster.clusterName), clientToken,
      enableExecuteCommand: optionalBoolean(input, 'enableExecuteCommand') ?? false, passthrough,
    });
    task.hostPlacement = hostPlacement;
    tasks.push(task);
  }
  if (clientToken !== undefined) {
    ctx.idempotency.remember(cluster.clusterArn, clientToken, { fingerprint, createdAtMs: ctx.scheduler.now(), tasks, failures });
  }
  for (const task of tasks) {
    ctx.store.tasks.set(task.taskId, task);
    ctx.engine.start(task);
  }
  return { tasks: tasks.map(taskToWire), failures };
}

function replay(previous: IdempotentRun, fingerprint: string): JsonObject {
  if (previous.fingerprint !== fingerprint) {
    throw new EcsError(
      'ConflictException',
      // The model's description of ConflictException (docs/ecs-facts.md#idempotency); no captured wire message was found.
      'The provided clientToken is already in use with a different RunTask request.',
      400,
      { resourceIds: previous.tasks.map((task) => task.taskArn) },
    );
  }
  // "Tasks that have been stopped for under an hour only include the task ARN, last status, and desired status." (docs/ecs-facts.md#idempotency)
  const tasks = previous.tasks.map((task) =>
    task.lastStatus === 'STOPPED' ? { taskArn: task.taskArn, lastStatus: task.lastStatus, desiredStatus: task.desiredStatus } : taskToWire(task),
  );
  return { tasks, failures: previous.failures };
}

/** Which capacity provider the i-th task lands on: `base` tasks first, the rest by weight. */
function pickProvider(strategy: CapacityProviderItem[] | undefined, index: number, random: () => number): string {
  if (strategy === undefined) return 'FARGATE';
  let baseSoFar = 0;
  for (const item of strategy) {
    baseSoFar += item.base;
    if (index < baseSoFar) return item.capacityProvider;
  }
  const weighted = strategy.filter((item) => item.weight > 0);
  if (weighted.length === 0) return strategy[0].capacityProvider;
  const total = weighted.reduce((sum, item) => sum + item.weight, 0);
  let point = random() * total;
  for (const item of weighted) {
    point -= item.weight;
    if (point < 0) return item.capacityProvider;
  }
  return weighted[weighted.length - 1].capacityProvider;
}

/**
 * Where a task goes: a random instance among those with room (RunTask's placement constraints and strategies
 * are validated in run-task-passthrough.ts, then ignored), or, when none has room, the first instance with
 * what it lacks.
 */
function chooseInstance(
  hosts: ContainerInstanceRecord[], size: { cpu: number; memory: number }, random: () => number,
): { instance: ContainerInstanceRecord; shortage?: Shortage } {
  const fitting = hosts.filter((host) => shortageOn(host, size.cpu, size.memory) === undefined);
  if (fitting.length === 0) return { instance: hosts[0], shortage: shortageOn(hosts[0], size.cpu, size.memory) };
  // Drawn only when there is a choice, so single-instance clusters leave the random sequence alone.
  return { instance: fitting.length === 1 ? fitting[0] : fitting[Math.floor(random() * fitting.length)] };
}

/** What an EC2 task reserves: task-level size (overrides first), else the containers' sum (memory, or its soft reservation). */
function taskResources(record: TaskDefinitionRecord, overrides: JsonObject): { cpu: number; memory: number } {
  const cpuText = typeof overrides.cpu === 'string' ? overrides.cpu : record.cpu;
  const memoryText = typeof overrides.memory === 'string' ? overrides.memory : record.memory;
  const cpu = cpuText !== undefined ? parseCpuUnits(cpuText) ?? 0 : record.containerDefinitions.reduce((s, c) => s + (c.cpu ?? 0), 0);
  const memory = memoryText !== undefined
    ? parseMemoryMiB(memoryText) ?? 0
    : record.containerDefinitions.reduce((s, c) => s + (c.memory ?? c.memoryReservation ?? 0), 0);
  return { cpu, memory };
}

interface NewTask {
  record: TaskDefinitionRecord;
  clusterArnValue: string;
  clusterName: string;
  launchType: 'FARGATE' | 'EC2' | 'EXTERNAL';
  provider: string | undefined;
  network: AwsvpcChoice | undefined;
  overrides: JsonObject;
  startedBy: string | undefined;
  group: string;
  tags: SimTask['tags'];
  clientToken: string | undefined;
  enableExecuteCommand: boolean;
  passthrough: Passthrough;
}

/**
 * The task's tags: the request's, then the definition's when propagateTags is TASK_DEFINITION, then ECS's
 * managed tag when enableECSManagedTags is set (a standalone task gets aws:ecs:clusterName).
 */
function taskTags(requested: SimTask['tags'], passthrough: Passthrough, record: TaskDefinitionRecord, clusterName: string): SimTask['tags'] {
  const out = [...requested];
  const has = (key: string): boolean => out.some((tag) => tag.key === key);
  if (passthrough.propagateTags === 'TASK_DEFINITION') for (const tag of record.tags) if (!has(tag.key)) out.push(tag);
  if (passthrough.enableECSManagedTags && !has('aws:ecs:clusterName')) out.push({ key: 'aws:ecs:clusterName', value: clusterName });
  return out;
}

function createTask(ctx: EcsContext, spec: NewTask): SimTask {
  const taskId = randomHex(ctx.idRandom, 32);
  const { record } = spec;
  const environments = record.containerDefinitions.map((c) => environmentOf(spec.overrides, c.name, c.environment ?? []));
  const taskEnvironment = new Map<string, string>();
  for (const environment of environments) for (const [k, v] of environment) if (!taskEnvironment.has(k)) taskEnvironment.set(k, v);
  const containers: SimContainer[] = record.containerDefinitions.map((definition, i) => {
    const exitOverride = Number(environments[i].get('SIM_EXIT_CODE'));
    return {
      containerArn: containerArn(ctx.identity, spec.clusterName, taskId, randomHex(ctx.idRandom, 8)),
      name: definition.name,
      image: definition.image,
      essential: definition.essential !== false,
      lastStatus: 'PENDING',
      cpu: String(definition.cpu ?? 0),
      memory: definition.memory === undefined ? undefined : String(definition.memory),
      logConfiguration: definition.logConfiguration,
      exitCodeOverride: environments[i].has('SIM_EXIT_CODE') && Number.isFinite(exitOverride) ? Math.trunc(exitOverride) : undefined,
    };
  });
  // awsvpc tasks land in one of their subnets; others in any AZ of the network.
  const candidates = spec.network === undefined
    ? ctx.network.subnets
    : ctx.network.subnets.filter((s) => spec.network?.subnets.includes(s.subnetId));
  const subnet = candidates[Math.floor(ctx.random() * candidates.length)];
  const fate = decideFate({
    environment: taskEnvironment,
    image: record.containerDefinitions[0].image,
    isSpot: spec.provider === 'FARGATE_SPOT',
    scenario: ctx.scenario,
    random: ctx.random,
    budgets: ctx.store.faultBudgets,
    budgetKey: faultBudgetKey({ clusterArn: spec.clusterArnValue, startedBy: spec.startedBy, family: record.family, environment: taskEnvironment }),
  });
  return {
    taskArn: taskArn(ctx.identity, spec.clusterName, taskId),
    taskId,
    clusterArn: spec.clusterArnValue,
    clusterName: spec.clusterName,
    taskDefinitionArn: record.taskDefinitionArn,
    family: record.family,
    launchType: spec.launchType,
    capacityProviderName: spec.provider,
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    version: 1,
    createdAtMs: ctx.scheduler.now(),
    containers,
    // Task-level overrides replace the definition's size on the task, as DescribeTasks shows it.
    cpu: typeof spec.overrides.cpu === 'string' ? spec.overrides.cpu : record.cpu,
    memory: typeof spec.overrides.memory === 'string' ? spec.overrides.memory : record.memory,
    overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...spec.overrides },
    startedBy: spec.startedBy,
    group: spec.group,
    tags: spec.tags,
    availabilityZone: subnet?.availabilityZone ?? `${ctx.identity.region}a`,
    attachments: spec.network === undefined ? [] : [eniAttachment(ctx, subnet?.subnetId ?? spec.network.subnets[0])],
    enableExecuteCommand: spec.enableExecuteCommand,
    platformVersion: spec.passthrough.platformVersion,
    ephemeralStorage: spec.passthrough.ephemeralStorage,
    cpuArchitecture: cpuArchitectureOf(record),
    clientToken: spec.clientToken,
    fate,
  };
}

/** The definition's runtimePlatform.cpuArchitecture (X86_64 unless it says ARM64), as the task's ecs.cpu-architecture attribute says it. */
function cpuArchitectureOf(record: TaskDefinitionRecord): 'x86_64' | 'arm64' {
  const platform = record.passthrough.runtimePlatform;
  return isObject(platform) && platform.cpuArchitecture === 'ARM64' ? 'arm64' : 'x86_64';
}

function eniAttachment(ctx: EcsContext, subnetId: string): JsonObject {
  const hex = randomHex(ctx.idRandom, 17);
  const octet = (i: number): number => parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return {
    id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(12, 15)}-8${hex.slice(15, 17)}${hex.slice(0, 1)}-${hex.slice(1, 13)}`,
    type: 'ElasticNetworkInterface',
    status: 'PRECREATED',
    details: [
      { name: 'subnetId', value: subnetId },
      { name: 'networkInterfaceId', value: `eni-${hex}` },
      { name: 'macAddress', value: [0x0a, octet(0), octet(1), octet(2), octet(3), octet(4)].map((b) => b.toString(16).padStart(2, '0')).join(':') },
      { name: 'privateIPv4Address', value: `10.0.${octet(5)}.${Math.max(4, octet(6))}` },
    ],
  };
}
