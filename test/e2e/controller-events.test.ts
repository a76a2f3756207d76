/**
 * With LONGSHORE_TASK_EVENTS_QUEUE_URL set, a controller observes its tasks through the EventBridge events
 * the simulator publishes to SQS: with the resync slowed to once a minute, runs still finish in seconds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, QUICK_PHASES, pool, run, startHarness, waitStopped } from './controller-harness.js';

describe('task state change events', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
  });
  after(async () => {
    await h.close();
  });

  test('runs conclude from events alone when the resync is far away', async () => {
    await h.startReplica('events', { LONGSHORE_TASK_EVENTS_QUEUE_URL: h.sim.eventQueueUrl, LONGSHORE_RESYNC_INTERVAL_SECONDS: '600' });
    await h.store.submit([pool('evented')], { mode: 'apply' });
    const names = ['ev-ok', 'ev-fail'];
    await h.store.submit([
      run('ev-ok', { pool: 'evented', env: { SIM_RUN_SECONDS: '1' } }),
      run('ev-fail', { pool: 'evented', env: { SIM_RUN_SECONDS: '1', SIM_EXIT_CODE: '7' } }),
    ], { mode: 'create' });
    const runs = await waitStopped(h.store, names, 30_000);
    assert.equal(runs.get('ev-ok')!.status.outcome, 'succeeded');
    assert.equal(runs.get('ev-fail')!.status.outcome, 'failed');
    assert.equal(runs.get('ev-fail')!.status.attempts[0].exitCode, 7);
    assert.equal(h.sim.audit().calls.DescribeTasks?.ok ?? 0, 0, 'no resync described the tasks');
  });
});
