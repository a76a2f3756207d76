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

export const RunStatus = z.object({
  phase: Phase,
  outcome: Outcome.optional(),
  attempts: z.array(Attempt),
  taskDefinitionArn: z.string().optional(),
  conditions: z.array(Condition),
  message: z.string().optional(),
  observedGeneration: z.number().int().min(0),
  logTail: LogTail.optional(),
});
export type RunStatus = z.infer<typeof RunStatus>;

export function initialRunStatus(): RunStatus {
  return { phase: 'pending', attempts: [], conditions: [], observedGeneration: 0 };
}
