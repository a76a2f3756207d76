/**
 * Issue 12 end to end through the run reconciler, real Redis and the simulator via the real SDK: Spot →
 * on-demand fallback after N interruptions and on Spot capacity failure (counted as it happens; new runs
 * still start on Spot), EXTERNAL (ECS Anywhere) runs to completion on the default cluster's external
 * instances, runTaskRequest fields visible in DescribeTasks, and a finished run's cost present and
 * consistent with its attempts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeTasksCommand } from '@aws-sdk/client-ecs';
import type { RunRecord } from '../../controller/api/run.js';
import { createMetrics } from '../../controller/metrics.js';
import { FARGATE_MINIMUM_SECONDS } from '../../controller/pricing.js';
import { recordStatusWrite } from '../../controller/run-metrics.js';
import { allStopped, fargatePool, QUICK_SCENARIO, startRunHarness, V, type RunHarness } from './run-harness.js';

const fast = { infrastructureAttempts: 4, backoff: { initialSeconds: 0.05, maxSeconds: 0.1 } };
const spotStrategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];

/** status.cost agrees with the attempts it was computed from. */
function assertCostConsistent(run: RunRecord): void {
  const cost = run.status.cost;
  assert.ok(cost, `run ${run.metadata.name} has no cost`);
  assert.equal(cost.estimate, true);
  let vcpuSeconds = 0;
  for (const item of cost.attempts) {
    const attempt = run.status.attempts.find((a) => a.number === item.number);
    assert.ok(attempt?.pullStartedAt && attempt.stoppedAt, `attempt ${item.number} has pull start and stop times`);
    const seconds = Math.ceil((Date.parse(attempt.stoppedAt) - Date.parse(attempt.pullStartedAt)) / 1000);
    const fargate = item.capacity === 'spot' || item.capacity === 'on-demand';
    assert.equal(item.billedSeconds, fargate ? Math.max(FARGATE_MINIMUM_SECONDS, seconds) : seconds);
    assert.equal(item.vcpu, Number(attempt.cpu) / 1024);
    vcpuSeconds += item.vcpu * item.billedSeconds;
    if (fargate) assert.ok((item.estimatedUsd ?? -1) > 0 && (item.estimatedUsd ?? 0) <= (item.onDemandUsd ?? 0));
  }
  assert.equal(cost.vcpuSeconds, Math.round(vcpuSeconds * 1000) / 1000);
}

describe('Spot fallback, EXTERNAL, passthrough and cost', () => {
  let h: RunHarness;

  before(async () => {
    h = await startRunHarness({
      timeScale: 60,
      pools: [
        fargatePool('spot', { launchType: 'FARGATE_SPOT', retry: fast, spotFallback: { afterInterruptions: 2 } }),
        fargatePool('plain-spot', { launchType: 'FARGATE_SPOT', retry: { ...fast, infrastructureAttempts: 3 } }),
        fargatePool('tuned', {
          runTaskRequest: { platformVersion: '1.4.0', enableExecuteCommand: true, group: 'nightly', overrides: { ephemeralStorage: { sizeInGiB: 40 } } },
        }),
        { apiVersion: V, kind: 'Pool', metadata: { name: 'anywhere' }, spec: { taskDefinition: {}, image: 'busybox', cpu: 256, memory: 512, launchType: 'EXTERNAL' } },
      ],
    });
  });

  after(async () => {
    await h.close();
  });

  test('after 2 Spot interruptions the third attempt runs on-demand and succeeds; each attempt says where it ran', async () => {
    await h.submitRun('fallback-1', 'spot', {
      env: { SIM_SPOT_INTERRUPT_AFTER_SECONDS: '0.5', SIM_SPOT_INTERRUPT_TIMES: '10', SIM_RUN_SECONDS: '3', SIM_EXIT_CODE: '0' },
    });
    const [run] = await h.driveUntil(['fallback-1'], (runs) => allStopped(runs) && runs[0].status.cost !== undefined, { timeoutMs: 40_000 });
    assert.equal(run.status.outcome, 'succeeded', run.status.message);
    assert.deepEqual(run.status.attempts.map((a) => [a.number, a.capacityProvider, a.launchType, a.failureReason]), [
      [1, 'FARGATE_SPOT', 'FARGATE', 'SpotInterruption'],
      [2, 'FARGATE_SPOT', 'FARGATE', 'SpotInterruption'],
      [3, undefined, 'FARGATE', undefined],
    ]);
    assert.deepEqual(run.status.spotFallback, { reason: 'interruptions', fromAttempt: 3 });
    assert.equal(run.status.attempts[2].requestedCapacity, 'on-demand');
    assert.deepEqual(h.tasksOf('fallback-1').map((t) => t.stopCode), ['SpotInterruption', 'SpotInterruption', 'EssentialContainerExited']);
    assertCostConsistent(run);
    assert.deepEqual(run.status.cost?.attempts.map((a) => a.capacity), ['spot', 'spot', 'on-demand']);
    assert.ok((run.status.cost?.estimatedUsd ?? 0) < (run.status.cost?.onDemandUsd ?? 0), 'the Spot attempts cost less than on-demand would have');
  });

  test('after a run fell back, the next run of the same pool still starts on Spot', async () => {
    const earlier = await h.store.getRun('fallback-1');
    assert.deepEqual(earlier?.status.spotFallback, { reason: 'interruptions', fromAttempt: 3 }, 'fallback-1 fell back first');
    await h.submitRun('fallback-2', 'spot', { env: { SIM_RUN_SECONDS: '1', SIM_EXIT_CODE: '0' } });
    const [run] = await h.driveUntil(['fallback-2'], allStopped, { timeoutMs: 30_000 });
    assert.equal(run.status.outcome, 'succeeded', run.status.message);
    const [first] = run.status.attempts;
    assert.equal(first.number, 1);
    assert.equal(first.capacityProvider, 'FARGATE_SPOT');
    assert.equal(first.requestedCapacity, undefined, 'the first attempt did not ask for on-demand');
    assert.equal(run.status.spotFallback, undefined);
    const described = await h.clients.ecs.send(new DescribeTasksCommand({ tasks: [first.taskArn ?? ''] }));
    assert.equal(described.tasks?.[0]?.capacityProviderName, 'FARGATE_SPOT');
  });

  test('without spotFallback a run keeps launching on Spot until its budget is spent', async () => {
    await h.submitRun('no-fallback-1', 'plain-spot', { env: { SIM_SPOT_INTERRUPT_AFTER_SECONDS: '0.5', SIM_SPOT_INTERRUPT_TIMES: '10', SIM_RUN_SECONDS: '3' } });
    const [run] = await h.driveUntil(['no-fallback-1'], allStopped, { timeoutMs: 40_000 });
    assert.equal(run.status.outcome, 'crashed');
    assert.deepEqual(run.status.attempts.map((a) => a.capacityProvider), ['FARGATE_SPOT', 'FARGATE_SPOT', 'FARGATE_SPOT']);
    assert.equal(run.status.spotFallback, undefined);
  });

  test('EXTERNAL runs complete on the default cluster\'s external instances, sized but not priced', async () => {
    await h.submitRun('edge-1', 'anywhere', { env: { SIM_EXIT_CODE: '0' } });
    await h.submitRun('edge-2', 'anywhere', { env: { SIM_EXIT_CODE: '3' } });
    const runs = await h.driveUntil(['edge-1', 'edge-2'], (all) => allStopped(all) && all.every((r) => r.status.cost !== undefined), { timeoutMs: 30_000 });
    assert.deepEqual(runs.map((r) => r.status.outcome), ['succeeded', 'failed']);
    for (const run of runs) {
      assert.equal(run.status.attempts[0].launchType, 'EXTERNAL');
      assertCostConsistent(run);
      assert.deepEqual(run.status.cost?.attempts.map((a) => [a.capacity, a.estimatedUsd]), [['external', undefined]]);
      assert.equal(run.status.cost?.estimatedUsd, undefined);
    }
    const [task] = h.tasksOf('edge-1');
    const described = await h.clients.ecs.send(new DescribeTasksCommand({ tasks: [task.taskArn] }));
    assert.match(described.tasks?.[0]?.containerInstanceArn ?? '', /:container-instance\/default\//);
  });

  test('runTaskRequest fields reach RunTask and show in DescribeTasks', async () => {
    await h.submitRun('tuned-1', 'tuned', { runTaskRequest: { enableExecuteCommand: false } });
    const [run] = await h.driveUntil(['tuned-1'], allStopped, { timeoutMs: 30_000 });
    assert.equal(run.status.outcome, 'succeeded', run.status.message);
    const taskArn = run.status.attempts[0].taskArn ?? '';
    const described = await h.clients.ecs.send(new DescribeTasksCommand({ tasks: [taskArn] }));
    const task = described.tasks?.[0];
    assert.equal(task?.platformVersion, '1.4.0');
    assert.equal(task?.enableExecuteCommand, false, "the run's field replaces the pool's");
    assert.equal(task?.group, 'nightly');
    assert.deepEqual(task?.ephemeralStorage, { sizeInGiB: 40 });
  });
});

describe('Spot fallback on capacity failure', () => {
  let h: RunHarness;
  // The controller's wiring (controller/main.ts): the run metrics are recorded at each status write.
  const metrics = createMetrics();
  const fallbacks = async (pool: string, reason: string): Promise<number> => {
    const text = await metrics.registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`longshore_spot_fallbacks_total{pool="${pool}",reason="${reason}"}`));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };

  before(async () => {
    h = await startRunHarness({
      timeScale: 60,
      scenario: { ...QUICK_SCENARIO, faults: { spotCapacityFailureRate: 1 } },
      pools: [
        fargatePool('spot-capacity', { capacityProviderStrategy: spotStrategy, retry: fast, spotFallback: { onCapacityUnavailable: true } }),
        fargatePool('spot-stuck', { capacityProviderStrategy: spotStrategy, retry: { ...fast, infrastructureAttempts: 2 } }),
      ],
    });
    const written = (before: RunRecord, after: RunRecord) => recordStatusWrite(metrics, after.spec.pool, before.status, after.status);
    h.runDeps.observer = { written };
    h.resyncDeps.onWritten = written;
  });

  after(async () => {
    await h.close();
  });

  test('Fargate Spot without capacity sends the next attempt on-demand at once', async () => {
    await h.submitRun('capacity-1', 'spot-capacity', { env: { SIM_EXIT_CODE: '0' } });
    const [run] = await h.driveUntil(['capacity-1'], (runs) => allStopped(runs) && runs[0].status.cost !== undefined, { timeoutMs: 30_000 });
    assert.equal(run.status.outcome, 'succeeded', run.status.message);
    assert.deepEqual(run.status.attempts.map((a) => [a.number, a.failureReason, a.taskArn === undefined, a.launchType]), [
      [1, 'CapacityUnavailable', true, undefined],
      [2, undefined, false, 'FARGATE'],
    ]);
    assert.deepEqual(run.status.spotFallback, { reason: 'capacity', fromAttempt: 2 });
    assertCostConsistent(run);
    assert.deepEqual(run.status.cost?.attempts.map((a) => [a.number, a.capacity]), [[2, 'on-demand']]);
  });

  test('the fallback is counted once, when the on-demand attempt opens, not when the run ends', async () => {
    const counted = await fallbacks('spot-capacity', 'capacity');
    await h.submitRun('capacity-live', 'spot-capacity', { env: { SIM_RUN_SECONDS: '600' } });
    const [run] = await h.driveUntil(['capacity-live'], ([r]) => r.status.phase === 'running' && r.status.attempts.length === 2, { timeoutMs: 30_000 });
    assert.equal(run.status.outcome, undefined, 'the run is still running');
    assert.equal(run.status.attempts[0].requestedCapacity, undefined, 'a new run asks for Spot first');
    assert.equal(run.status.attempts[0].failureReason, 'CapacityUnavailable');
    assert.equal(run.status.attempts[1].requestedCapacity, 'on-demand');
    assert.equal(await fallbacks('spot-capacity', 'capacity'), counted + 1);
    // Reconciles and resyncs that change nothing about the fallback do not count it again.
    await h.driveUntil(['capacity-live'], () => true);
    await h.driveUntil(['capacity-live'], () => true);
    assert.equal(await fallbacks('spot-capacity', 'capacity'), counted + 1);
    assert.equal(await fallbacks('spot-capacity', 'interruptions'), 0);
  });

  test('without onCapacityUnavailable the run stays on Spot and crashes when its budget is spent', async () => {
    await h.submitRun('stuck-1', 'spot-stuck', { env: { SIM_EXIT_CODE: '0' } });
    const [run] = await h.driveUntil(['stuck-1'], allStopped, { timeoutMs: 30_000 });
    assert.equal(run.status.outcome, 'crashed');
    assert.deepEqual(run.status.attempts.map((a) => a.failureReason), ['CapacityUnavailable', 'CapacityUnavailable']);
  });
});
