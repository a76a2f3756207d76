/** Admission rules for timeouts and retry that a field's own bounds (policy.ts) cannot express. */
import type { Backoff } from '../policy.js';
import type { Violation } from './violation.js';

/**
 * The first wait may not exceed the cap: backoff would then wait the cap from the first failure on, which is
 * not what the author wrote. Judged on the effective policy (a run's overrides over its pool's), and blamed on
 * the document's own initialSeconds (else maxSeconds).
 */
export function checkBackoffOrder(effective: Backoff, own: { initialSeconds?: number; maxSeconds?: number } | undefined): Violation[] {
  if (own?.initialSeconds === undefined && own?.maxSeconds === undefined) return [];
  if (effective.initialSeconds <= effective.maxSeconds) return [];
  const field = own.initialSeconds !== undefined ? 'initialSeconds' : 'maxSeconds';
  return [{
    path: `spec.retry.backoff.${field}`,
    rule: 'backoff-order',
    message: `backoff initialSeconds (${effective.initialSeconds}) must not exceed maxSeconds (${effective.maxSeconds})`,
    value: effective[field],
  }];
}
