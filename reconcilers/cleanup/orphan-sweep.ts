/**
 * The orphan sweep's thin shell around planOrphan. ECS's ListTasks filters startedBy only by exact value,
 * so a sweep lists each cluster's RUNNING tasks (100 per page), skips the ones the store already tracks as
 * live, describes the rest (100 per DescribeTasks, under the clusterResourceRead budget) and decides each
 * task of ours: adopt it into its run's lifecycle (compare-and-set, then wake the run) or StopTask it.
 * One `orphans:<cluster>` job per cluster the installation knows: the pools' clusters and those with live tasks.
 */
import { accountOfRoleArn, targetOfPool, type AwsTarget } from '../../controller/aws/target.js';
import { arnRegionAndAccount } from '../../controller/aws/arn-targets.js';
import type {
  DescribeTasksCommandInput, DescribeTasksCommandOutput, ListTasksCommandInput, ListTasksCommandOutput, StopTaskCommandInput, StopTaskCommandOutput,
} from '@aws-sdk/client-ecs';
import type { Logger } from 'pino';
import type { CallOptions } from '../../controller/aws/gateway.js';
import type { RunRecord } from '../../controller/api/run.js';
import { persistLifecycle, restoreLifecycle, step, toRunStatus } from '../../machines/run-lifecycle.js';
import { BudgetExhaustedError, GatewayError, isRetryableKind } from '../../controller/aws/errors.js';
import { isConflictError } from '../../controller/store/errors.js';
import type { RunStorePort } from '../run/ports.js';
import { orphanStopReason, ownerOf, planOrphan, type OrphanDecision, type OrphanStopCause, type SweptTask } from './orphan-plan.js';

export const ORPHAN_JOB_PREFIX = 'orphans:';
/** ListTasks pages one sweep of one cluster may read (100 tasks each): bounded work per job. */
export const MAX_LIST_PAGES = 100;
/** The store's cluster key for attempts recorded without a cluster ARN (ECS then means "default"). */
const UNKNOWN_CLUSTER = 'unknown';

export interface OrphanSweepStore extends Pick<RunStorePort, 'getRun' | 'updateRunStatus'> {
  runNameForTask(taskArn: string): Promise<string | null>;
  liveTaskClusters(): Promise<string[]>;
  liveTaskArns(cluster: string): Promise<string[]>;
  /** The clusters pools name (undefined: ECS's default cluster), each with where the pool's calls go. */
  poolClusters(): Promise<Array<{ cluster: string | undefined; target?: AwsTarget }>>;
}

export interface OrphanSweepDeps {
  namespace: string;
  store: OrphanSweepStore;
  gateway: {
    listTasks(input: ListTasksCommandInput, options?: CallOptions): Promise<ListTasksCommandOutput>;
    describeTasks(input: DescribeTasksCommandInput, options?: CallOptions): Promise<DescribeTasksCommandOutput>;
    stopTask(input: StopTaskCommandInput, options?: CallOptions): Promise<StopTaskCommandOutput>;
  };
  wake(queue: 'reconcile-run' | 'resync', key: string): Promise<void>;
  /** Where a cluster known by its ARN is called (the ARN's Region, the role of its account). */
  targetOf?: (clusterArn: string) => Promise<AwsTarget>;
  /** The controller's own Region, so a pool naming it shares its sweep with the cluster's ARN. */
  defaultRegion?: string | undefined;
  onStopped?(cause: OrphanStopCause): void;
  now?: () => number;
  logger?: Logger;
  maxListPages?: number;
}

export interface OrphanSweepResult {
  listed: number;
  described: number;
  stopped: Array<{ taskArn: string; run: string; cause: OrphanStopCause }>;
  adopted: Array<{ taskArn: string; run: string }>;
}

/** `default`, `prod` and `arn:…:cluster/prod` name clusters; ECS accepts either form. */
export function clusterName(cluster: string): string {
  const slash = cluster.lastIndexOf('cluster/');
  return slash >= 0 ? cluster.slice(slash + 'cluster/'.length) : cluster;
}

/**
 * The clusters to sweep, one entry per cluster name within each account-region (ARN preferred: it names
 * the Region and account). A pool's cluster in another Region or through a role is swept there: its job key
 * carries the pool's target (`<cluster> <JSON target>`; cluster names and ARNs hold no spaces).
 */
export async function clustersToSweep(store: OrphanSweepStore, defaultRegion?: string): Promise<string[]> {
  const byWhere = new Map<string, string>();
  const add = (cluster: string, target: AwsTarget | undefined) => {
    const arn = arnRegionAndAccount(cluster);
    const roleAccount = target?.roleArn === undefined ? undefined : accountOfRoleArn(target.roleArn);
    const region = arn?.region ?? target?.region ?? defaultRegion ?? '';
    const account = arn?.account ?? roleAccount ?? 'default';
    // ARNs of the controller's own account carry its id, which a pool without a role cannot know.
    const where = `${region}|${arn !== undefined && roleAccount === undefined && target === undefined ? 'default' : account}|${clusterName(cluster)}`;
    const explicit = arn === undefined && target !== undefined && (target.roleArn !== undefined || (target.region !== undefined && target.region !== defaultRegion));
    const key = explicit ? `${cluster} ${JSON.stringify(target)}` : cluster;
    // Without a configured Region a name means "the SDK's Region", which the ARNs of the same name show.
    const unplaced = where.replace(/^[^|]*/, '');
    if (region === '') {
      if ([...byWhere.keys()].some((w) => w.endsWith(unplaced))) return;
    } else if (byWhere.has(unplaced) && !explicit) {
      byWhere.delete(unplaced);
    }
    const known = byWhere.get(where);
    if (!known || (!known.startsWith('arn:') && cluster.startsWith('arn:'))) byWhere.set(where, key);
  };
  for (const { cluster, target } of await store.poolClusters()) add(cluster ?? 'default', target !== undefined && Object.keys(target).length > 0 ? target : undefined);
  for (const cluster of await store.liveTaskClusters()) add(cluster === UNKNOWN_CLUSTER ? 'default' : cluster, undefined);
  return [...byWhere.values()].sort();
}

/** A sweep job's cluster and, when its key names one, the target its calls go to. */
export function parseSweepKey(key: string): { cluster: string; target?: AwsTarget } {
  const space = key.indexOf(' ');
  if (space < 0) return { cluster: key };
  return { cluster: key.slice(0, space), target: JSON.parse(key.slice(space + 1)) as AwsTarget };
}

/** Fans out one sweep job per cluster. */
export async function scheduleOrphanSweeps(deps: Pick<OrphanSweepDeps, 'store' | 'wake' | 'defaultRegion'>): Promise<string[]> {
  const clusters = await clustersToSweep(deps.store, deps.defaultRegion);
  for (const cluster of clusters) await deps.wake('resync', ORPHAN_JOB_PREFIX + cluster);
  return clusters;
}

export async function sweepClusterOrphans(deps: OrphanSweepDeps, key: string): Promise<OrphanSweepResult> {
  const result: OrphanSweepResult = { listed: 0, described: 0, stopped: [], adopted: [] };
  const parsed = parseSweepKey(key);
  const cluster = parsed.cluster;
  const target = parsed.target ?? (cluster.startsWith('arn:') && deps.targetOf ? await deps.targetOf(cluster) : undefined);
  const where: CallOptions = { wait: true, ...(target ? { target } : {}) };
  const tracked = await trackedTasks(deps.store, cluster);
  let nextToken: string | undefined;
  for (let page = 0; page < (deps.maxListPages ?? MAX_LIST_PAGES); page += 1) {
    const listed = await deps.gateway.listTasks({ cluster, desiredStatus: 'RUNNING', maxResults: 100, ...(nextToken ? { nextToken } : {}) }, where);
    const arns = listed.taskArns ?? [];
    result.listed += arns.length;
    const unknown = arns.filter((arn) => !tracked.has(arn));
    if (unknown.length > 0) {
      const described = await deps.gateway.describeTasks({ cluster, tasks: unknown }, where);
      result.described += unknown.length;
      for (const task of described.tasks ?? []) {
        if (!task.taskArn) continue;
        await sweepTask(deps, { ...task, taskArn: task.taskArn }, result, where);
      }
    }
    nextToken = listed.nextToken;
    if (!nextToken) break;
  }
  return result;
}

/** Task ARNs the store tracks as live in this cluster, under any of the names it may be recorded by. */
async function trackedTasks(store: OrphanSweepStore, cluster: string): Promise<Set<string>> {
  const name = clusterName(cluster);
  const keys = (await store.liveTaskClusters()).filter((key) => (key === UNKNOWN_CLUSTER ? name === 'default' : clusterName(key) === name));
  const tracked = new Set<string>();
  for (const key of keys) for (const arn of await store.liveTaskArns(key)) tracked.add(arn);
  return tracked;
}

async function sweepTask(deps: OrphanSweepDeps, task: SweptTask, result: OrphanSweepResult, where: CallOptions): Promise<void> {
  const owner = ownerOf(task, deps.namespace);
  if (!owner) return;
  // A hashed startedBy (run names too long to spell out) is found through the task index only.
  const runName = 'runName' in owner ? owner.runName : await deps.store.runNameForTask(task.taskArn);
  if (!runName) {
    deps.logger?.debug({ taskArn: task.taskArn, startedBy: task.startedBy }, 'task of ours whose run cannot be named; left alone');
    return;
  }
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const run = await deps.store.getRun(runName);
    const decision = planOrphan(task, runName, run);
    if (decision.kind === 'adopt' && run) {
      const adopted = await adopt(deps, task, run);
      if (adopted === 'conflict') continue;
      if (adopted === 'adopted') {
        result.adopted.push({ taskArn: task.taskArn, run: runName });
        deps.logger?.info({ taskArn: task.taskArn, run: runName, attempt: decision.attempt }, 'orphaned task adopted');
        await deps.wake('reconcile-run', runName);
        return;
      }
      await stop(deps, task, { kind: 'stop', run: runName, cause: 'not-adoptable', reason: orphanStopReason(runName, `did not accept it: ${adopted.refused}`) }, result, where);
      return;
    }
    if (decision.kind === 'stop') await stop(deps, task, decision, result, where);
    return;
  }
}

/** Feeds SUBMITTED for the task into the run's lifecycle (compare-and-set), as the run's own launch would. */
async function adopt(deps: OrphanSweepDeps, task: SweptTask, run: RunRecord): Promise<'adopted' | 'conflict' | { refused: string }> {
  if (run.lifecycle === undefined || run.lifecycle === null) return { refused: 'the run has no lifecycle yet' };
  const now = new Date((deps.now ?? Date.now)()).toISOString();
  const clusterArn = task.clusterArn ?? 'default';
  const stepped = step(restoreLifecycle(run.lifecycle), { type: 'SUBMITTED', taskArn: task.taskArn, clusterArn, now });
  if (!stepped.ok) return { refused: stepped.reason };
  const status = { ...toRunStatus(stepped.snapshot), observedGeneration: run.status.observedGeneration };
  try {
    await deps.store.updateRunStatus(run.metadata.name, { status, lifecycle: persistLifecycle(stepped.snapshot) }, run.metadata.resourceVersion);
    return 'adopted';
  } catch (error) {
    if (isConflictError(error)) return 'conflict';
    throw error;
  }
}

async function stop(deps: OrphanSweepDeps, task: SweptTask, decision: Extract<OrphanDecision, { kind: 'stop' }>, result: OrphanSweepResult, where: CallOptions): Promise<void> {
  const input: StopTaskCommandInput = { task: task.taskArn, reason: decision.reason };
  if (task.clusterArn) input.cluster = task.clusterArn;
  try {
    await deps.gateway.stopTask(input, where);
  } catch (error) {
    // Budget and throttles end this sweep (the next one tries again); a task that vanished needs nothing more.
    if (error instanceof BudgetExhaustedError) throw error;
    if (error instanceof GatewayError && isRetryableKind(error.kind)) throw error;
    deps.logger?.warn({ taskArn: task.taskArn, run: decision.run, err: error }, 'orphaned task could not be stopped');
    return;
  }
  result.stopped.push({ taskArn: task.taskArn, run: decision.run, cause: decision.cause });
  deps.onStopped?.(decision.cause);
  deps.logger?.info({ taskArn: task.taskArn, run: decision.run, cause: decision.cause }, 'orphaned task stopped');
}

/** The sweep's view of a ResourceStore. */
export function orphanSweepStore(store: Omit<OrphanSweepStore, 'poolClusters'> & {
  listPools(options?: { cursor?: string }): Promise<{ items: Array<{ spec: { cluster?: string; region?: string; roleArn?: string; externalId?: string } }>; cursor?: string }>;
}): OrphanSweepStore {
  return {
    getRun: (name) => store.getRun(name),
    updateRunStatus: (name, update, expected) => store.updateRunStatus(name, update, expected),
    runNameForTask: (arn) => store.runNameForTask(arn),
    liveTaskClusters: () => store.liveTaskClusters(),
    liveTaskArns: (cluster) => store.liveTaskArns(cluster),
    async poolClusters() {
      const clusters: Array<{ cluster: string | undefined; target?: AwsTarget }> = [];
      let cursor: string | undefined;
      do {
        const page = await store.listPools(cursor ? { cursor } : {});
        for (const pool of page.items) clusters.push({ cluster: pool.spec.cluster, target: targetOfPool(pool.spec) });
        cursor = page.cursor;
      } while (cursor);
      return clusters;
    },
  };
}
