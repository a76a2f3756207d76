/**
 * A run's effective timeouts and retry policy: the run's overrides over its pool's defaults. Pure, so the
 * lifecycle machine and the reconcilers agree on one answer.
 */
import type { Backoff } from './common.js';
import type { PoolSpec } from './pool.js';
import type { RunSpec } from './run.js';

export interface RunPolicy {
  startSeconds: number;
  runSeconds?: number;
  infrastructureAttempts: number;
  onExitCodes: number[];
  backoff: Backoff;
}

export function resolveRunPolicy(pool: Pick<PoolSpec, 'timeouts' | 'retry'>, run: Pick<RunSpec, 'timeouts' | 'retry'>): RunPolicy {
  const runSeconds = run.timeouts?.runSeconds ?? pool.timeouts.runSeconds;
  return {
    startSeconds: run.timeouts?.startSeconds ?? pool.timeouts.startSeconds,
    ...(runSeconds === undefined ? {} : { runSeconds }),
    infrastructureAttempts: run.retry?.infrastructureAttempts ?? pool.retry.infrastructureAttempts,
    onExitCodes: run.retry?.onExitCodes ?? pool.retry.onExitCodes,
    backoff: { ...pool.retry.backoff, ...definedOnly(run.retry?.backoff ?? {}) },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
