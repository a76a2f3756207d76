/**
 * The per-cluster resync: describes the tasks the store believes alive (DescribeTasks, 100 per call, under
 * the cluster-read budget), feeds each report into its run's lifecycle (compare-and-set), and wakes the run's
 * reconcile when something changed that it has to act on (wake-policy.ts). The `tick` key (one scheduled job cluster-wide) fans out one job per
 * cluster, so replicas share the clusters.
 *
 * A `confirm:<cluster>` key describes only the tasks STOPPED task events put up for confirmation
 * (task-events.ts): an event never ends an attempt, this DescribeTasks does. Its job is woken with a short
 * delay and deduplicated per key, so the events of that moment share DescribeTasks calls (100 tasks each).
 */
import type { AwsTarget } from '../../controller/aws/target.js';
import type { DescribeTasksCommandInput, DescribeTasksCommandOutput } from '@aws-sdk/client-ecs';
import type { CallOptions } from '../../controller/aws/gateway.js';
import type { ReconcileResult, Reconciler } from '../../controller/queue/reconcile.js';
import { observationOf } from './task-observation.js';
import { applyTaskReport, type FeedDeps, type TaskReport } from './feed.js';
import type { RunStorePort } from '../run/ports.js';
import { guardClusterResync, type ResyncGuardDeps } from './resync-backoff.js';
import { alreadyFed, seenEntry, stampOf, type SeenTaskStore } from './seen-tasks.js';

/** DescribeTasks takes at most 100 tasks per call. */
export const DESCRIBE_BATCH = 100;
export const RESYNC_TICK = 'tick';
/** Resync keys are cluster ARNs or names (no ':' in a name, ARNs start "arn:"), so the prefix cannot collide. */
export const CONFIRM_PREFIX = 'confirm:';
/** How long a confirmation waits for the stop events of the same moment to join its DescribeTasks. */
export const CONFIRM_DELAY_MS = 1000;
/** Batches a confirmation job describes before it hands the rest to its next job, so no job runs long. */
const CONFIRM_BATCHES_PER_JOB = 10;

export function confirmKey(cluster: string): string {
  return `${CONFIRM_PREFIX}${cluster}`;
}
/** The store's cluster key for attempts recorded without a cluster ARN (ECS then means "default"). */
const UNKNOWN_CLUSTER = 'unknown';

export interface ResyncStore extends Pick<RunStorePort, 'getRun' | 'updateRunStatus'> {
  liveTaskClusters(): Promise<string[]>;
  liveTaskArns(clusterArn: string): Promise<string[]>;
  runNameForTask(taskArn: string): Promise<string | null>;
  takeTasksToConfirm(clusterArn: string, max: number): Promise<string[]>;
}

export interface ResyncDeps extends FeedDeps {
  store: ResyncStore;
  gateway: { describeTasks(input: DescribeTasksCommandInput, options?: CallOptions): Promise<DescribeTasksCommandOutput> };
  /** Wakes a key on a queue (controller/queue WakeUps). */
  wake(queue: 'reconcile-run' | 'resync', key: string, options?: { delayMs?: number }): Promise<void>;
  /** Where a cluster's calls go (its ARN's Region, the role of its account); the controller's own Region and credentials when absent. */
  targetOf?: (clusterArn: string) => Promise<AwsTarget>;
  /** Backs a cluster whose DescribeTasks keeps failing off (resync-backoff.ts); without it every tick describes. */
  backoff?: Omit<ResyncGuardDeps, 'logger'>;
  /** What was last fed for each task (seen-tasks.ts): tasks ECS reports unchanged are skipped. Without it, none is. */
  seen?: SeenTaskStore;
  /**
   * The clusters this tick describes (event-health.ts: those of account-regions whose task events are healthy
   * only every few ticks). Without it, every cluster on every tick.
   */
  clustersDue?: (clusters: readonly string[]) => Promise<string[]>;
}

export function batches<T>(items: readonly T[], size = DESCRIBE_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Every requested ARN gets a report: described, or MISSING (named in failures[] or simply absent). */
export function reportsOf(output: Pick<DescribeTasksCommandOutput, 'tasks' | 'failures'>, requested: readonly string[]): TaskReport[] {
  const described = new Map<string, TaskReport>();
  for (const task of output.tasks ?? []) {
    const observation = observationOf(task);
    if (observation) described.set(observation.taskArn, { taskArn: observation.taskArn, observation });
  }
  return requested.map((taskArn) => described.get(taskArn) ?? { taskArn, missing: true });
}

export interface ClusterResyncResult {
  described: number;
  changed: string[];
  rejected: number;
  /** Tasks ECS reported exactly as last fed (not read from the store at all). */
  skipped?: number;
}

export async function resyncCluster(deps: ResyncDeps, cluster: string): Promise<ClusterResyncResult> {
  const result: ClusterResyncResult = { described: 0, changed: [], rejected: 0 };
  const arns = await deps.store.liveTaskArns(cluster);
  await deps.seen?.prune(cluster, arns);
  for (const batch of batches(arns)) await describeAndFeed(deps, cluster, batch, result);
  for (const name of new Set(result.changed)) await deps.wake('reconcile-run', name);
  return result;
}

/**
 * Describes the tasks put up for confirmation in the cluster, up to CONFIRM_BATCHES_PER_JOB batches; what
 * is left (events kept coming) goes to the next job.
 */
export async function confirmTasks(deps: ResyncDeps, cluster: string): Promise<ClusterResyncResult> {
  const result: ClusterResyncResult = { described: 0, changed: [], rejected: 0 };
  for (let round = 0; round < CONFIRM_BATCHES_PER_JOB; round += 1) {
    const taken = await deps.store.takeTasksToConfirm(cluster, DESCRIBE_BATCH);
    if (taken.length === 0) break;
    // A task whose run was deleted meanwhile needs no look.
    const owned: string[] = [];
    for (const arn of taken) if (await deps.store.runNameForTask(arn)) owned.push(arn);
    if (owned.length > 0) await describeAndFeed(deps, cluster, owned, result);
    if (round === CONFIRM_BATCHES_PER_JOB - 1) await deps.wake('resync', confirmKey(cluster));
  }
  for (const name of new Set(result.changed)) await deps.wake('reconcile-run', name);
  return result;
}

async function describeAndFeed(deps: ResyncDeps, cluster: string, batch: string[], result: ClusterResyncResult): Promise<void> {
  const input: DescribeTasksCommandInput = { tasks: batch };
  if (cluster !== UNKNOWN_CLUSTER) input.cluster = cluster;
  // One job per cluster and tick: waiting (bounded by the gateway) for a token is cheaper than requeueing.
  const target = cluster !== UNKNOWN_CLUSTER && deps.targetOf ? await deps.targetOf(cluster) : undefined;
  const output = await deps.gateway.describeTasks(input, { wait: true, ...(target ? { target } : {}) });
  result.described += batch.length;
  const reports = reportsOf(output, batch);
  // One read for the batch: which tasks ECS reports exactly as they were last fed (nothing to do for them).
  const seen = deps.seen ? await deps.seen.read(cluster, reports.map((r) => r.taskArn)) : [];
  const nowMs = (deps.now ?? Date.now)();
  const fed: Array<readonly [string, string]> = [];
  for (const [i, report] of reports.entries()) {
    const stamp = 'observation' in report ? stampOf(report.observation) : undefined;
    if (alreadyFed(seen[i], stamp, nowMs)) {
      result.skipped = (result.skipped ?? 0) + 1;
      continue;
    }
    const name = await deps.store.runNameForTask(report.taskArn);
    if (!name) continue;
    const outcome = await applyTaskReport(deps, name, report);
    if (outcome === 'changed' || outcome === 'contended') result.changed.push(name);
    if (outcome === 'rejected') result.rejected += 1;
    // Remembered once the run holds what ECS said (written now, or already known); not after contention.
    if (stamp !== undefined && (outcome === 'changed' || outcome === 'recorded' || outcome === 'unchanged')) fed.push([report.taskArn, seenEntry(stamp, nowMs)]);
  }
  await deps.seen?.remember(cluster, fed);
}

export function createResyncReconciler(deps: ResyncDeps): Reconciler {
  return async (key, context): Promise<ReconcileResult> => {
    if (key === RESYNC_TICK) {
      const clusters = await deps.store.liveTaskClusters();
      for (const cluster of deps.clustersDue ? await deps.clustersDue(clusters) : clusters) await deps.wake('resync', cluster);
      return {};
    }
    const scoped = { ...deps, logger: deps.logger ?? context.logger };
    if (key.startsWith(CONFIRM_PREFIX)) {
      const cluster = key.slice(CONFIRM_PREFIX.length);
      const result = await confirmTasks(scoped, cluster);
      context.logger.debug({ cluster, described: result.described, changed: result.changed.length, rejected: result.rejected }, 'task stops confirmed');
      return {};
    }
    const resync = () => resyncCluster(scoped, key);
    const guarded = deps.backoff ? await guardClusterResync({ ...deps.backoff, logger: scoped.logger }, key, resync) : { ran: true as const, result: await resync() };
    if (!guarded.ran) return {};
    const { result } = guarded;
    context.logger.debug({ cluster: key, described: result.described, changed: result.changed.length, rejected: result.rejected }, 'cluster resynced');
    return {};
  };
}
