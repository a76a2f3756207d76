/**
 * How runs end, through a controller process and the simulator: application exit codes, failed starts,
 * spot interruptions and start timeouts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../controller/api/run.js';
import { Harness, QUICK_PHASES, metricSum, pool, run, startHarness, waitStopped } from './controller-harness.js';
import { until } from '../helpers/until.js';

describe('run outcomes through a controller process', () => {
  let h: Harness;
  let runs: Map<string, RunRecord>;

  before(async () => {
    // At 60x: every task spends 120 simulated seconds (2 s real) in PENDING, so a 1 s start timeout fires
    // first, and the two-minute Spot warning lasts 2 s.
    h = await startHarness({ timeScale: 60, scenario: { phases: { ...QUICK_PHASES, pending: 120 } } });
    await h.startReplica('replica-a');
    await h.store.submit([
      pool('jobs'),
      pool('spot', { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }),
    ], { mode: 'apply' });
    await h.store.submit([
      run('ok', { pool: 'jobs', env: { SIM_RUN_SECONDS: '1' } }),
      run('exit-three', { pool: 'jobs', env: { SIM_EXIT_CODE: '3', SIM_RUN_SECONDS: '1' } }),
      run('cannot-pull', { pool: 'jobs', env: { SIM_FAIL_START: 'CannotPullContainerError' } }),
      run('slow-start', { pool: 'jobs', timeouts: { startSeconds: 1 } }),
      run('interrupted', { pool: 'spot', env: { SIM_RUN_SECONDS: '60', SIM_SPOT_INTERRUPT_AFTER_SECONDS: '1' } }),
      run('interrupted-once', { pool: 'spot', env: { SIM_RUN_SECONDS: '1', SIM_SPOT_INTERRUPT_AFTER_SECONDS: '0.5', SIM_SPOT_INTERRUPT_TIMES: '1' } }),
    ], { mode: 'create' });
    runs = await waitStopped(h.store, ['ok', 'exit-three', 'cannot-pull', 'slow-start', 'interrupted', 'interrupted-once'], 90_000);
  });

  after(async () => {
    await h.close();
  });

  test('exit code 0 succeeds', () => {
    const r = runs.get('ok')!;
    assert.equal(r.status.outcome, 'succeeded');
    assert.equal(r.status.attempts.length, 1);
    assert.equal(r.status.attempts[0].exitCode, 0);
  });

  test('exit code 3 fails the run with exit code 3 and no retry', () => {
    const r = runs.get('exit-three')!;
    assert.equal(r.status.outcome, 'failed');
    assert.equal(r.status.attempts.length, 1);
    assert.equal(r.status.attempts[0].exitCode, 3);
  });

  test('CannotPullContainerError is retried until the infrastructure budget is spent, then crashes with the reason', () => {
    const r = runs.get('cannot-pull')!;
    assert.equal(r.status.outcome, 'crashed');
    assert.equal(r.status.attempts.length, 3);
    for (const attempt of r.status.attempts) assert.match(attempt.stoppedReason ?? '', /CannotPullContainerError/);
    assert.match(r.status.message ?? '', /CannotPullContainerError/);
    const audit = h.sim.audit();
    assert.equal(audit.tasks.filter((t) => r.status.attempts.some((a) => a.taskArn === t.taskArn)).length, 3, 'one task per attempt');
  });

  test('a start timeout stops the task and ends the run timed-out', () => {
    const r = runs.get('slow-start')!;
    assert.equal(r.status.outcome, 'timed-out');
    const taskArn = r.status.attempts[0].taskArn;
    assert.ok(taskArn);
    const task = h.sim.audit().tasks.find((t) => t.taskArn === taskArn);
    assert.equal(task?.stopCode, 'UserInitiated', 'the controller stopped the task');
    assert.ok((h.sim.audit().calls.StopTask?.ok ?? 0) >= 1);
  });

  test('a spot interruption crashes the attempt, which is retried, and the retry succeeds', () => {
    const r = runs.get('interrupted-once')!;
    assert.equal(r.status.outcome, 'succeeded');
    assert.equal(r.status.attempts.length, 2);
    assert.equal(r.status.attempts[0].failureReason, 'SpotInterruption');
    assert.equal(r.status.attempts[1].exitCode, 0);
  });

  test('spot interruptions on every attempt end the run crashed once the budget is spent', () => {
    // Without SIM_SPOT_INTERRUPT_TIMES the simulator interrupts every spot attempt of the run.
    const r = runs.get('interrupted')!;
    assert.equal(r.status.attempts.length, 3);
    for (const attempt of r.status.attempts) assert.equal(attempt.failureReason, 'SpotInterruption');
    assert.equal(r.status.outcome, 'crashed');
  });

  test('the controller counts every retry by reason and every run by outcome', async () => {
    // A run is counted when its reconcile finalizes it, just after its stopped status was written (by the
    // resync, which wakes it): the last run's count may still be on its way when the test sees it stopped.
    await until(async () => (await metricSum(h.replicas, 'longshore_runs_completed_total')) >= 6 || undefined, { timeoutMs: 30_000, intervalMs: 200, what: 'every run finalized and counted' });
    assert.equal(await metricSum(h.replicas, 'longshore_run_retries_total', 'reason="SpotInterruption"'), 3);
    assert.equal(await metricSum(h.replicas, 'longshore_run_retries_total'), 5, 'three for the spot runs, two for the failed starts');
    assert.equal(await metricSum(h.replicas, 'longshore_runs_completed_total', 'outcome="crashed"'), 2);
    assert.equal(await metricSum(h.replicas, 'longshore_runs_completed_total', 'outcome="timed-out"'), 1);
    assert.ok((await metricSum(h.replicas, 'longshore_run_submit_to_running_seconds_count')) >= 2);
  });
});
