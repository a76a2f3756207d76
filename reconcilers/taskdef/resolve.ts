/**
 * resolveTaskDefinition: which task-definition revision a run launches with, without ever registering in
 * the run's own reconcile. A pool's taskDefinitionArn is used as is (never registered); otherwise the
 * rendered definition's hash is looked up in the shared cache, and on a miss a registration is queued
 * (deduplicated by hash) and the run waits to be woken.
 */
import { accountOfRoleArn, targetOfPool, type AwsTarget } from '../../controller/aws/target.js';
import type { DescribeTaskDefinitionCommandInput, DescribeTaskDefinitionCommandOutput, TaskDefinition } from '@aws-sdk/client-ecs';
import type { RedisClient } from '../../controller/redis.js';
import type { Counter } from 'prom-client';
import { BudgetExhaustedError, describeError, isAwsError, isRetryableKind, taskDefinitionProblem } from '../../controller/aws/errors.js';
import type { CallOptions } from '../../controller/aws/gateway.js';
import type { ResolvedTaskDefinition } from '../launch/run-task-input.js';
import type { PoolLike, RunLike } from './inputs.js';
import type { TaskdefKeys } from './keys.js';
import { hashTaskDefinition } from './normalize.js';
import { resolvePlacement, type Placement } from './placement.js';
import { orchestrationContainerName, render, RenderError, type RenderedTaskDefinition } from './render.js';
import { DEFAULT_REVALIDATE_AFTER_SECONDS, type Acquired, type PendingRegistration, type RegistrationTrouble, type TaskdefStore } from './store.js';
import { REGISTRATION_BACKOFF_CAP_MS } from './registration-policy.js';

export type Resolution =
  /** Launch with this revision. `hash` is absent for a pool's own taskDefinitionArn. */
  | { status: 'resolved'; taskDefinition: ResolvedTaskDefinition; placement: Placement; hash?: string }
  /**
   * A registration is queued or in flight; the run is woken (wake(runName)) when it settles. `trouble`: its
   * tries keep failing in a way worth retrying (AWS's last error), for the run's status and deadline.
   */
  | { status: 'waiting'; hash: string; trouble?: RegistrationTrouble }
  /**
   * Describing a pool's ARN did not work now; come back later. `pacing`: our own budget was empty (a place
   * in the line); otherwise AWS's call failed in a way worth retrying (throttle, 5xx, a name that did not
   * resolve), which the launch's backoff and deadline bound (run-adapter.ts).
   */
  | { status: 'retry'; retryAfterMs: number; message: string; pacing: boolean }
  /** The definition cannot be rendered or ECS refused it; the run fails with this message. */
  | { status: 'failed'; message: string; hash?: string };

export interface RegistrationEnqueuer {
  /**
   * Queues the hash's registration: at once, or (delayMs) only if no job for it exists, so a registration
   * backing off is not cut short (a wake-up at once reschedules a delayed job to now).
   */
  enqueueRegistration(hash: string, delayMs?: number): Promise<void>;
}

export interface DescribeTaskDefinitionGateway {
  describeTaskDefinition(input: DescribeTaskDefinitionCommandInput, options?: CallOptions): Promise<DescribeTaskDefinitionCommandOutput>;
}

export interface ResolverDependencies {
  store: TaskdefStore;
  /** For the pool-ARN info cache. */
  redis: RedisClient;
  keys: TaskdefKeys;
  queue: RegistrationEnqueuer;
  gateway: DescribeTaskDefinitionGateway;
  defaultRegion?: string;
  /** A pool's own ARN is described again after this long (the registration cache's bound is the store's). */
  revalidateAfterSeconds?: number;
  metrics?: { taskdefCacheHits: Pick<Counter, 'inc'>; taskdefCacheMisses: Pick<Counter, 'inc'> };
}

export interface TaskDefinitionResolver {
  resolve(pool: PoolLike, run: RunLike): Promise<Resolution>;
  /** The run no longer uses the revision (it stopped); may queue the revision's deregistration. */
  release(runName: string, taskDefinitionArn: string, target?: AwsTarget): Promise<void>;
  /**
   * RunTask said the revision is INACTIVE or gone: forget it (and drop the run's reference) so the next
   * resolve registers again.
   */
  invalidate(hash: string, taskDefinitionArn: string, runName?: string): Promise<void>;
  /** The same for a pool's own ARN: forget what was described, so the next resolve asks ECS again. */
  invalidateArn(taskDefinitionArn: string): Promise<void>;
}

export interface DeregistrationEnqueuer {
  enqueueDeregistration(arn: string, target?: AwsTarget): Promise<void>;
}

const ARN_RETRY_MS = 1000;

/** What a pool-provided revision tells the launch (its containers and network mode), cached per ARN. */
interface ArnInfo {
  containerNames: string[];
  networkMode: string;
  requiresCompatibilities: string[];
  hasExecutionRole: boolean;
}

/** For entries cached before a field existed. */
const ARN_INFO_DEFAULTS: ArnInfo = { containerNames: [], networkMode: 'bridge', requiresCompatibilities: [], hasExecutionRole: true };

/**
 * The seed's compatibility checks for a definition it did not render (ECSWorker._validate_task_definition):
 * CloudWatch logs need its execution role; a Fargate launch type needs FARGATE compatibility and awsvpc.
 * A custom capacity-provider strategy (other than FARGATE_SPOT) is left to ECS to judge.
 */
export function existingDefinitionProblem(info: Pick<ArnInfo, 'networkMode' | 'requiresCompatibilities' | 'hasExecutionRole'>, placement: Placement, logsEnabled: boolean): string | undefined {
  if (logsEnabled && !info.hasExecutionRole) {
    return 'An execution role arn must be set on the task definition to use CloudWatch logs but no execution role was found on the task definition.';
  }
  if (placement.capacityProviderStrategy && placement.requested !== 'FARGATE_SPOT') return undefined;
  const launchType = placement.requested ?? 'FARGATE';
  if (launchType === 'EC2' || launchType === 'EXTERNAL') return undefined;
  const compatibilities = info.requiresCompatibilities.length > 0 ? info.requiresCompatibilities : ['FARGATE'];
  if (!compatibilities.includes('FARGATE')) {
    return `Task definition does not have 'FARGATE' in 'requiresCompatibilities' and cannot be used with launch type '${launchType}'`;
  }
  if (info.networkMode !== 'awsvpc') {
    return `Found network mode '${info.networkMode}' which is not compatible with launch type '${launchType}'. Use either the 'EC2' launch type or the 'awsvpc' network mode.`;
  }
  return undefined;
}

export function createTaskDefinitionResolver(deps: ResolverDependencies & { queue: RegistrationEnqueuer & DeregistrationEnqueuer }): TaskDefinitionResolver {
  const { store, queue } = deps;
  const revalidateAfterSeconds = deps.revalidateAfterSeconds ?? DEFAULT_REVALIDATE_AFTER_SECONDS;

  async function resolve(pool: PoolLike, run: RunLike): Promise<Resolution> {
    if (pool.spec.taskDefinitionArn) return resolveArn(pool, run, pool.spec.taskDefinitionArn);
    let rendered: RenderedTaskDefinition;
    try {
      rendered = render(pool, run, { defaultRegion: deps.defaultRegion });
    } catch (error) {
      if (error instanceof RenderError) return { status: 'failed', message: error.message };
      throw error;
    }
    const target = { ...targetOfPool(pool.spec), ...(rendered.region !== undefined ? { region: rendered.region } : {}) };
    const hash = hashTaskDefinition(rendered.taskDefinition, rendered.region, roleAccountOf(pool.spec));
    const resolved = (arn: string): Resolution => ({
      status: 'resolved', hash, placement: rendered.placement,
      taskDefinition: { taskDefinitionArn: arn, containerName: rendered.containerName, networkMode: rendered.taskDefinition.networkMode ?? 'bridge' },
    });

    const hit = await usable(hash, run.metadata.name, await store.acquire(hash, run.metadata.name), target);
    if (hit) {
      deps.metrics?.taskdefCacheHits.inc();
      return resolved(hit);
    }
    const failure = await store.failure(hash);
    if (failure) return { status: 'failed', hash, message: failure.message };

    const pending: PendingRegistration = {
      hash, family: rendered.family, region: rendered.region, target, taskDefinition: rendered.taskDefinition,
      matchLatestRevisionInFamily: pool.spec.matchLatestRevisionInFamily === true,
      autoDeregister: pool.spec.autoDeregisterTaskDefinition === true,
      share: { pool: pool.metadata.name, weight: pool.spec.scheduling?.weight ?? 1, priority: pool.spec.scheduling?.priority ?? 0 },
    };
    // A miss is counted once per run and wait: a waiting run is looked at again on every wake-up.
    const alreadyWaiting = await store.isWaiting(hash, run.metadata.name);
    const written = await store.awaitRegistration(run.metadata.name, pending);
    let late = await usable(hash, run.metadata.name, written, target);
    // An ARN written meanwhile that revalidation found gone: the look took the run off the waiting set, so
    // join it again (the cache misses now) to be woken by the registration.
    if (written && !late) late = await usable(hash, run.metadata.name, await store.awaitRegistration(run.metadata.name, pending), target);
    if (late) {
      deps.metrics?.taskdefCacheHits.inc();
      return resolved(late);
    }
    if (!alreadyWaiting) deps.metrics?.taskdefCacheMisses.inc();
    // A registration that keeps failing is backing off in its own job: every waiting run's look must not
    // pull it forward (many runs on one hash would otherwise retry it at their rate, not its backoff's).
    // Enqueued with a delay it only replaces a job that was lost.
    const trouble = await store.registrationTrouble(hash);
    await queue.enqueueRegistration(hash, trouble ? REGISTRATION_BACKOFF_CAP_MS : undefined);
    return trouble ? { status: 'waiting', hash, trouble } : { status: 'waiting', hash };
  }

  /**
   * The acquired ARN, revalidated first when this caller holds the check lease of an entry older than the
   * bound: DescribeTaskDefinition says ACTIVE → trusted for another bound; INACTIVE, DELETE_IN_PROGRESS or
   * unknown → invalidated (null: the caller registers again). Budget, throttle or any other trouble leaves
   * the lease to expire and uses the ARN: RunTask has the last word, and its refusal invalidates too.
   */
  async function usable(hash: string, runName: string, acquired: Acquired | null, target: AwsTarget): Promise<string | null> {
    if (!acquired) return null;
    if (!acquired.revalidate) return acquired.arn;
    const verdict = await describeVerdict(acquired.arn, target);
    if (verdict.status === 'active') {
      await store.confirm(hash, acquired.arn);
      return acquired.arn;
    }
    if (verdict.status === 'gone') {
      await store.invalidate(hash, acquired.arn, runName);
      return null;
    }
    return acquired.arn;
  }

  /** A pool's own ARN: described once (revisions never change) to learn its container and network mode. */
  async function resolveArn(pool: PoolLike, run: RunLike, arn: string): Promise<Resolution> {
    const placement = resolvePlacement(pool, run);
    const key = deps.keys.arnInfo(arn);
    const cachedInfo = await deps.redis.get(key);
    let info: ArnInfo | undefined = cachedInfo ? { ...ARN_INFO_DEFAULTS, ...(JSON.parse(cachedInfo) as Partial<ArnInfo>) } : undefined;
    if (!info) {
      const verdict = await describeVerdict(arn, targetOfPool(pool.spec));
      switch (verdict.status) {
        case 'retry': return { status: 'retry', retryAfterMs: verdict.retryAfterMs, message: verdict.message, pacing: verdict.pacing };
        case 'failed': return { status: 'failed', message: `Task definition '${arn}' could not be described: ${verdict.message}` };
        case 'gone': return { status: 'failed', message: poolArnGoneMessage(pool.metadata.name, arn, verdict) };
        case 'active': break;
      }
      const td = verdict.taskDefinition;
      info = {
        containerNames: (td.containerDefinitions ?? []).map((c) => c.name ?? ''),
        networkMode: td.networkMode ?? 'bridge',
        requiresCompatibilities: td.requiresCompatibilities ?? [],
        hasExecutionRole: Boolean(td.executionRoleArn),
      };
      // Revisions never change, but their state does: described again after the bound, or at once when
      // RunTask refuses the ARN (invalidateArn).
      await deps.redis.set(key, JSON.stringify(info), 'EX', revalidateAfterSeconds);
    }
    const problem = existingDefinitionProblem(info, placement, pool.spec.cloudwatchLogs?.enabled === true);
    if (problem) return { status: 'failed', message: problem };
    const containerName = orchestrationContainerName(pool.spec.containerName, info.containerNames.map((name) => ({ name })));
    if (pool.spec.containerName && !info.containerNames.includes(pool.spec.containerName)) {
      return { status: 'failed', message: `Container '${pool.spec.containerName}' not found in task definition '${arn}'.` };
    }
    return { status: 'resolved', placement, taskDefinition: { taskDefinitionArn: arn, containerName, networkMode: info.networkMode } };
  }

  /** What ECS says about one revision now (DescribeTaskDefinition, paced, never waiting for a token). */
  async function describeVerdict(arn: string, target: AwsTarget): Promise<DescribeVerdict> {
    try {
      const output = await deps.gateway.describeTaskDefinition({ taskDefinition: arn }, { wait: false, target });
      const td = output.taskDefinition;
      if (td?.status !== undefined && td.status !== 'ACTIVE') return { status: 'gone', state: td.status };
      return { status: 'active', taskDefinition: td ?? {} };
    } catch (error) {
      if (!isAwsError(error)) throw error;
      if (error instanceof BudgetExhaustedError) return { status: 'retry', retryAfterMs: error.retryAfterMs, message: error.message, pacing: true };
      const d = describeError(error);
      if (isRetryableKind(d.kind)) return { status: 'retry', retryAfterMs: d.retryAfterMs ?? ARN_RETRY_MS, message: `${d.code}: ${d.message}`, pacing: false };
      if (taskDefinitionProblem(error)) return { status: 'gone', state: 'unknown to ECS', message: `${d.code}: ${d.message}` };
      return { status: 'failed', message: `${d.code}: ${d.message}` };
    }
  }

  return {
    resolve,
    async release(runName, arn, target) {
      if (await store.release(runName, arn)) await queue.enqueueDeregistration(arn, target);
    },
    invalidate: (hash, arn, runName) => store.invalidate(hash, arn, runName),
    invalidateArn: async (arn) => {
      await deps.redis.del(deps.keys.arnInfo(arn));
    },
  };
}

type DescribeVerdict =
  | { status: 'active'; taskDefinition: TaskDefinition }
  /** INACTIVE, DELETE_IN_PROGRESS, or unknown to ECS ("Unable to describe task definition."). */
  | { status: 'gone'; state: string; message?: string }
  | { status: 'retry'; retryAfterMs: number; message: string; pacing: boolean }
  | { status: 'failed'; message: string };

/** The user gave this ARN; it cannot be registered again by us, so the run fails saying which and why. */
function poolArnGoneMessage(pool: string, arn: string, verdict: { state: string; message?: string }): string {
  const said = verdict.message ? ` (ECS said: ${verdict.message})` : '';
  return `Task definition '${arn}' of pool '${pool}' is ${verdict.state}${said}: it cannot run new tasks. `
    + 'Register it again, or point the pool\'s taskDefinitionArn at an ACTIVE revision.';
}

/** The account a pool's definitions live in when it names a role (part of their cache key). */
export function roleAccountOf(spec: { roleArn?: string | undefined }): string | undefined {
  return spec.roleArn === undefined ? undefined : accountOfRoleArn(spec.roleArn);
}
