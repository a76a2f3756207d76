/**
 * Timeouts and retry policy: the schemas a pool (defaults) and a run (overrides) write, and the run's
 * effective policy, the run's overrides over its pool's defaults. Pure, so the lifecycle machine and the
 * reconcilers agree on one answer.
 */
import { z } from 'zod';
import type { CapacityProviderStrategy, LaunchType } from './placement.js';
import { cpuUnits, memoryMiB } from './quantities.js';
import type { PoolSpec } from './pool.js';
import type { RunSpec } from './run.js';

export const StartSecondsDefault = 300;
export const LaunchSecondsDefault = 600;
/** A day: a launch that has failed for longer is not going to be rescued by waiting. */
const LaunchSecondsMax = 86_400;
const launchSeconds = z.number().int().positive().max(LaunchSecondsMax);

/*
 * Bounds. ECS itself has no limit on how long a task may take to start or run, but a timeout beyond two
 * weeks, a backoff step beyond an hour, a backoff cap beyond a day or a multiplier beyond 10 is surely a
 * typo (1e308 parses as a number): admission refuses it instead of sleeping for ever. Exit codes are a
 * POSIX exit status (0-255), which is what ECS reports as a container's exitCode.
 */
export const TIMEOUT_MAX_SECONDS = 14 * 24 * 3600;
export const BACKOFF_INITIAL_MAX_SECONDS = 3600;
export const BACKOFF_MAX_MAX_SECONDS = 24 * 3600;
export const BACKOFF_MULTIPLIER_MAX = 10;
export const EXIT_CODE_MAX = 255;

const timeoutSeconds = () => z.number().int().positive().max(TIMEOUT_MAX_SECONDS, `must be at most ${TIMEOUT_MAX_SECONDS} seconds (14 days)`);
const initialSeconds = () => z.number().positive().max(BACKOFF_INITIAL_MAX_SECONDS, `must be at most ${BACKOFF_INITIAL_MAX_SECONDS} seconds (1 hour)`);
const maxSeconds = () => z.number().positive().max(BACKOFF_MAX_MAX_SECONDS, `must be at most ${BACKOFF_MAX_MAX_SECONDS} seconds (1 day)`);
const multiplier = () => z.number().min(1).max(BACKOFF_MULTIPLIER_MAX, `must be at most ${BACKOFF_MULTIPLIER_MAX}`);
/** Distinct exit statuses number 256, so a longer list only repeats itself. */
const exitCodes = () => z.array(z.number().int().min(0, 'exit codes are 0-255 (a POSIX exit status)').max(EXIT_CODE_MAX, 'exit codes are 0-255 (a POSIX exit status)')).max(EXIT_CODE_MAX + 1);

export const Timeouts = z.strictObject({
  /** From submission until ECS reports RUNNING. */
  startSeconds: timeoutSeconds().default(StartSecondsDefault),
  /** From RUNNING until stopped; unlimited when absent. */
  runSeconds: timeoutSeconds().optional(),
  /**
   * From an attempt's first RunTask try until ECS accepts it: while RunTask keeps failing (5xx, timeouts,
   * throttles, an open breaker), the attempt ends as an infrastructure failure (LaunchTimeout) at this deadline.
   * Before the first attempt, the same bound ends a run whose registration keeps failing (RegistrationTimeout).
   */
  launchSeconds: launchSeconds.default(LaunchSecondsDefault),
});
export const TimeoutsOverride = z.strictObject({
  startSeconds: timeoutSeconds().optional(),
  runSeconds: timeoutSeconds().optional(),
  launchSeconds: launchSeconds.optional(),
});

/** Admission also checks initialSeconds ≤ maxSeconds on the effective policy (rule backoff-order). */
export const Backoff = z.strictObject({
  initialSeconds: initialSeconds().default(10),
  maxSeconds: maxSeconds().default(300),
  multiplier: multiplier().default(2),
});
export type Backoff = z.infer<typeof Backoff>;

export const Retry = z.strictObject({
  /** Total launches allowed when attempts fail for infrastructure reasons (spot interruption, failed start, capacity). */
  infrastructureAttempts: z.number().int().min(1).max(100).default(3),
  /** Application exit codes that also start a new attempt (within exitCodeAttempts). */
  onExitCodes: exitCodes().default([]),
  /** Total launches allowed when attempts end with one of onExitCodes; counted apart from infrastructureAttempts. */
  exitCodeAttempts: z.number().int().min(1).max(100).default(3),
  /** A start timeout (task not RUNNING within timeouts.startSeconds) stops the task and starts a new attempt
   * within the infrastructure budget, instead of ending the run timed-out. */
  onStartTimeout: z.boolean().default(false),
  backoff: Backoff.prefault({}),
});
export type Retry = z.infer<typeof Retry>;
export const RetryOverride = z.strictObject({
  infrastructureAttempts: z.number().int().min(1).max(100).optional(),
  onExitCodes: exitCodes().optional(),
  exitCodeAttempts: z.number().int().min(1).max(100).optional(),
  onStartTimeout: z.boolean().optional(),
  backoff: z
    .object({
      initialSeconds: initialSeconds().optional(),
      maxSeconds: maxSeconds().optional(),
      multiplier: multiplier().optional(),
    })
    .optional(),
});

/**
 * Spot → on-demand: after `afterInterruptions` Fargate Spot interruptions of a run, or at once when Fargate
 * Spot has no capacity (`onCapacityUnavailable`), the run's next attempts launch on-demand. New runs still
 * start on Spot.
 */
export const SpotFallback = z.strictObject({
  afterInterruptions: z.number().int().min(1).max(100).optional(),
  onCapacityUnavailable: z.boolean().default(false),
});
export type SpotFallback = z.infer<typeof SpotFallback>;

export interface RunPolicy {
  startSeconds: number;
  launchSeconds: number;
  runSeconds?: number;
  infrastructureAttempts: number;
  onExitCodes: number[];
  exitCodeAttempts: number;
  /** Retry a start timeout as an infrastructure failure instead of ending timed-out. */
  onStartTimeout: boolean;
  backoff: Backoff;
}

export function resolveRunPolicy(pool: Pick<PoolSpec, 'timeouts' | 'retry'>, run: Pick<RunSpec, 'timeouts' | 'retry'>): RunPolicy {
  const runSeconds = run.timeouts?.runSeconds ?? pool.timeouts.runSeconds;
  return {
    startSeconds: run.timeouts?.startSeconds ?? pool.timeouts.startSeconds,
    launchSeconds: run.timeouts?.launchSeconds ?? pool.timeouts.launchSeconds,
    ...(runSeconds === undefined ? {} : { runSeconds }),
    infrastructureAttempts: run.retry?.infrastructureAttempts ?? pool.retry.infrastructureAttempts,
    onExitCodes: run.retry?.onExitCodes ?? pool.retry.onExitCodes,
    exitCodeAttempts: run.retry?.exitCodeAttempts ?? pool.retry.exitCodeAttempts,
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
  const templateCpu = cpuUnits(pool.taskDefinition?.cpu);
  const templateMemory = memoryMiB(pool.taskDefinition?.memory);
  return {
    cpu: run.cpu ?? pool.cpu ?? templateCpu ?? DEFAULT_TASK_CPU,
    memory: run.memory ?? pool.memory ?? templateMemory ?? DEFAULT_TASK_MEMORY_MIB,
  };
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

/** True when the launch may place the task on Fargate Spot (the FARGATE_SPOT launch type, or a strategy naming it). */
export function usesSpot(launch: LaunchChoice): boolean {
  if (launch.capacityProviderStrategy) return launch.capacityProviderStrategy.some((item) => item.capacityProvider === 'FARGATE_SPOT');
  return launch.launchType === 'FARGATE_SPOT';
}
