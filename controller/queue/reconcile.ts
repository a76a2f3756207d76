/**
 * The reconcile contract every reconciler implements (controller-runtime's, in TypeScript):
 * `reconcile(key, context) → { requeueAfterMs? }`. The key names the object (a run's name; a cluster for a
 * resync); the reconciler reads all the state it needs, decides, acts, records.
 * - return `{}`: done until something wakes this key again;
 * - return `{ requeueAfterMs }`: look again after that long (deadlines, polling), not counted as a failure;
 * - throw BudgetExhaustedError: same as a requeue after its retryAfterMs (the budget, not the run, is short);
 * - throw TerminalError: give up on this wake-up, never retried;
 * - throw anything else: retried with per-key exponential backoff.
 */
import type { Logger } from 'pino';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  logger: Logger;
  /** Short random id shared by every log line of this one reconcile. */
  reconcileId: string;
  /**
   * The job try: 1 for the first try of this wake-up's job, then 2, 3… after failures (BullMQ's attemptsMade + 1;
   * a requeue is not a failure and keeps the number). Not a run's *attempt*, which is one launch of its task.
   */
  jobTry: number;
}

export type Reconciler = (key: string, context: ReconcileContext) => Promise<ReconcileResult>;

/** An error retrying cannot fix: the job adapter gives up on the key instead of backing off. */
export class TerminalError extends Error {
  override readonly cause: unknown;
  constructor(message: string, cause?: unknown) {
    super(message);
    this.name = 'TerminalError';
    this.cause = cause;
  }
}

/** Of several sub-reconcilers' results, the one that asks to come back soonest (karpenter's result.Min). */
export function soonest(...results: ReconcileResult[]): ReconcileResult {
  const delays = results.map((r) => r.requeueAfterMs).filter((ms): ms is number => ms !== undefined);
  return delays.length === 0 ? {} : { requeueAfterMs: Math.min(...delays) };
}
