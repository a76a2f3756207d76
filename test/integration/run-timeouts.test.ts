/**
 * Timeouts against the simulator in real time: a task stuck in PENDING past the start timeout is stopped
 * and the run ends timed-out; a task running past the run timeout likewise. Each case gets a simulator whose
 * scenario makes the timeout certain, not a race.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { QUICK_SCENARIO, allStopped, fargatePool, startRunHarness, type RunHarness } from './run-harness.js';

describe('start timeout: tasks that never leave PENDING', () => {
  let h: RunHarness;
  before(async () => {
    // 600 simulated seconds in PENDING is 10 s at this scale: far beyond the 1 s start timeout.
    h = await startRunHarness({ timeScale: 60, scenario: { phases: { ...QUICK_SCENARIO.phases, pending: 600 } }, pools: [fargatePool('slow')] });
  });
  after(async () => {
    await h.close();
  });

  test('the task is stopped and the run ends timed-out', async () => {
    await h.submitRun('slow-1', 'slow', { timeouts: { startSeconds: 1 } });
    const [run] = await h.driveUntil(['slow-1'], allStopped);
    assert.deepEqual([run.status.outcome, run.status.attempts.length, run.status.attempts[0].failureReason], ['timed-out', 1, 'StartTimeout']);
    assert.equal(h.tasksOf('slow-1')[0]?.stopCode, 'UserInitiated');
    assert.match(run.status.message ?? '', /not running 1s after it was submitted/);
  });
});

describe('run timeout: tasks that run too long', () => {
  let h: RunHarness;
  before(async () => {
    h = await startRunHarness({ timeScale: 60, pools: [fargatePool('long')] });
  });
  after(async () => {
    await h.close();
  });

  test('the task is stopped and the run ends timed-out, counted from Running', async () => {
    await h.submitRun('long-1', 'long', { timeouts: { runSeconds: 1 }, env: { SIM_RUN_SECONDS: '6000' } });
    const [run] = await h.driveUntil(['long-1'], allStopped);
    assert.deepEqual([run.status.outcome, run.status.attempts[0].failureReason], ['timed-out', 'RunTimeout']);
    assert.equal(h.tasksOf('long-1')[0]?.stopCode, 'UserInitiated');
    const running = run.status.attempts[0].startedAt;
    assert.ok(running, 'the task was seen running before the timeout');
  });
});
