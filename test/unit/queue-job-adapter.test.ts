import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { pino } from 'pino';
import { createJobProcessor } from '../../controller/queue/job-adapter.js';
import type { ReconcileJobData } from '../../controller/queue/queues.js';
import { TerminalError, type Reconciler } from '../../controller/queue/reconcile.js';

/** Only what the adapter reads before it throws; a requeue would need the real Job. */
function jobFor(key: string, attemptsMade = 0): Job<ReconcileJobData> {
  return { data: { key }, attemptsMade } as unknown as Job<ReconcileJobData>;
}

function processorFor(reconcile: Reconciler) {
  return createJobProcessor({ reconciler: 'test', reconcile, logger: pino({ level: 'silent' }), takePendingWakeUp: async () => false });
}

describe('job adapter', () => {
  test('a terminal error becomes UnrecoverableError with the same message and the original as cause', async () => {
    const rootCause = new Error('lifecycle JSON is corrupt');
    const terminal = new TerminalError('run "a" has an unreadable lifecycle', rootCause);
    const process = processorFor(async () => { throw terminal; });
    await assert.rejects(process(jobFor('a')), (e: unknown) =>
      e instanceof UnrecoverableError && e.message === terminal.message && e.cause === terminal && terminal.cause === rootCause);
  });

  test('any other error is rethrown as is, for BullMQ to retry', async () => {
    const failure = new Error('redis went away');
    const process = processorFor(async () => { throw failure; });
    await assert.rejects(process(jobFor('a')), (e: unknown) => e === failure);
  });

  test('the reconciler learns the job try: BullMQ\'s attemptsMade + 1', async () => {
    const seen: number[] = [];
    const process = processorFor(async (_key, context) => { seen.push(context.jobTry); return {}; });
    await process(jobFor('a', 0));
    await process(jobFor('a', 2));
    assert.deepEqual(seen, [1, 3]);
  });
});
