/**
 * Pure decisions of the registration worker: what a failed RegisterTaskDefinition (or a describe before
 * it) means, and how long to wait before the next try.
 *
 * Throttles, "Too many concurrent attempts to create a new revision of the specified family." (a
 * ClientException the SDK does not retry) and 5xx never fail a run: they come back with full-jitter
 * exponential backoff. An empty budget comes back exactly when the bucket has a token. Anything else
 * ECS refuses (ClientException, InvalidParameterException …) is the definition's fault: terminal.
 */
import { BudgetExhaustedError, describeError } from '../../controller/aws/errors.js';
import { ExponentialBackoff, fullJitterBackoffMs, Random } from '../../controller/backoff.js';

export type RegistrationErrorAction =
  /** Try again after `afterMs`; `counts` says whether it is a failed registration try (drives the backoff). */
  | { action: 'requeue'; afterMs: number; counts: boolean; reason: 'budget' | 'throttled' | 'conflict' | 'transient' }
  | { action: 'fail'; code: string; message: string };

/** The longest wait between two registration tries of one hash. */
export const REGISTRATION_BACKOFF_CAP_MS = 20_000;

/** Full jitter; the first retry within 1 s after a throttle, 500 ms after a conflict, 200 ms after a 5xx. */
const BACKOFF: Record<'throttled' | 'conflict' | 'transient', ExponentialBackoff> = {
  throttled: { baseMs: 1_000, capMs: REGISTRATION_BACKOFF_CAP_MS },
  conflict: { baseMs: 500, capMs: REGISTRATION_BACKOFF_CAP_MS },
  transient: { baseMs: 200, capMs: REGISTRATION_BACKOFF_CAP_MS },
};
const MIN_DELAY_MS = 50;

/** Full jitter under the reason's exponential ceiling, never below MIN_DELAY_MS. `failedTries` counts from 1. */
export function registrationBackoffMs(reason: keyof typeof BACKOFF, failedTries: number, random: Random): number {
  return Math.max(MIN_DELAY_MS, fullJitterBackoffMs(BACKOFF[reason], failedTries, random));
}

/** What a failed registration try (`tryNumber`, from 1) of `family` means. */
export function registrationErrorAction(error: unknown, tryNumber: number, random: Random, family: string): RegistrationErrorAction {
  if (error instanceof BudgetExhaustedError) {
    return { action: 'requeue', afterMs: Math.max(MIN_DELAY_MS, error.retryAfterMs), counts: false, reason: 'budget' };
  }
  const d = describeError(error);
  if (d.kind === 'throttled' || d.kind === 'conflict' || d.kind === 'transient') {
    const afterMs = Math.max(registrationBackoffMs(d.kind, tryNumber, random), d.kind === 'throttled' ? d.retryAfterMs ?? 0 : 0);
    return { action: 'requeue', afterMs, counts: true, reason: d.kind };
  }
  return { action: 'fail', code: d.code, message: `Registering task definition family '${family}' failed: ${d.code}: ${d.message}` };
}

/** DescribeTaskDefinition of a family that has no ACTIVE revision yet answers ClientException; that is a plain miss. */
export function isMissingFamily(error: unknown): boolean {
  if (error instanceof BudgetExhaustedError) return false;
  const d = describeError(error);
  return d.kind === 'client' || d.kind === 'notFound';
}
