/**
 * Adapters from TASKDEFS' task-definition resolver (reconcilers/taskdef/resolve.ts) to the run reconciler's
 * ports: resolution, invalidation of a stale revision, launch details, and release once a run stops.
 */
import type { PoolRecord } from '../controller/api/pool.js';
import type { RunRecord } from '../controller/api/run.js';
import type { TaskDefinitionResolver as TaskdefsResolver } from './taskdef/resolve.js';
import type { LaunchDetails } from './run-ecs.js';
import type { TaskDefinitionResolution, TaskDefinitionResolver } from './run-ports.js';

/** A waiting run is woken when its registration settles; this is only the fallback look-again. */
export const REGISTRATION_WAIT_FALLBACK_MS = 30_000;

export function resolverPort(taskdefs: TaskdefsResolver): TaskDefinitionResolver {
  return {
    async resolve(pool: PoolRecord, run: RunRecord): Promise<TaskDefinitionResolution> {
      const r = await taskdefs.resolve(pool, run);
      switch (r.status) {
        case 'resolved':
          return { arn: r.taskDefinition.taskDefinitionArn };
        case 'waiting':
          return { waitingMs: REGISTRATION_WAIT_FALLBACK_MS };
        case 'retry':
          return { waitingMs: r.retryAfterMs };
        case 'failed':
          return { failed: r.message };
      }
    },
    async invalidate(pool, run, taskDefinitionArn) {
      const r = await taskdefs.resolve(pool, run);
      if (r.status === 'resolved' && r.hash !== undefined) await taskdefs.invalidate(r.hash, taskDefinitionArn);
    },
  };
}

/** The container and network mode RunTask needs; the rendered content is the run's, so any cached revision of it answers. */
export function launchDetailsFrom(taskdefs: TaskdefsResolver) {
  return async (pool: PoolRecord, run: RunRecord, taskDefinitionArn: string): Promise<LaunchDetails> => {
    const r = await taskdefs.resolve(pool, run);
    switch (r.status) {
      case 'resolved':
        return { ...r.taskDefinition, taskDefinitionArn };
      case 'waiting':
        return { retryAfterMs: REGISTRATION_WAIT_FALLBACK_MS };
      case 'retry':
        return { retryAfterMs: r.retryAfterMs };
      case 'failed':
        return { failed: r.message };
    }
  };
}

export function releaseFrom(taskdefs: TaskdefsResolver) {
  return (run: RunRecord, taskDefinitionArn: string): Promise<void> => taskdefs.release(run.metadata.name, taskDefinitionArn);
}
