/**
 * Maps the reconcile contract (controller/queue/reconcile.ts) onto BullMQ:
 * - `{ requeueAfterMs }` and BudgetExhaustedError → `moveToDelayed` + DelayedError (no job try spent);
 *   if a wake-up arrived while the job was active, the delayed job is promoted at once instead; the job
 *   first takes the priority its key should have, if it differs (job-priorities.ts);
 * - TerminalError → UnrecoverableError (no retries);
 * - any other error → rethrown, so BullMQ retries with the per-key exponential backoff (workers.ts).
 * Every reconcile gets a child logger with reconciler, key and a reconcile id, and is counted and timed.
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, Job, Processor, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { isBudgetExhausted } from '../aws/errors.js';
import type { ControllerMetrics } from '../metrics.js';
import type { ReconcileJobData } from './queues.js';
import { Reconciler, ReconcileResult, TerminalError } from './reconcile.js';

export interface JobAdapterOptions {
  /** Label for logs and metrics: run, taskdef, resync. */
  reconciler: string;
  reconcile: Reconciler;
  logger: Logger;
  metrics?: Pick<ControllerMetrics, 'reconcileTotal' | 'reconcileDuration'>;
  /**
   * Consumes the note a wake-up for this key left while its job was active (pending-wake-ups.ts) and
   * answers whether there was one; the adapter then reconciles again at once instead of after the delay.
   */
  takePendingWakeUp: (key: string) => Promise<boolean>;
  /**
   * The BullMQ priority this key's jobs should carry (job-priorities.ts), if known: a requeued job whose
   * own priority differs is given it before it is delayed, so it comes back in its pool's order.
   */
  priorityOf?: (key: string) => number | undefined;
  now?: () => number;
}

export function createJobProcessor(options: JobAdapterOptions): Processor<ReconcileJobData, void> {
  const now = options.now ?? Date.now;
  const { reconciler, metrics } = options;
  return async (job: Job<ReconcileJobData>, token?: string) => {
    const key = job.data.key;
    const reconcileId = randomUUID().slice(0, 8);
    const jobTry = job.attemptsMade + 1;
    const logger = options.logger.child({ reconciler, key, reconcileId, jobTry });
    const stopTimer = metrics?.reconcileDuration.startTimer({ reconciler });
    let result: ReconcileResult;
    try {
      result = await options.reconcile(key, { logger, reconcileId, jobTry });
    } catch (error) {
      stopTimer?.();
      if (isBudgetExhausted(error)) {
        result = { requeueAfterMs: error.retryAfterMs };
        logger.debug({ category: error.category, retryAfterMs: error.retryAfterMs }, 'reconcile waits for budget');
      } else if (error instanceof TerminalError) {
        metrics?.reconcileTotal.inc({ reconciler, result: 'terminal' });
        logger.error({ err: error }, 'reconcile failed terminally');
        // BullMQ's errors take only a message; the cause rides along for the 'failed' listeners and logs.
        throw Object.assign(new UnrecoverableError(error.message), { cause: error });
      } else {
        metrics?.reconcileTotal.inc({ reconciler, result: 'error' });
        logger.warn({ err: error }, 'reconcile failed, will retry');
        throw error;
      }
    }
    stopTimer?.();
    if (result.requeueAfterMs === undefined) {
      metrics?.reconcileTotal.inc({ reconciler, result: 'success' });
      logger.debug('reconcile finished');
      return;
    }
    metrics?.reconcileTotal.inc({ reconciler, result: 'requeue' });
    const delayMs = Math.max(0, Math.ceil(result.requeueAfterMs));
    logger.debug({ requeueAfterMs: delayMs }, 'reconcile requeued');
    const priority = options.priorityOf?.(key);
    // Once per job at most (the priority sticks to the job through its requeues): one HSET while it is active.
    if (priority !== undefined && priority !== (job.priority ?? 0)) await job.changePriority({ priority });
    await job.moveToDelayed(now() + delayMs, token);
    // Once delayed, new wake-ups reschedule the job themselves; one that came while it was active is
    // only noted, so honour it here. The job is no longer ours: nothing after moveToDelayed may throw
    // anything but DelayedError, or BullMQ would try to retry a job it no longer holds the lock of.
    if (delayMs > 0) {
      try {
        if (await options.takePendingWakeUp(key)) await job.promote();
      } catch (error) {
        // Already promoted by a concurrent wake-up, or Redis trouble: the delay still brings it back.
        logger.debug({ err: error }, 'could not promote requeued job');
      }
    }
    throw new DelayedError();
  };
}
