/**
 * Issue 12 through a controller process, the simulator and the CLI binary: an EXTERNAL (ECS Anywhere) run
 * completes on the default cluster's external instances; a Fargate Spot run falls back to on-demand after an
 * interruption, and another at once when Fargate Spot has no capacity; a pool's runTaskRequest fields reach
 * the task (DescribeTasks through the real SDK); the runs finish with status.cost, the cost and fallback
 * counters move, and `run describe` / `pool describe` show the estimate.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeTasksCommand, ECSClient, type Task } from '@aws-sdk/client-ecs';
import type { RunRecord } from '../../controller/api/run.js';
import { until } from '../helpers/until.js';
import { Harness, QUICK_PHASES, allRuns, metricSum, pool, run, startHarness } from './controller-harness.js';
import { cli } from './cli-run.js';

/** DescribeTasks of one task, as any AWS client would ask the simulator. */
async function describeTask(h: Harness, taskArn: string | undefined): Promise<Task | undefined> {
  assert.ok(taskArn, 'the attempt has a task');
  const ecs = new ECSClient({ region: h.sim.region, endpoint: h.sim.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    const described = await ecs.send(new DescribeTasksCommand({ cluster: 'default', tasks: [taskArn] }));
    return described.tasks?.[0];
  } finally {
    ecs.destroy();
  }
}

/** Waits until every named run is stopped with a cost; returns them by name. */
async function waitCosted(h: Harness, names: string[]): Promise<Map<string, RunRecord>> {
  return until(async () => {
    const found = (await allRuns(h.store)).filter((r) => names.includes(r.metadata.name));
    const done = found.length === names.length && found.every((r) => r.status.phase === 'stopped' && r.status.cost !== undefined);
    return done && new Map(found.map((r) => [r.metadata.name, r]));
  }, { timeoutMs: 90_000, intervalMs: 250, what: () => 'runs to stop with a cost' });
}

describe('EXTERNAL, Spot fallback and cost through a controller process', () => {
  let h: Harness;
  let runs: Map<string, RunRecord>;

  before(async () => {
    h = await startHarness({ timeScale: 60, scenario: { phases: QUICK_PHASES } });
    await h.startReplica('replica-a');
    await h.store.submit([
      pool('edge', { launchType: 'EXTERNAL' }),
      pool('spot', { launchType: 'FARGATE_SPOT', spotFallback: { afterInterruptions: 1 } }),
      pool('tuned', {
        launchType: 'FARGATE',
        runTaskRequest: { platformVersion: '1.4.0', enableExecuteCommand: true, group: 'nightly', overrides: { ephemeralStorage: { sizeInGiB: 40 } } },
      }),
    ], { mode: 'apply' });
    await h.store.submit([
      run('edge-ok', { pool: 'edge', env: { SIM_RUN_SECONDS: '1' } }),
      run('spot-fb', { pool: 'spot', env: { SIM_RUN_SECONDS: '1', SIM_SPOT_INTERRUPT_AFTER_SECONDS: '0.5', SIM_SPOT_INTERRUPT_TIMES: '10' } }),
      // The run's own runTaskRequest field replaces the pool's.
      run('tuned-1', { pool: 'tuned', env: { SIM_RUN_SECONDS: '1' }, runTaskRequest: { group: 'adhoc' } }),
    ], { mode: 'create' });
    runs = await waitCosted(h, ['edge-ok', 'spot-fb', 'tuned-1']);
  });

  after(async () => {
    await h.close();
  });

  test('the EXTERNAL run completes on an external instance and is sized, not priced', () => {
    const r = runs.get('edge-ok')!;
    assert.equal(r.status.outcome, 'succeeded', r.status.message);
    assert.equal(r.status.attempts[0].launchType, 'EXTERNAL');
    assert.deepEqual(r.status.cost?.attempts.map((a) => a.capacity), ['external']);
    assert.ok((r.status.cost?.vcpuSeconds ?? 0) > 0);
    assert.equal(r.status.cost?.estimatedUsd, undefined);
  });

  test('the Spot run falls back to on-demand after one interruption and succeeds', () => {
    const r = runs.get('spot-fb')!;
    assert.equal(r.status.outcome, 'succeeded', r.status.message);
    assert.deepEqual(r.status.attempts.map((a) => a.capacityProvider ?? a.launchType), ['FARGATE_SPOT', 'FARGATE']);
    assert.deepEqual(r.status.spotFallback, { reason: 'interruptions', fromAttempt: 2 });
    assert.deepEqual(r.status.cost?.attempts.map((a) => a.capacity), ['spot', 'on-demand']);
    assert.ok((r.status.cost?.estimatedUsd ?? 0) < (r.status.cost?.onDemandUsd ?? 0));
  });

  test("the pool's and the run's runTaskRequest fields show in DescribeTasks", async () => {
    const r = runs.get('tuned-1')!;
    assert.equal(r.status.outcome, 'succeeded', r.status.message);
    const task = await describeTask(h, r.status.attempts[0].taskArn);
    assert.equal(task?.launchType, 'FARGATE');
    assert.equal(task?.platformVersion, '1.4.0');
    assert.equal(task?.enableExecuteCommand, true);
    assert.equal(task?.group, 'adhoc', "the run's group replaces the pool's");
    assert.deepEqual(task?.ephemeralStorage, { sizeInGiB: 40 });
  });

  test('cost and fallback counters move per pool and capacity', async () => {
    const replicas = h.replicas;
    assert.equal(await metricSum(replicas, 'longshore_spot_fallbacks_total', 'pool="spot",reason="interruptions"'), 1);
    assert.ok(await metricSum(replicas, 'longshore_cost_usd_total', 'pool="spot",capacity="spot"') > 0);
    assert.ok(await metricSum(replicas, 'longshore_cost_usd_total', 'pool="spot",capacity="on-demand"') > 0);
    assert.ok(await metricSum(replicas, 'longshore_cost_vcpu_seconds_total', 'pool="edge",capacity="external"') > 0);
    assert.ok(await metricSum(replicas, 'longshore_cost_memory_gigabyte_seconds_total', 'pool="edge",capacity="external"') > 0);
    assert.equal(await metricSum(replicas, 'longshore_cost_usd_total', 'pool="edge"'), 0);
    const spotUsd = await metricSum(replicas, 'longshore_cost_usd_total', 'pool="spot"');
    assert.ok(Math.abs(spotUsd - (runs.get('spot-fb')!.status.cost?.estimatedUsd ?? 0)) < 1e-6, 'the counter adds up the run\'s estimate');
  });

  test('run describe and pool describe show the estimate and where attempts ran', async () => {
    const described = await cli(h.namespace, ['run', 'describe', 'spot-fb']);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /Where attempts ran:\n {2}1: FARGATE_SPOT\n {2}2: FARGATE \(spot fallback\)/);
    assert.match(described.stdout, /Cost \(estimate\):/);
    assert.match(described.stdout, /Spot savings: \$0\.\d{6}/);
    const pooled = await cli(h.namespace, ['pool', 'describe', 'spot']);
    assert.equal(pooled.code, 0, pooled.stderr);
    assert.match(pooled.stdout, /Cost \(estimate, 1 finished run\(s\) still retained/);
    assert.match(pooled.stdout, /Runs that fell back from Spot to on-demand: 1/);
  });
});

describe('Spot fallback on Spot capacity failure through a controller process', () => {
  let h: Harness;
  let fellBack: RunRecord;
  let onSpot: RunRecord;

  before(async () => {
    // Fargate Spot never has capacity here (RunTask answers failures[].reason "Capacity is unavailable at
    // this time…"); on-demand Fargate is unaffected.
    h = await startHarness({ timeScale: 60, scenario: { phases: QUICK_PHASES, faults: { spotCapacityFailureRate: 1 } } });
    await h.startReplica('replica-a');
    const strategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
    await h.store.submit([
      pool('spot-capacity', { capacityProviderStrategy: strategy, spotFallback: { onCapacityUnavailable: true } }),
    ], { mode: 'apply' });
    await h.store.submit([run('capacity-fb', { pool: 'spot-capacity', env: { SIM_RUN_SECONDS: '1' } })], { mode: 'create' });
    fellBack = (await waitCosted(h, ['capacity-fb'])).get('capacity-fb')!;
    // The pool's next run asks for Spot again, fails the same way and falls back in its turn.
    await h.store.submit([run('capacity-fb-2', { pool: 'spot-capacity', env: { SIM_RUN_SECONDS: '1' } })], { mode: 'create' });
    onSpot = (await waitCosted(h, ['capacity-fb-2'])).get('capacity-fb-2')!;
  });

  after(async () => {
    await h.close();
  });

  test('the attempt after the capacity failure runs on Fargate on-demand and succeeds', async () => {
    assert.equal(fellBack.status.outcome, 'succeeded', fellBack.status.message);
    const [first, second] = fellBack.status.attempts;
    assert.equal(fellBack.status.attempts.length, 2);
    assert.deepEqual([first.failureReason, first.taskArn, first.requestedCapacity], ['CapacityUnavailable', undefined, undefined]);
    assert.deepEqual([second.launchType, second.capacityProvider, second.requestedCapacity], ['FARGATE', undefined, 'on-demand']);
    assert.deepEqual(fellBack.status.spotFallback, { reason: 'capacity', fromAttempt: 2 });
    assert.deepEqual(fellBack.status.cost?.attempts.map((a) => [a.number, a.capacity]), [[2, 'on-demand']]);
    assert.equal(fellBack.status.cost?.estimatedUsd, fellBack.status.cost?.onDemandUsd);
    const task = await describeTask(h, second.taskArn);
    assert.equal(task?.launchType, 'FARGATE');
    assert.equal(task?.capacityProviderName, undefined, 'launched with the FARGATE launch type, not a Spot strategy');
  });

  test("a new run of the pool starts on Spot again (a fallback is the run's, not the pool's)", () => {
    assert.equal(onSpot.status.outcome, 'succeeded', onSpot.status.message);
    assert.deepEqual(onSpot.status.attempts.map((a) => [a.number, a.failureReason, a.requestedCapacity]), [
      [1, 'CapacityUnavailable', undefined],
      [2, undefined, 'on-demand'],
    ]);
  });

  test('/metrics counts one capacity fallback per run', async () => {
    assert.equal(await metricSum(h.replicas, 'longshore_spot_fallbacks_total', 'pool="spot-capacity",reason="capacity"'), 2);
    assert.equal(await metricSum(h.replicas, 'longshore_spot_fallbacks_total', 'pool="spot-capacity",reason="interruptions"'), 0);
    assert.ok(await metricSum(h.replicas, 'longshore_cost_usd_total', 'pool="spot-capacity",capacity="on-demand"') > 0);
    assert.equal(await metricSum(h.replicas, 'longshore_cost_usd_total', 'pool="spot-capacity",capacity="spot"'), 0);
  });
});
