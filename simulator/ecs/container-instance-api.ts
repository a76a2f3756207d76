/**
 * ListContainerInstances and DescribeContainerInstances over the instances provisioned per cluster
 * (container-instances.ts). Shapes: API_ListContainerInstances, API_DescribeContainerInstances and
 * API_ContainerInstance in the ECS API reference.
 */
import { resolveCluster } from './clusters.js';
import type { ContainerInstanceRecord } from './container-instances.js';
import type { EcsContext } from './context.js';
import { invalidParameter } from './errors.js';
import { optionalNumber, optionalString, stringList } from './fields.js';
import { containerInstanceArn } from './identity.js';
import type { JsonObject } from './model.js';
import { paginate } from './pagination.js';

export const MAX_DESCRIBE_CONTAINER_INSTANCES = 100;
const STATUSES = ['ACTIVE', 'DRAINING', 'REGISTERING', 'DEREGISTERING', 'REGISTRATION_FAILED'];
/** The ports the ECS agent reserves on every instance by default (ECS_RESERVED_PORTS). */
const RESERVED_PORTS = ['22', '2375', '2376', '51678', '51679'];

const integerResource = (name: string, value: number): JsonObject =>
  ({ name, type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: value });

function resources(cpu: number, memory: number): JsonObject[] {
  return [
    integerResource('CPU', cpu),
    integerResource('MEMORY', memory),
    { name: 'PORTS', type: 'STRINGSET', doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: RESERVED_PORTS },
    { name: 'PORTS_UDP', type: 'STRINGSET', doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: [] },
  ];
}

function instanceToWire(ctx: EcsContext, instance: ContainerInstanceRecord): JsonObject {
  let running = 0;
  let pending = 0;
  for (const task of ctx.store.tasks.values()) {
    if (task.hostPlacement?.containerInstanceArn !== instance.containerInstanceArn) continue;
    if (task.lastStatus === 'RUNNING') running += 1;
    else if (task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING' || task.lastStatus === 'ACTIVATING') pending += 1;
  }
  return {
    containerInstanceArn: instance.containerInstanceArn,
    ec2InstanceId: instance.ec2InstanceId,
    version: instance.version,
    versionInfo: { agentVersion: '1.89.0', agentHash: 'simulator', dockerVersion: 'DockerVersion: 25.0.8' },
    remainingResources: resources(instance.remainingCpu, instance.remainingMemory),
    registeredResources: resources(instance.registeredCpu, instance.registeredMemory),
    status: 'ACTIVE',
    agentConnected: true,
    runningTasksCount: running,
    pendingTasksCount: pending,
    attributes: [
      { name: 'ecs.os-type', value: 'linux' },
      { name: 'ecs.cpu-architecture', value: 'x86_64' },
      ...(instance.kind === 'EXTERNAL' ? [{ name: 'ecs.capability.external', value: '' }] : []),
    ],
    registeredAt: instance.registeredAtMs / 1000,
    attachments: [],
    tags: [],
  };
}

export function listContainerInstances(ctx: EcsContext, input: JsonObject): JsonObject {
  const cluster = resolveCluster(ctx, optionalString(input, 'cluster'));
  if (optionalString(input, 'filter') !== undefined) {
    // The cluster query language is not modelled; refusing beats silently listing everything.
    throw invalidParameter('The simulator does not support ListContainerInstances filter expressions.');
  }
  const status = optionalString(input, 'status');
  if (status !== undefined && !STATUSES.includes(status)) {
    throw invalidParameter(`status must be one of ${STATUSES.join(', ')}.`);
  }
  // Every simulated instance is ACTIVE; without `status` AWS lists every state but INACTIVE (API_ListContainerInstances).
  const arns = status === undefined || status === 'ACTIVE'
    ? ctx.containerInstances.of(cluster.clusterName).map((instance) => instance.containerInstanceArn)
    : [];
  const page = paginate(arns, optionalString(input, 'nextToken'), optionalNumber(input, 'maxResults'), 100);
  return page.nextToken === undefined ? { containerInstanceArns: page.items } : { containerInstanceArns: page.items, nextToken: page.nextToken };
}

export function describeContainerInstances(ctx: EcsContext, input: JsonObject): JsonObject {
  const cluster = resolveCluster(ctx, optionalString(input, 'cluster'));
  const references = stringList(input, 'containerInstances');
  if (references.length === 0) throw invalidParameter('containerInstances can not be empty.');
  if (references.length > MAX_DESCRIBE_CONTAINER_INSTANCES) {
    throw invalidParameter(`containerInstances can have at most ${MAX_DESCRIBE_CONTAINER_INSTANCES} items.`);
  }
  const containerInstances: JsonObject[] = [];
  const failures: JsonObject[] = [];
  for (const reference of references) {
    const instance = ctx.containerInstances.find(cluster.clusterName, reference);
    if (instance === undefined) {
      const arn = reference.startsWith('arn:') ? reference : containerInstanceArn(ctx.identity, cluster.clusterName, reference);
      failures.push({ arn, reason: 'MISSING' });
    } else {
      containerInstances.push(instanceToWire(ctx, instance));
    }
  }
  return { containerInstances, failures };
}
