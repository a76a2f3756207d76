/**
 * Run status: the observed half of a run. One zod schema is the source of both the TypeScript type and
 * the published JSON Schema. The lifecycle machine (machines/) reads and writes exactly these shapes.
 *
 * Glossary: a *run* is one unit of work; an *attempt* is one launch of it as an ECS task; infrastructure
 * failures start a new attempt within the retry budget, application failures (non-zero exit) do not unless
 * the retry policy names the exit code.
 */
import { z } from 'zod';

export const PHASES = ['pending', 'taskdef-resolved', 'submitted', 'running', 'stopped'] as const;
export const Phase = z.enum(PHASES);
export type Phase = z.infer<typeof Phase>;

export const OUTCOMES = ['succeeded', 'failed', 'cancelled', 'crashed', 'timed-out'] as const;
export const Outcome = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof Outcome>;

/** ISO-8601 timestamps throughout status, as Kubernetes does. */
const Timestamp = z.string().datetime({ offset: true });

export const Attempt = z.object({
  /** 1-based attempt number; also part of the RunTask clientToken. */
  number: z.number().int().min(1),
  taskArn: z.string().optional(),
  clusterArn: z.string().optional(),
  /** Last lastStatus seen from ECS for this attempt's task. */
  lastStatus: z.string().optional(),
  submittedAt: Timestamp.optional(),
  startedAt: Timestamp.optional(),
  stoppedAt: Timestamp.optional(),
  exitCode: z.number().int().nullable().optional(),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  /** Why this attempt ended, as Longshore classified it (e.g. SpotInterruption, TaskFailedToStart, ExitCode). */
  failureReason: z.string().optional(),
  /** Where the task ran, as ECS reports it: the capacity provider (FARGATE, FARGATE_SPOT, …) when a strategy placed it, else the launch type. */
  capacityProvider: z.string().optional(),
  launchType: z.string().optional(),
  /** What the attempt asked for: `on-demand` once a Spot fallback moved the run off Spot. */
  requestedCapacity: z.literal('on-demand').optional(),
  /** Start of the image pull: Fargate bills from here until the task stops. */
  pullStartedAt: Timestamp.optional(),
  /** Task-level size as ECS reports it (cpu units and MiB, as strings) and the CPU architecture. */
  cpu: z.string().optional(),
  memory: z.string().optional(),
  cpuArchitecture: z.string().optional(),
});
export type Attempt = z.infer<typeof Attempt>;

export const Condition = z.object({
  /** e.g. TaskDefinitionResolved, Submitted, Running, Stopped, CancelRequested. */
  type: z.string().min(1),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: Timestamp,
});
export type Condition = z.infer<typeof Condition>;

/**
 * The last lines of a failed or crashed run's output, fetched once from CloudWatch Logs when it concluded
 * (controller/logs/log-tail.ts), so `run describe` shows why. Written only by that step; the run reconciler
 * carries it over unchanged. `error` says why no lines could be read (Logs unavailable after bounded tries,
 * or the task never wrote any).
 */
export const LogTail = z.object({
  attempt: z.number().int().min(1),
  container: z.string().optional(),
  lines: z.array(z.string()),
  fetchedAt: Timestamp,
  error: z.string().optional(),
});
export type LogTail = z.infer<typeof LogTail>;
/** Where an attempt's cost comes from: Fargate on-demand or Spot (priced), EC2 or EXTERNAL (sized, not priced). */
export const COST_CAPACITIES = ['on-demand', 'spot', 'ec2', 'external'] as const;
export const CostCapacity = z.enum(COST_CAPACITIES);
export type CostCapacity = z.infer<typeof CostCapacity>;

export const AttemptCost = z.object({
  number: z.number().int().min(1),
  capacity: CostCapacity,
  /** Billed seconds: Fargate rounds up to the second with a one-minute minimum. */
  billedSeconds: z.number().min(0),
  vcpu: z.number().min(0),
  gb: z.number().min(0),
  estimatedUsd: z.number().min(0).optional(),
  onDemandUsd: z.number().min(0).optional(),
});
export type AttemptCost = z.infer<typeof AttemptCost>;

/** A finished run's cost: always an estimate from the configured price table (controller/pricing.ts). */
export const RunCost = z.object({
  estimate: z.literal(true),
  region: z.string(),
  vcpuSeconds: z.number().min(0),
  gbSeconds: z.number().min(0),
  /** USD at the prices of where each attempt ran; absent when no attempt could be priced (EC2, EXTERNAL, unknown Region). */
  estimatedUsd: z.number().min(0).optional(),
  /** What the same attempts would have cost on Fargate on-demand (the Spot savings are the difference). */
  onDemandUsd: z.number().min(0).optional(),
  /**
   * Why attempts that ran on Fargate carry no USD: the price table has no prices for the run's Region (it
   * names the Regions it has). Absent when every Fargate attempt was priced; EC2 and EXTERNAL are never priced.
   */
  unpriced: z.string().optional(),
  attempts: z.array(AttemptCost),
});
export type RunCost = z.infer<typeof RunCost>;

export const SpotFallbackStatus = z.object({
  /** `interruptions`: spotFallback.afterInterruptions reached; `capacity`: Fargate Spot had no capacity. */
  reason: z.enum(['interruptions', 'capacity']),
  /** The first attempt that ran on-demand. */
  fromAttempt: z.number().int().min(1),
});
export type SpotFallbackStatus = z.infer<typeof SpotFallbackStatus>;

export const RunStatus = z.object({
  phase: Phase,
  outcome: Outcome.optional(),
  attempts: z.array(Attempt),
  taskDefinitionArn: z.string().optional(),
  conditions: z.array(Condition),
  message: z.string().optional(),
  observedGeneration: z.number().int().min(0),
  logTail: LogTail.optional(),
  /** Set once a Spot fallback moved the run's next attempts on-demand. */
  spotFallback: SpotFallbackStatus.optional(),
  /** Written when the stopped run is finalized. */
  cost: RunCost.optional(),
});
export type RunStatus = z.infer<typeof RunStatus>;

export function initialRunStatus(): RunStatus {
  return { phase: 'pending', attempts: [], conditions: [], observedGeneration: 0 };
}
