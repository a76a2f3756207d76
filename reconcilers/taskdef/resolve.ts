/**
 * resolveTaskDefinition: which task-definition revision a run launches with, without ever registering in
 * the run's own reconcile. A pool's taskDefinitionArn is used as is (never registered); otherwise the
 * rendered definition's hash is looked up in the shared cache, and on a miss a registration is queued
 * (deduplicated by hash) and the run waits to be woken.
 */
import type { DescribeTaskDefinitionCommandInput, DescribeTaskDefinitionCommandOutput } from '@aws-sdk/client-ecs';
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import { BudgetExhaustedError } from '../../controller/aws/errors.js';
import { describeError, isAwsError } from '../launch/outcome.js';
import type { CallOptions } from '../launch/ports.js';
import type { ResolvedTaskDefinition } from '../launch/run-task-input.js';
import type { PoolLike, RunLike } from './inputs.js';
import type { TaskdefKeys } from './keys.js';
import { hashTaskDefinition } from './normalize.js';
import { resolvePlacement, type Placement } from './placement.js';
import { orchestrationContainerName, render, RenderError, type RenderedTaskDefinition } from './render.js';
import type { TaskdefStore } from './store.js';

export type Resolution =
  /** Launch with this revision. `hash` is absent for a pool's own taskDefinitionArn. */
  | { status: 'resolved'; taskDefinition: ResolvedTaskDefinition; placement: Placement; hash?: string }
  /** A registration is queued or in flight; the run is woken (wake(runName)) when it settles. */
  | { status: 'waiting'; hash: string }
  /** Budget or transient trouble describing a pool's ARN; come back later. */
  | { status: 'retry'; retryAfterMs: number; message: string }
  /** The definition cannot be rendered or ECS refused it; the run fails with this message. */
  | { status: 'failed'; message: string; hash?: string };

export interface RegistrationEnqueuer {
  enqueueRegistration(hash: string): Promise<void>;
}

export interface DescribeTaskDefinitionGateway {
  describeTaskDefinition(input: DescribeTaskDefinitionCommandInput, options?: CallOptions): Promise<DescribeTaskDefinitionCommandOutput>;
}

export interface ResolverDependencies {
  store: TaskdefStore;
  /** For the pool-ARN info cache. */
  redis: Redis;
  keys: TaskdefKeys;
  queue: RegistrationEnqueuer;
  gateway: DescribeTaskDefinitionGateway;
  defaultRegion?: string;
  metrics?: { taskdefCacheHits: Pick<Counter, 'inc'>; taskdefCacheMisses: Pick<Counter, 'inc'> };
}

export interface TaskDefinitionResolver {
  resolve(pool: PoolLike, run: RunLike): Promise<Resolution>;
  /** The run no longer uses the revision (it stopped); may queue the revision's deregistration. */
  release(runName: string, taskDefinitionArn: string): Promise<void>;
  /** RunTask said the revision is INACTIVE or gone: forget it so the next resolve registers again. */
  invalidate(hash: string, taskDefinitionArn: string): Promise<void>;
}

export interface DeregistrationEnqueuer {
  enqueueDeregistration(arn: string): Promise<void>;
}

const ARN_RETRY_MS = 1000;

/** What a pool-provided revision tells the launch (its containers and network mode), cached per ARN. */
interface ArnInfo {
  containerNames: string[];
  networkMode: string;
}

export function createTaskDefinitionResolver(deps: ResolverDependencies & { queue: RegistrationEnqueuer & DeregistrationEnqueuer }): TaskDefinitionResolver {
  const { store, queue } = deps;

  async function resolve(pool: PoolLike, run: RunLike): Promise<Resolution> {
    if (pool.spec.taskDefinitionArn) return resolveArn(pool, run, pool.spec.taskDefinitionArn);
    let rendered: RenderedTaskDefinition;
    try {
      rendered = render(pool, run, { defaultRegion: deps.defaultRegion });
    } catch (error) {
      if (error instanceof RenderError) return { status: 'failed', message: error.message };
      throw error;
    }
    const hash = hashTaskDefinition(rendered.taskDefinition, rendered.region);
    const resolved = (arn: string): Resolution => ({
      status: 'resolved', hash, placement: rendered.placement,
      taskDefinition: { taskDefinitionArn: arn, containerName: rendered.containerName, networkMode: rendered.taskDefinition.networkMode ?? 'bridge' },
    });

    const hit = await store.acquire(hash, run.metadata.name);
    if (hit) {
      deps.metrics?.taskdefCacheHits.inc();
      return resolved(hit);
    }
    const failure = await store.failure(hash);
    if (failure) return { status: 'failed', hash, message: failure.message };

    const late = await store.awaitRegistration(run.metadata.name, {
      hash, family: rendered.family, region: rendered.region, taskDefinition: rendered.taskDefinition,
      matchLatestRevisionInFamily: pool.spec.matchLatestRevisionInFamily === true,
      autoDeregister: pool.spec.autoDeregisterTaskDefinition === true,
    });
    if (late) {
      deps.metrics?.taskdefCacheHits.inc();
      return resolved(late);
    }
    deps.metrics?.taskdefCacheMisses.inc();
    await queue.enqueueRegistration(hash);
    return { status: 'waiting', hash };
  }

  /** A pool's own ARN: described once (revisions never change) to learn its container and network mode. */
  async function resolveArn(pool: PoolLike, run: RunLike, arn: string): Promise<Resolution> {
    const placement = resolvePlacement(pool, run);
    const key = deps.keys.arnInfo(arn);
    const cachedInfo = await deps.redis.get(key);
    let info = cachedInfo ? (JSON.parse(cachedInfo) as ArnInfo) : undefined;
    if (!info) {
      try {
        const output = await deps.gateway.describeTaskDefinition({ taskDefinition: arn }, { wait: false });
        const td = output.taskDefinition;
        info = { containerNames: (td?.containerDefinitions ?? []).map((c) => c.name ?? ''), networkMode: td?.networkMode ?? 'bridge' };
        await deps.redis.set(key, JSON.stringify(info));
      } catch (error) {
        if (!isAwsError(error)) throw error;
        if (error instanceof BudgetExhaustedError) return { status: 'retry', retryAfterMs: error.retryAfterMs, message: error.message };
        const d = describeError(error);
        if (d.kind === 'throttled' || d.kind === 'transient') return { status: 'retry', retryAfterMs: d.retryAfterMs ?? ARN_RETRY_MS, message: `${d.code}: ${d.message}` };
        return { status: 'failed', message: `Task definition '${arn}' could not be described: ${d.code}: ${d.message}` };
      }
    }
    const containerName = orchestrationContainerName(pool.spec.containerName, info.containerNames.map((name) => ({ name })));
    return { status: 'resolved', placement, taskDefinition: { taskDefinitionArn: arn, containerName, networkMode: info.networkMode } };
  }

  return {
    resolve,
    async release(runName, arn) {
      if (await store.release(runName, arn)) await queue.enqueueDeregistration(arn);
    },
    invalidate: (hash, arn) => store.invalidate(hash, arn),
  };
}
