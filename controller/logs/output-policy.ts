/**
 * streamOutput's decisions, pure: which runs a replica should forward, and whether one more line fits the
 * caps. A forwarded line costs a log write on the controller's stdout, which the cluster's log pipeline then
 * ships and stores; a run printing in a tight loop must not drown the controller's own log, so:
 * - each run: OUTPUT_CAPS.run.perSecond lines a second on average, bursts of OUTPUT_CAPS.run.burst;
 * - all runs one replica forwards together: OUTPUT_CAPS.overall;
 * - at most MAX_FORWARDED_RUNS runs forwarded by one replica at once (each is a follower spending the
 *   account-wide logsRead budget, 10 GetLogEvents a second by default, shared with `run logs` and the API).
 * Lines over a cap are dropped and counted (`longshore_run_output_lines_total{result="dropped-…"}`); they are
 * still in CloudWatch Logs.
 */
import type { PoolRecord } from '../api/pool.js';
import type { RunRecord } from '../api/run.js';

export interface RateCap {
  perSecond: number;
  burst: number;
}

export const OUTPUT_CAPS: Readonly<{ run: RateCap; overall: RateCap }> = Object.freeze({
  run: { perSecond: 50, burst: 500 },
  overall: { perSecond: 500, burst: 2_000 },
});

export const MAX_FORWARDED_RUNS = 20;

/** A token bucket counted in lines, refilled continuously; time is passed in. */
export class LineBucket {
  private tokens: number;
  private at: number | undefined;

  constructor(private readonly cap: RateCap) {
    this.tokens = cap.burst;
  }

  take(nowMs: number): boolean {
    if (this.at !== undefined) this.tokens = Math.min(this.cap.burst, this.tokens + ((nowMs - this.at) / 1000) * this.cap.perSecond);
    this.at = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export type LineVerdict = 'forwarded' | 'dropped-run-cap' | 'dropped-overall-cap';

/** The run's own cap first (a noisy run spends its own allowance, not everyone's), then the replica's. */
export function admitLine(run: LineBucket, overall: LineBucket, nowMs: number): LineVerdict {
  if (!run.take(nowMs)) return 'dropped-run-cap';
  if (!overall.take(nowMs)) return 'dropped-overall-cap';
  return 'forwarded';
}

/** Whether a run's output should be forwarded now: its pool asks for it and the run has not stopped. */
export function wantsForwarding(run: RunRecord, pool: PoolRecord | undefined): boolean {
  return pool !== undefined && pool.spec.streamOutput && pool.spec.cloudwatchLogs?.enabled === true && run.status.phase !== 'stopped';
}

/**
 * The next attempt to forward: the latest when nothing was forwarded yet, then each later one in turn; none
 * while the run has no attempt past the one already forwarded.
 */
export function nextAttempt(run: RunRecord, forwardedUpTo: number | undefined): number | undefined {
  const latest = run.status.attempts.at(-1)?.number;
  if (latest === undefined) return undefined;
  if (forwardedUpTo === undefined) return latest;
  return latest > forwardedUpTo ? forwardedUpTo + 1 : undefined;
}

/**
 * A run's line as the controller logs it: a password in a connection URL is replaced (the controller's own
 * rule for URLs); anything else is logged as the container printed it, as Prefect's stream_output does.
 */
export function redactOutputLine(line: string): string {
  return line.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):([^@/\s]+)@/gi, '$1:[redacted]@');
}
