/**
 * Exponential backoff, the one formula every retry in Longshore waits by: the gateway's call tries, the
 * job adapter's job tries, the registration worker's registration tries and a run's next attempt.
 *
 * After `failures` failures in a row (counted from 1) the wait is at most baseMs × factor^(failures−1),
 * never more than capMs. Callers pick how much of that ceiling to wait:
 * - backoffMs: all of it, deterministically (a run's retryAt is persisted, so it must not be random);
 * - fullJitterBackoffMs: uniform in [0, ceiling) — spreads many clients best (AWS Architecture Blog,
 *   "Exponential Backoff And Jitter");
 * - equalJitterBackoffMs: uniform in [ceiling/2, ceiling] — spread, yet never much shorter than planned.
 *
 * Pure and free of I/O imports, so machines/ may use it; randomness is injected.
 */

export interface ExponentialBackoff {
  /** The first retry's ceiling. */
  baseMs: number;
  /** Each further failure multiplies the ceiling by this (≥ 1; default 2). */
  factor?: number;
  /** No wait is ever longer. */
  capMs: number;
}

/** Uniform in [0, 1), like Math.random (the default everywhere a random source is injected). */
export type Random = () => number;

/** The ceiling after `failures` failures in a row: baseMs × factor^(failures−1), capped; `failures` below 1 counts as 1. */
export function backoffCeilingMs(backoff: ExponentialBackoff, failures: number): number {
  const factor = backoff.factor ?? 2;
  // factor ** a large exponent is Infinity, and min() then answers the cap: no overflow to guard.
  return Math.min(backoff.capMs, backoff.baseMs * factor ** Math.max(0, failures - 1));
}

/** The whole ceiling, rounded to a millisecond: the same answer every time. */
export function backoffMs(backoff: ExponentialBackoff, failures: number): number {
  return Math.round(backoffCeilingMs(backoff, failures));
}

/** Full jitter: uniform in [0, ceiling), whole milliseconds. */
export function fullJitterBackoffMs(backoff: ExponentialBackoff, failures: number, random: Random): number {
  return Math.floor(random() * backoffCeilingMs(backoff, failures));
}

/** Equal jitter: half the ceiling plus a uniform share of the other half, i.e. in [ceiling/2, ceiling]. */
export function equalJitterBackoffMs(backoff: ExponentialBackoff, failures: number, random: Random): number {
  const ceiling = backoffCeilingMs(backoff, failures);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Whether a failure in a row is worth one more warning: the 1st, 2nd, 4th, 8th … (an escalation of the
 * backoff, so a persistent error is logged a handful of times, not at every try), or a different error than
 * the last one. `previousReason` is the last failure's reason, undefined for the first.
 */
export function isEscalation(failures: number, previousReason: string | undefined, reason: string): boolean {
  return (failures & (failures - 1)) === 0 || (previousReason !== undefined && previousReason !== reason);
}
