/**
 * Retries that recover: the simulator's per-run fault budgets (SIM_SPOT_INTERRUPT_TIMES,
 * SIM_FAIL_START_TIMES) hit only a run's first attempt, so the run reconciler's retry must launch a second
 * task and conclude the run succeeded. Real Redis, the simulator through the real SDK and gateway, and the
 * run reconciler driven by the shared run harness.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allStopped, fargatePool, startRunHarness, type RunHarness } from './run-harness.js';
import { createMetrics } from '../../controller/metrics.js';
import { recordStatusWrite } from '../../controller/run-metrics.js';
import type { RunRecord } from '../../controller/api/run.js';

const retryFast = { retry: { infrastructureAttempts: 2, backoff: { initialSeconds: 0.05, maxSeconds: 0.1 } } };

describe('runs that succeed on a retry', () => {
  let h: RunHarness;

  before(async () => {
    h = await startRunHarness({
      timeScale: 60,
      pools: [fargatePool('fargate', retryFast), fargatePool('spot', { ...retryFast, launchType: 'FARGATE_SPOT' })],
    });
  });

  after(async () => {
    await h.close();
  });

  test('a Fargate Spot interruption of the first attempt is retried, and the second attempt exits 0', async () => {
    await h.submitRun('spot-retry-1', 'spot', {
      env: { SIM_SPOT_INTERRUPT_AFTER_SECONDS: '0.5', SIM_SPOT_INTERRUPT_TIMES: '1', SIM_RUN_SECONDS: '3', SIM_EXIT_CODE: '0' },
    });
    const [run] = await h.driveUntil(['spot-retry-1'], allStopped, { timeoutMs: 30_000 });
    assert.equal(run.status.outcome, 'succeeded', run.status.message);
    assert.equal(run.status.attempts.length, 2);
    const [first, second] = run.status.attempts;
    assert.deepEqual([first.number, first.stopCode, first.failureReason], [1, 'SpotInterruption', 'SpotInterruption']);
    assert.deepEqual([second.number, second.stopCode, second.exitCode, second.failureReason], [2, 'EssentialContainerExited', 0, undefined]);
    assert.notEqual(first.taskArn, second.taskArn);
    assert.deepEqual(h.tasksOf('spot-retry-1').map((t) => t.stopCode), ['SpotInterruption', 'EssentialContainerExited']);
  });

  test('the retry and each attempt\'s submit → running time are in the metrics while the run still runs', async () => {
    const metrics = createMetrics();
    const written = (before: RunRecord, after: RunRecord) => recordStatusWrite(metrics, after.spec.pool, before.status, after.status);
    h.runDeps.observer = { written };
    h.resyncDeps.onWritten = written;
    try {
      await h.submitRun('spot-retry-live', 'spot', {
        env: { SIM_SPOT_INTERRUPT_AFTER_SECONDS: '0.5', SIM_SPOT_INTERRUPT_TIMES: '1', SIM_RUN_SECONDS: '600' },
      });
      const [run] = await h.driveUntil(['spot-retry-live'], ([r]) => r.status.phase === 'running' && r.status.attempts.length === 2, { timeoutMs: 30_000 });
      assert.equal(run.status.outcome, undefined);
      const text = await metrics.registry.metrics();
      assert.match(text, /^longshore_run_retries_total\{reason="SpotInterruption",pool="spot"\} 1$/m);
      assert.match(text, /^longshore_run_submit_to_running_seconds_count 2$/m);
    } finally {
      h.runDeps.observer = undefined;
      h.resyncDeps.onWritten = undefined;
    }
  });

  test('a failed start on the first attempt is retried, and the run succeeds on attempt 2', async () => {
    await h.submitRun('pull-retry-1', 'fargate', { env: { SIM_FAIL_START: 'CannotPullContainerError', SIM_FAIL_START_TIMES: '1' } });
    const [run] = await h.driveUntil(['pull-retry-1'], allStopped, { timeoutMs: 30_000 });
    assert.equal(run.status.outcome, 'succeeded', run.status.message);
    assert.deepEqual(run.status.attempts.map((a) => [a.number, a.stopCode, a.failureReason]), [
      [1, 'TaskFailedToStart', 'TaskFailedToStart'],
      [2, 'EssentialContainerExited', undefined],
    ]);
    assert.match(run.status.attempts[0].stoppedReason ?? '', /^CannotPullContainerError: /);
    assert.equal(run.status.attempts[1].exitCode, 0);
    assert.equal(h.tasksOf('pull-retry-1').length, 2);
  });
});
