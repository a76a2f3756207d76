/**
 * The task-definition and network side of the run reconciler's ports (reconcilers/run/ports.ts,
 * reconcilers/run/ecs-adapter.ts), over the resolver, the registration cache and the network resolver.
 *
 * - resolve: the cached ARN, or "waiting" with a fallback requeue (the registration wakes the run long
 *   before it; the fallback only covers a lost wake-up), or the failure message.
 * - launchDetails: the orchestration container and network mode of the revision, and — for awsvpc — the
 *   pool's network (resolved once per pool generation), which RunTask is sent with; a missing VPC or a
 *   foreign subnet fails the run with the seed's explanation and an empty EC2 budget only delays it.
 * - invalidate: RunTask refused the revision as INACTIVE or gone: a registered one leaves the cache (the next
 *   resolve registers again), a pool's own ARN is described again.
 * - release: a stopped run gives up its reference (auto-deregister).
 */
import { targetOfPool } from '../../controller/aws/target.js';
import type { AwsVpcConfiguration } from '@aws-sdk/client-ecs';
import type { NetworkResolver } from '../launch/network.js';
import type { PoolLike, RunLike } from './inputs.js';
import { hashTaskDefinition } from './normalize.js';
import { render, RenderError } from './render.js';
import { roleAccountOf, type TaskDefinitionResolver } from './resolve.js';

export type RunTaskDefinitionResolution =
  | { arn: string }
  | { waitingMs: number; failing?: { reason: string; message: string; failures: number } }
  | { failed: string };

export type RunLaunchDetails =
  /** `network`: the pool's awsvpc configuration, present exactly when `networkMode` is awsvpc. */
  | { taskDefinitionArn: string; containerName: string; networkMode?: string; network?: AwsVpcConfiguration }
  /**
   * Not yet: `message` says what is awaited (e.g. the EC2 network inference failing, in AWS's words).
   * `waiting`: nothing failed, the run waits its turn (another replica resolving the network, an empty budget).
   */
  | { retryAfterMs: number; message?: string; waiting?: true }
  | { failed: string };

export interface RunTaskdefAdapter {
  resolve(pool: PoolLike, run: RunLike): Promise<RunTaskDefinitionResolution>;
  invalidate(pool: PoolLike, run: RunLike, taskDefinitionArn: string): Promise<void>;
  launchDetails(pool: PoolLike, run: RunLike, taskDefinitionArn: string): Promise<RunLaunchDetails>;
  release(run: RunLike, taskDefinitionArn: string, pool?: PoolLike): Promise<void>;
}

/** A waiting run looks again after this long even if its wake-up was lost. */
export const WAITING_FALLBACK_MS = 30_000;

export function createRunTaskdefAdapter(deps: { resolver: TaskDefinitionResolver; network: NetworkResolver; defaultRegion?: string }): RunTaskdefAdapter {
  const { resolver, network } = deps;
  return {
    async resolve(pool, run) {
      const r = await resolver.resolve(pool, run);
      switch (r.status) {
        case 'resolved': return { arn: r.taskDefinition.taskDefinitionArn };
        case 'waiting': {
          if (!r.trouble) return { waitingMs: WAITING_FALLBACK_MS };
          const { code, message, failures } = r.trouble;
          return { waitingMs: WAITING_FALLBACK_MS, failing: { reason: code, message, failures } };
        }
        case 'retry':
          // A pool's own ARN whose DescribeTaskDefinition keeps failing (a 5xx, a throttle, a Region whose
          // endpoint does not resolve): waiting here would ask again at AWS's short retry hint for ever, with
          // nothing in the run's status and no deadline. The ARN is the user's and known, so the run goes on
          // with it: launchDetails describes it again before RunTask, where each failure is a failed launch
          // try (AWS's words in the status, a growing backoff, the launch deadline). Our own pacing waits.
          if (!r.pacing && pool.spec.taskDefinitionArn) return { arn: pool.spec.taskDefinitionArn };
          return { waitingMs: r.retryAfterMs };
        case 'failed': return { failed: r.message };
      }
    },

    async invalidate(pool, run, arn) {
      // A pool's own ARN is never registered by us: forget its description, so the next resolve asks ECS
      // whether it is really gone (and fails the run naming it) or was refused only for a moment.
      if (pool.spec.taskDefinitionArn) return resolver.invalidateArn(arn);
      try {
        const rendered = render(pool, run, { defaultRegion: deps.defaultRegion });
        await resolver.invalidate(hashTaskDefinition(rendered.taskDefinition, rendered.region, roleAccountOf(pool.spec)), arn, run.metadata.name);
      } catch (error) {
        if (!(error instanceof RenderError)) throw error;
      }
    },

    async launchDetails(pool, run, arn) {
      let details: { containerName: string; networkMode?: string } | undefined;
      if (pool.spec.taskDefinitionArn) {
        // The pool's own revision: its containers and network mode come from ECS (described once, cached).
        const r = await resolver.resolve(pool, run);
        if (r.status === 'failed') return { failed: r.message };
        if (r.status === 'retry') return { retryAfterMs: r.retryAfterMs, message: r.message };
        if (r.status === 'resolved') details = { containerName: r.taskDefinition.containerName, networkMode: r.taskDefinition.networkMode };
      } else {
        // A rendered revision: rendering is pure and gives the same container and network mode again.
        details = detailsFromRender(pool, run, deps.defaultRegion);
      }
      if (!details) return { failed: `Task definition '${arn}' cannot be matched to the pool's configuration.` };
      if (details.networkMode === 'awsvpc') {
        const n = await network.resolve(pool);
        if (n.status === 'failed') return { failed: n.message };
        if (n.status === 'retry') return { retryAfterMs: n.retryAfterMs, message: n.message, ...(n.waiting ? { waiting: true as const } : {}) };
        return { taskDefinitionArn: arn, ...details, network: n.network };
      }
      return { taskDefinitionArn: arn, ...details };
    },

    release: (run, arn, pool) => resolver.release(run.metadata.name, arn, pool === undefined ? undefined : targetOfPool(pool.spec)),
  };
}

function detailsFromRender(pool: PoolLike, run: RunLike, defaultRegion: string | undefined): { containerName: string; networkMode?: string } | undefined {
  try {
    const rendered = render(pool, run, { defaultRegion });
    return { containerName: rendered.containerName, networkMode: rendered.taskDefinition.networkMode ?? 'bridge' };
  } catch (error) {
    if (error instanceof RenderError) return undefined;
    throw error;
  }
}
