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

export type RegistrationErrorAction =
  /** Try again after `afterMs`; `counts` says whether it is a real failed attempt (drives the backoff). */
  | { action: 'requeue'; afterMs: number; counts: boolean; reason: 'budget' | 'throttled' | 'conflict' | 'transient' }
  | { action: 'fail'; code: string; message: string };

const BASE_MS = { throttled: 500, conflict: 250, transient: 100 } as const;
const BACKOFF_CAP_MS = 20_000;
const MIN_DELAY_MS = 50;

/** Full jitter: uniform in [MIN, min(cap, base · 2^attempt)]. `attempt` counts from 1. */
export function backoffMs(attempt: number, baseMs: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, baseMs * 2 ** Math.max(0, attempt));
  return Math.max(MIN_DELAY_MS, Math.floor(random() * ceiling));
}

export function registrationErrorAction(error: unknown, attempt: number, random: () => number, family: string): RegistrationErrorAction {
  if (error instanceof BudgetExhaustedError) {
    return { action: 'requeue', afterMs: Math.max(MIN_DELAY_MS, error.retryAfterMs), counts: false, reason: 'budget' };
  }
  const d = describeError(error);
  if (d.kind === 'throttled' || d.kind === 'conflict' || d.kind === 'transient') {
    const afterMs = Math.max(backoffMs(attempt, BASE_MS[d.kind], random), d.kind === 'throttled' ? d.retryAfterMs ?? 0 : 0);
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
