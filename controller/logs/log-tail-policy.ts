/**
 * The failure tail's decisions, pure. When a run ends failed or crashed, the last lines of its last attempt
 * (the pool's `cloudwatchLogs.failureTailLines`, default 20, 0 = off) are read once and kept in
 * `status.logTail`, so `run describe`, the API and the console show why, and are logged once as the
 * controller's `failed run's last output` JSON line (tailLogFields), which an alert on the controller's log
 * can quote: Prometheus alerts carry counts, not text. Level-triggered: the decision looks only
 * at the stored run and pool, so any number of wake-ups read the tail at most once it is recorded. Reading
 * never holds up the run's conclusion (it happens after, on the resync queue) and is tried a bounded number of
 * times; then the tail records that it could not be read.
 */
import type { PoolRecord } from '../api/pool.js';
import type { RunRecord } from '../api/run.js';
import type { LogTail } from '../api/run-status.js';
import { backoffMs, type ExponentialBackoff } from '../backoff.js';
import type { RunLogFailureReason } from './types.js';

/** Outcomes whose output explains them; a cancelled, timed-out or succeeded run's tail is not kept. */
const EXPLAINED_OUTCOMES = new Set(['failed', 'crashed']);

/** Tries to read a tail while Logs fails (throttled or unavailable): 5 s, 10 s, 20 s, 40 s apart, then give up. */
export const LOG_TAIL_TRIES = 5;
export const LOG_TAIL_BACKOFF: ExponentialBackoff = { baseMs: 5_000, capMs: 60_000 };

export type LogTailDecision =
  | { kind: 'none'; why: string }
  | { kind: 'read'; attempt: number; lines: number };

/** Whether the run's failure tail should be read now. */
export function planLogTail(run: RunRecord | null, pool: PoolRecord | null): LogTailDecision {
  if (run === null) return { kind: 'none', why: 'run gone' };
  if (run.status.phase !== 'stopped' || !EXPLAINED_OUTCOMES.has(run.status.outcome ?? '')) return { kind: 'none', why: 'not failed or crashed' };
  const attempt = run.status.attempts.at(-1);
  if (attempt === undefined) return { kind: 'none', why: 'never launched' };
  if (run.status.logTail !== undefined && run.status.logTail.attempt === attempt.number) return { kind: 'none', why: 'already recorded' };
  if (pool === null || pool.spec.cloudwatchLogs?.enabled !== true) return { kind: 'none', why: 'logs disabled' };
  const lines = pool.spec.cloudwatchLogs.failureTailLines;
  if (lines <= 0) return { kind: 'none', why: 'tail turned off' };
  return { kind: 'read', attempt: attempt.number, lines };
}

export type AfterReadFailure =
  | { kind: 'retry'; afterMs: number }
  /** Record the tail without lines, saying why. */
  | { kind: 'record'; error: string }
  /** Nothing to record: the run or its logging went away meanwhile. */
  | { kind: 'drop' };

/** What to do after the `tries`-th read (counted from 1) failed with `reason`. */
export function afterReadFailure(reason: RunLogFailureReason, message: string, tries: number): AfterReadFailure {
  switch (reason) {
    case 'RunNotFound':
    case 'LogsDisabled':
    case 'NoSuchAttempt':
      return { kind: 'drop' };
    case 'NotStarted':
      return { kind: 'record', error: 'the attempt wrote no output (its task never started, or printed nothing)' };
    case 'Throttled':
    case 'Unavailable':
      if (tries < LOG_TAIL_TRIES) return { kind: 'retry', afterMs: backoffMs(LOG_TAIL_BACKOFF, tries) };
      return { kind: 'record', error: `could not read the log after ${tries} tries: ${message}` };
  }
}

export function logTailOf(attempt: number, container: string | undefined, lines: string[], now: number, error?: string): LogTail {
  return {
    attempt,
    ...(container === undefined ? {} : { container }),
    lines,
    fetchedAt: new Date(now).toISOString(),
    ...(error === undefined ? {} : { error }),
  };
}

/** At most this many of the tail's last lines go into the controller's log line, each cut to TAIL_LOG_LINE_CHARS. */
export const TAIL_LOG_LINES = 20;
export const TAIL_LOG_LINE_CHARS = 500;

/**
 * The fields of the controller's `failed run's last output` log line. Bounded (the status keeps the whole
 * tail), because log shippers split or drop long lines (Docker's json-file at 16 KiB) and a split JSON line
 * is no longer JSON.
 */
export function tailLogFields(namespace: string, run: RunRecord, tail: LogTail): Record<string, unknown> {
  const attempt = run.status.attempts.find((a) => a.number === tail.attempt);
  const cut = (line: string) => (line.length > TAIL_LOG_LINE_CHARS ? `${line.slice(0, TAIL_LOG_LINE_CHARS)}…` : line);
  return {
    namespace,
    run: run.metadata.name,
    pool: run.spec.pool,
    outcome: run.status.outcome,
    ...(run.status.message === undefined ? {} : { message: run.status.message }),
    attempt: tail.attempt,
    ...(tail.container === undefined ? {} : { container: tail.container }),
    ...(attempt?.exitCode === undefined || attempt.exitCode === null ? {} : { exitCode: attempt.exitCode }),
    lastOutput: tail.lines.slice(-TAIL_LOG_LINES).map(cut),
  };
}
