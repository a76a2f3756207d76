/**
 * The run reconciler end to end: real Redis (the store), the ECS simulator through the real SDK and gateway,
 * TASKDEFS' registration and launch modules, and the per-cluster resync. The test drives the reconcilers
 * itself (no BullMQ) and owns the controller's clock, so timeouts are exercised without waiting for them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileRun } from '../../reconcilers/run/reconciler.js';
import { resyncCluster } from '../../reconcilers/observe/resync.js';
import { createControlHandler } from '../../reconcilers/control/control.js';
import { allStopped, fargatePool, silent, startRunHarness, type RunHarness } from './run-harness.js';
import { until } from '../helpers/until.js';

const retryFast = { retry: { infrastructureAttempts: 2, backoff: { initialSeconds: 0.05, maxSeconds: 0.1 } } };

describe('run lifecycle against Redis and the simulator', () => {
  let h: RunHarness;

  before(async () => {
    h = await startRunHarness({
      timeScale: 60,
      pools: [
        fargatePool('fargate', retryFast),
        fargatePool('narrow', { limits: { maxRunning: 1 } }),
        fargatePool('spot', { ...retryFast, launchType: 'FARGATE_SPOT' }),
      ],
    });
  });

  after(async () => {
    await h.close();
  });

  const submitRun = (name: string, pool: string, spec: object = {}) => h.submitRun(name, pool, spec);
  const driveUntil: RunHarness['driveUntil'] = (names, done, options) => h.driveUntil(names, done, options);
  const tasksOf = (name: string) => h.tasksOf(name);
  const ctx = { logger: silent, reconcileId: 'test', jobTry: 1 };

  test('exit 0 succeeds and exit 3 fails, one task each, with conditions and attempt details', async () => {
    await submitRun('ok-1', 'fargate');
    await submitRun('bad-1', 'fargate', { env: { SIM_EXIT_CODE: '3' } });
    const [ok, bad] = await driveUntil(['ok-1', 'bad-1'], allStopped);
    assert.deepEqual([ok.status.outcome, ok.status.attempts.length, ok.status.attempts[0].exitCode], ['succeeded', 1, 0]);
    assert.deepEqual([bad.status.outcome, bad.status.attempts[0].exitCode, bad.status.attempts[0].failureReason], ['failed', 3, 'ExitCode']);
    for (const run of [ok, bad]) {
      assert.equal(tasksOf(run.metadata.name).length, 1);
      assert.ok(run.status.taskDefinitionArn);
      assert.deepEqual(run.status.conditions.map((c) => `${c.type}=${c.status}`).sort(), ['Running=False', 'Stopped=True', 'Submitted=True', 'TaskDefinitionResolved=True']);
      assert.equal(run.status.observedGeneration, 1);
    }
    assert.equal(h.registrations.length, 0);
  });

  test('a failed start retries within the budget, then crashes with the reason', async () => {
    await submitRun('pull-1', 'fargate', { env: { SIM_FAIL_START: 'CannotPullContainerError' } });
    const [run] = await driveUntil(['pull-1'], allStopped);
    assert.equal(run.status.outcome, 'crashed');
    assert.deepEqual(run.status.attempts.map((a) => a.failureReason), ['TaskFailedToStart', 'TaskFailedToStart']);
    assert.match(run.status.message ?? '', /CannotPullContainerError.*budget of 2/);
    assert.equal(tasksOf('pull-1').length, 2);
    assert.equal(new Set(tasksOf('pull-1').map((t) => t.clientToken)).size, 2);
  });

  test('a Fargate Spot interruption is classified and retried', async () => {
    await submitRun('spot-1', 'spot', { env: { SIM_SPOT_INTERRUPT_AFTER_SECONDS: '0.5', SIM_RUN_SECONDS: '60' } });
    const [run] = await driveUntil(['spot-1'], allStopped);
    assert.equal(run.status.outcome, 'crashed');
    assert.deepEqual(run.status.attempts.map((a) => a.failureReason), ['SpotInterruption', 'SpotInterruption']);
  });

  test('cancel before launch never launches; cancel while running stops the task', async () => {
    await submitRun('early-1', 'fargate', { cancelRequested: true });
    const [early] = await driveUntil(['early-1'], allStopped);
    assert.deepEqual([early.status.outcome, early.status.attempts.length, tasksOf('early-1').length], ['cancelled', 0, 0]);

    await submitRun('late-1', 'fargate', { env: { SIM_RUN_SECONDS: '600' } });
    await driveUntil(['late-1'], (runs) => runs[0]?.status.phase === 'running');
    const handle = createControlHandler({ store: h.store, gateway: h.gateway, wake: async () => undefined });
    await handle({ id: '1-0', message: { type: 'cancel', run: 'late-1' } });
    const [late] = await driveUntil(['late-1'], allStopped);
    assert.equal(late.status.outcome, 'cancelled');
    assert.equal(tasksOf('late-1')[0]?.stopCode, 'UserInitiated');
  });

  test('two reconciles of one run racing each other launch one task and finalize it', async () => {
    await submitRun('race-1', 'fargate');
    const concluded: string[] = [];
    const racing = { ...h.runDeps, observer: { concluded: (outcome: string) => concluded.push(outcome) } };
    await until(async () => {
      while (h.registrations.length > 0) await h.taskdefs.reconciler(h.registrations.shift() ?? '', ctx);
      await Promise.all([reconcileRun(racing, 'race-1'), reconcileRun(racing, 'race-1')]);
      for (const cluster of await h.store.liveTaskClusters()) await resyncCluster(h.resyncDeps, cluster);
      const current = await h.store.getRun('race-1');
      return (current?.lifecycle as { context?: { finalized?: boolean } } | undefined)?.context?.finalized === true;
    }, { timeoutMs: 20_000, intervalMs: 50, what: 'race-1 to be finalized' });
    const run = await h.store.getRun('race-1');
    assert.equal(run?.status.outcome, 'succeeded');
    assert.equal(tasksOf('race-1').length, 1);
    // Finalizing is at-least-once: two racing reconciles may both count the run (BullMQ keeps one active per run).
    assert.ok(concluded.length >= 1 && concluded.every((outcome) => outcome === 'succeeded'), concluded.join());
  });

  test('kill by task ARN stops the task; the run ends crashed, not retried', async () => {
    await submitRun('kill-1', 'fargate', { env: { SIM_RUN_SECONDS: '600' } });
    const [running] = await driveUntil(['kill-1'], (runs) => runs[0]?.status.phase === 'running');
    const taskArn = running.status.attempts[0].taskArn ?? '';
    await createControlHandler({ store: h.store, gateway: h.gateway, wake: async () => undefined })({ id: '2-0', message: { type: 'kill', taskArn } });
    const [run] = await driveUntil(['kill-1'], allStopped);
    assert.deepEqual([run.status.outcome, run.status.attempts.length, run.status.attempts[0].failureReason], ['crashed', 1, 'StoppedByUser']);
  });

  test('maxRunning 1: runs of the pool take turns, and all of them finish', async () => {
    const names = ['turn-1', 'turn-2', 'turn-3'];
    for (const name of names) await submitRun(name, 'narrow');
    let most = 0;
    await driveUntil(names, (runs) => {
      most = Math.max(most, runs.filter((r) => ['taskdef-resolved', 'submitted', 'running'].includes(r.status.phase) && r.status.attempts.some((a) => a.taskArn && !a.stoppedAt)).length);
      return allStopped(runs);
    });
    assert.equal(most, 1);
    for (const name of names) assert.equal((await h.store.getRun(name))?.status.outcome, 'succeeded');
  });
});
