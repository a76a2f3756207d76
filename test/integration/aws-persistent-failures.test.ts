/**
 * Calls that keep failing (issue 7, "errors that do not go away"): a failing proxy in front of the simulator
 * answers HTTP 500 to the chosen action, and the run reconciler, registration worker and resync are driven by
 * the test (no BullMQ) as fast as it likes. What is asserted is behaviour: each failing call is retried only
 * as its backoff allows (bounded call counts), the error shows in the run's status, and the run still ends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../controller/api/run.js';
import { createResyncReconciler } from '../../reconcilers/observe/resync.js';
import { redisResyncTroubleStore } from '../../reconcilers/observe/resync-backoff.js';
import { allStopped, fargatePool, silent, startRunHarness, type RunHarness } from './run-harness.js';
import { startFailingProxy, type FailingProxy } from '../helpers/failing-proxy.js';

describe('AWS calls that keep failing', () => {
  let h: RunHarness;
  let proxy: FailingProxy | undefined;
  const failing = (): FailingProxy => {
    if (!proxy) throw new Error('the proxy did not start');
    return proxy;
  };

  before(async () => {
    h = await startRunHarness({
      timeScale: 60,
      pools: [
        fargatePool('fargate'),
        fargatePool('registry', { image: 'busybox:registry', timeouts: { launchSeconds: 3 } }),
        fargatePool('vpc', { image: 'busybox:vpc', timeouts: { launchSeconds: 4 }, retry: { infrastructureAttempts: 1 } }),
      ],
      endpoint: async (target) => {
        proxy = await startFailingProxy({ target, failRunTaskOn: [] });
        return proxy.url;
      },
    });
  });

  after(async () => {
    await h.close();
    await proxy?.close();
  });

  test('a StopTask that keeps failing backs off, shows AWS error in the status, and the stop goes through once it heals', async () => {
    await h.submitRun('stop-1', 'fargate', { env: { SIM_RUN_SECONDS: '36000' } });
    await h.driveUntil(['stop-1'], (runs) => runs[0]?.status.phase === 'running');
    failing().failAction('StopTask');
    await h.store.requestCancel('stop-1');
    // Driven every 50 ms: without a backoff this would be a StopTask every round.
    const [troubled] = await h.driveUntil(['stop-1'], (runs) => /3 tries failed/.test(runs[0]?.status.message ?? ''));
    assert.equal(failing().failedCalls().StopTask, 3, 'one StopTask per failed try, none while backing off');
    const condition = troubled.status.conditions.find((c) => c.type === 'Stopped');
    assert.deepEqual([condition?.status, condition?.reason], ['False', 'StopFailing']);
    assert.match(condition?.message ?? '', /^stopping attempt 1: StopTask failing \(ServerException: Service Unavailable/);

    failing().failAction('StopTask', false);
    const [run] = await h.driveUntil(['stop-1'], allStopped);
    assert.equal(run.status.outcome, 'cancelled');
    assert.equal(run.status.conditions.find((c) => c.type === 'Stopped')?.reason, 'Cancelled');
    assert.equal(h.tasksOf('stop-1')[0]?.stopCode, 'UserInitiated');
  });

  test('a registration that keeps failing shows in the waiting run, is retried at its own backoff, and ends the run by launchSeconds', async () => {
    failing().failAction('RegisterTaskDefinition');
    await h.submitRun('reg-1', 'registry');
    let sawFailing: RunRecord | undefined;
    const [run] = await h.driveUntil(['reg-1'], (runs) => {
      const condition = runs[0]?.status.conditions.find((c) => c.type === 'TaskDefinitionResolved');
      if (condition?.reason === 'RegistrationFailing') sawFailing ??= runs[0];
      return allStopped(runs);
    });
    assert.deepEqual([run.status.outcome, run.status.conditions.find((c) => c.type === 'Stopped')?.reason], ['crashed', 'RegistrationTimeout']);
    assert.match(run.status.message ?? '', /not registered within 3s of the first failed registration try; last error: ServerException: Service Unavailable/);
    assert.match(sawFailing?.status.message ?? '', /^waiting for the task definition: RegisterTaskDefinition failing \(ServerException: Service Unavailable/);
    assert.equal(run.status.attempts.length, 0, 'nothing was launched');
    // Looked at every 50 ms, yet RegisterTaskDefinition follows its own backoff (200 ms, 400 ms … full jitter).
    const calls = failing().failedCalls().RegisterTaskDefinition ?? 0;
    assert.ok(calls >= 2 && calls <= 20, `${calls} RegisterTaskDefinition calls in about 3 s`);

    failing().failAction('RegisterTaskDefinition', false);
    // The registration's next try may be seconds away (its backoff); this run's own deadline outlasts it.
    await h.submitRun('reg-2', 'registry', { timeouts: { launchSeconds: 60 } });
    const [healed] = await h.driveUntil(['reg-2'], allStopped);
    assert.equal(healed.status.outcome, 'succeeded');
  });

  test("a cluster whose DescribeTasks keeps failing is resynced once per backoff, counted, and runs' own deadlines still end them", async () => {
    await h.submitRun('resync-1', 'fargate', { env: { SIM_RUN_SECONDS: '36000' }, timeouts: { runSeconds: 5 } });
    await h.driveUntil(['resync-1'], (runs) => runs[0]?.status.phase === 'running');
    const [cluster] = await h.store.liveTaskClusters();
    assert.ok(cluster);
    const failed: string[] = [];
    const resync = createResyncReconciler({
      ...h.resyncDeps,
      backoff: {
        troubles: redisResyncTroubleStore(h.redis, (c) => `longshore:{${h.namespace}}:resync-trouble:${c}`),
        now: () => Date.now() + h.clock.offsetMs,
        onFailure: (c) => failed.push(c),
      },
    });
    const ctx = { logger: silent, reconcileId: 'test', jobTry: 1 };
    failing().failAction('DescribeTasks');
    const describeCalls = () => failing().failedCalls().DescribeTasks ?? 0;
    const before = describeCalls();
    // Twenty ticks in a row: the first fails (after the gateway's own few call tries), the others fall
    // within its backoff (at least 2.5 s) and call nothing.
    assert.deepEqual(await resync(cluster, ctx), {}, 'a failing cluster is not an error for the job adapter');
    const oneResync = describeCalls() - before;
    assert.ok(oneResync >= 1 && oneResync <= 5, `${oneResync} DescribeTasks calls in one resync`);
    for (let tick = 1; tick < 20; tick++) assert.deepEqual(await resync(cluster, ctx), {});
    assert.equal(describeCalls() - before, oneResync, 'no DescribeTasks while the cluster backs off');
    assert.deepEqual(failed, [cluster]);

    // The run's own deadline (runSeconds: 5) is enforced while the resync cannot see the cluster.
    h.clock.offsetMs += 6_000;
    const [stopping] = await h.driveUntil(['resync-1'], (runs) => /run-timeout reached/.test(runs[0]?.status.message ?? ''), {
      resync: false,
      each: async () => void (await resync(cluster, ctx)),
    });
    assert.equal(stopping.status.phase, 'running', 'stopping keeps the phase the task reached');
    assert.ok(failed.length >= 2 && failed.length <= 4, `${failed.length} failed resyncs`);

    failing().failAction('DescribeTasks', false);
    const [run] = await h.driveUntil(['resync-1'], allStopped, { resync: false, each: async () => void (await resync(cluster, ctx)) });
    assert.equal(run.status.outcome, 'timed-out');
  });

  test("an EC2 network inference that keeps failing backs off per pool, shows in the runs' launch, and ends them by launchSeconds", async () => {
    failing().failAction('DescribeVpcs');
    const names = Array.from({ length: 5 }, (_, i) => `vpc-${i}`);
    for (const name of names) await h.submitRun(name, 'vpc');
    const runs = await h.driveUntil(names, allStopped);
    for (const run of runs) {
      assert.deepEqual([run.status.outcome, run.status.attempts[0]?.failureReason], ['crashed', 'LaunchTimeout']);
      assert.match(run.status.message ?? '', /last error: network inference: DescribeVpcs: InternalError/);
    }
    // Five runs looked at every 50 ms for about 4 s: one DescribeVpcs per pool backoff (1 s, 2 s …), not per run and try.
    const calls = failing().failedCalls().DescribeVpcs ?? 0;
    assert.ok(calls >= 1 && calls <= 6, `${calls} DescribeVpcs calls`);
    failing().failAction('DescribeVpcs', false);
  });
});
