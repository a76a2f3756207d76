/**
 * A run's effective timeouts and retry policy: the run's overrides over its pool's defaults. Pure, so the
 * lifecycle machine and the reconcilers agree on one answer.
 */
import type { Backoff, CapacityProviderStrategy, LaunchType } from './common.js';
import type { PoolSpec } from './pool.js';
import type { RunSpec } from './run.js';

export interface RunPolicy {
  startSeconds: number;
  runSeconds?: number;
  infrastructureAttempts: number;
  onExitCodes: number[];
  /** Retry a start timeout as an infrastructure failure instead of ending timed-out. */
  onStartTimeout: boolean;
  backoff: Backoff;
}

export function resolveRunPolicy(pool: Pick<PoolSpec, 'timeouts' | 'retry'>, run: Pick<RunSpec, 'timeouts' | 'retry'>): RunPolicy {
  const runSeconds = run.timeouts?.runSeconds ?? pool.timeouts.runSeconds;
  return {
    startSeconds: run.timeouts?.startSeconds ?? pool.timeouts.startSeconds,
    ...(runSeconds === undefined ? {} : { runSeconds }),
    infrastructureAttempts: run.retry?.infrastructureAttempts ?? pool.retry.infrastructureAttempts,
    onExitCodes: run.retry?.onExitCodes ?? pool.retry.onExitCodes,
    onStartTimeout: run.retry?.onStartTimeout ?? pool.retry.onStartTimeout,
    backoff: { ...pool.retry.backoff, ...definedOnly(run.retry?.backoff ?? {}) },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Task size when neither the run, the pool nor the template sets it (the seed worker's defaults). */
export const DEFAULT_TASK_CPU = 1024;
export const DEFAULT_TASK_MEMORY_MIB = 2048;

type SizeFields = { cpu?: number; memory?: number; taskDefinition?: { cpu?: string; memory?: string } };

/** The task-level cpu/memory a run launches with: run override, else pool, else template, else default. */
export function effectiveTaskSize(pool: SizeFields, run: { cpu?: number; memory?: number } = {}): { cpu: number; memory: number } {
  const templateCpu = numberOrUndefined(pool.taskDefinition?.cpu);
  const templateMemory = numberOrUndefined(pool.taskDefinition?.memory);
  return {
    cpu: run.cpu ?? pool.cpu ?? templateCpu ?? DEFAULT_TASK_CPU,
    memory: run.memory ?? pool.memory ?? templateMemory ?? DEFAULT_TASK_MEMORY_MIB,
  };
}

function numberOrUndefined(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const vcpu = /^\s*(\d+(?:\.\d+)?)\s*(vcpu|gb)\s*$/i.exec(value);
  const n = vcpu ? Math.round(Number(vcpu[1]) * 1024) : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export interface LaunchChoice {
  launchType?: LaunchType;
  capacityProviderStrategy?: CapacityProviderStrategy;
}

/**
 * Where a run launches: a run's launchType or capacityProviderStrategy replaces the pool's choice as a
 * whole; with neither set anywhere the run uses FARGATE.
 */
export function effectiveLaunch(pool: LaunchChoice, run: LaunchChoice = {}): LaunchChoice {
  if (run.capacityProviderStrategy) return { capacityProviderStrategy: run.capacityProviderStrategy };
  if (run.launchType) return { launchType: run.launchType };
  if (pool.capacityProviderStrategy) return { capacityProviderStrategy: pool.capacityProviderStrategy };
  return { launchType: pool.launchType ?? 'FARGATE' };
}

const FARGATE_PROVIDERS = new Set(['FARGATE', 'FARGATE_SPOT']);

/** True when the task runs on Fargate (on-demand or Spot), directly or through Fargate capacity providers. */
export function launchesOnFargate(launch: LaunchChoice): boolean {
  if (launch.capacityProviderStrategy) {
    return launch.capacityProviderStrategy.every((item) => FARGATE_PROVIDERS.has(item.capacityProvider));
  }
  return launch.launchType === 'FARGATE' || launch.launchType === 'FARGATE_SPOT';
}
