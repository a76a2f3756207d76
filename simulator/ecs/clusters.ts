/** CreateCluster, DescribeClusters, ListClusters. A cluster named "default" always exists. */
import type { EcsContext } from './context.js';
import { clusterNotFound, invalidParameter } from './errors.js';
import { optionalNumber, optionalString, stringList, objectList } from './fields.js';
import { clusterArn, clusterNameOf } from './identity.js';
import type { ClusterRecord, JsonObject } from './model.js';
import { parseTags } from './tags.js';
import { paginate } from './pagination.js';

export const CLUSTER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

export function ensureDefaultCluster(ctx: EcsContext): void {
  ensureCluster(ctx, 'default');
}

/** The cluster of that name, created as CreateCluster would if absent (scenario `clusters`). */
export function ensureCluster(ctx: EcsContext, name: string): ClusterRecord {
  return ctx.store.clusters.get(name) ?? createClusterRecord(ctx, name, [], []);
}

function createClusterRecord(ctx: EcsContext, name: string, tags: ClusterRecord['tags'], settings: JsonObject[]): ClusterRecord {
  const record: ClusterRecord = {
    clusterName: name,
    clusterArn: clusterArn(ctx.identity, name),
    createdAtMs: ctx.scheduler.now(),
    tags,
    settings: settings.length > 0 ? settings : [{ name: 'containerInsights', value: 'disabled' }],
    capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
  };
  ctx.store.clusters.set(name, record);
  return record;
}

/** The cluster a request names (name or ARN; "default" when absent), or ClusterNotFoundException. */
export function resolveCluster(ctx: EcsContext, reference: string | undefined): ClusterRecord {
  const cluster = ctx.store.clusters.get(clusterNameOf(reference));
  if (cluster === undefined) throw clusterNotFound();
  return cluster;
}

function clusterToWire(ctx: EcsContext, cluster: ClusterRecord, includeTags: boolean): JsonObject {
  let running = 0;
  let pending = 0;
  for (const task of ctx.store.tasks.values()) {
    if (task.clusterArn !== cluster.clusterArn) continue;
    if (task.lastStatus === 'RUNNING') running += 1;
    else if (task.lastStatus === 'PENDING' || task.lastStatus === 'PROVISIONING' || task.lastStatus === 'ACTIVATING') pending += 1;
  }
  return {
    clusterArn: cluster.clusterArn,
    clusterName: cluster.clusterName,
    status: 'ACTIVE',
    registeredContainerInstancesCount: ctx.containerInstances.of(cluster.clusterName).length,
    runningTasksCount: running,
    pendingTasksCount: pending,
    activeServicesCount: 0,
    statistics: [],
    tags: includeTags ? cluster.tags : [],
    settings: cluster.settings,
    capacityProviders: cluster.capacityProviders,
    defaultCapacityProviderStrategy: [],
  };
}

export function createCluster(ctx: EcsContext, input: JsonObject): JsonObject {
  const name = optionalString(input, 'clusterName') ?? 'default';
  if (!CLUSTER_NAME.test(name)) {
    throw invalidParameter('Cluster name can only contain alphanumeric characters, hyphens, and underscores.');
  }
  const tags = parseTags(input.tags);
  // CreateCluster is idempotent on the name: an existing cluster is returned as it is.
  const cluster = ctx.store.clusters.get(name) ?? createClusterRecord(ctx, name, tags, objectList(input, 'settings'));
  return { cluster: clusterToWire(ctx, cluster, true) };
}

export function describeClusters(ctx: EcsContext, input: JsonObject): JsonObject {
  const references = stringList(input, 'clusters');
  const includeTags = stringList(input, 'include').includes('TAGS');
  const clusters: JsonObject[] = [];
  const failures: JsonObject[] = [];
  for (const reference of references.length > 0 ? references : ['default']) {
    const cluster = ctx.store.clusters.get(clusterNameOf(reference));
    if (cluster === undefined) {
      failures.push({ arn: reference.startsWith('arn:') ? reference : clusterArn(ctx.identity, reference), reason: 'MISSING' });
    } else {
      clusters.push(clusterToWire(ctx, cluster, includeTags));
    }
  }
  return { clusters, failures };
}

export function listClusters(ctx: EcsContext, input: JsonObject): JsonObject {
  const arns = [...ctx.store.clusters.values()].map((cluster) => cluster.clusterArn);
  const page = paginate(arns, optionalString(input, 'nextToken'), optionalNumber(input, 'maxResults'), 100);
  return { clusterArns: page.items, nextToken: page.nextToken };
}
