/**
 * Issue 12 through a controller process, the simulator and the CLI binary: an EXTERNAL (ECS Anywhere) run
 * completes on the default cluster's external instances; a Fargate Spot run falls back to on-demand after an
 * interruption; both finish with status.cost, the cost and fallback counters move, and `run describe` /
 * `pool describe` show the estimate.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../controller/api/run.js';
import { until } from '../helpers/until.js';
import { Harness, QUICK_PHASES, allRuns, metricSum, pool, run, startHarness } from './controller-harness.js';
import { cli } from './cli-run.js';

describe('EXTERNAL, Spot fallback and cost through a controller process', () => {
  let h: Harness;
  let runs: Map<string, RunRecord>;

  before(async () => {
    h = await startHarness({ timeScale: 60, scenario: { phases: QUICK_PHASES } });
    await h.startReplica('replica-a');
    await h.store.submit([
      pool('edge', { launchType: 'EXTERNAL' }),
      pool('spot', { launchType: 'FARGATE_SPOT', spotFallback: { afterInterruptions: 1 } }),
    ], { mode: 'apply' });
    await h.store.submit([
      run('edge-ok', { pool: 'edge', env: { SIM_RUN_SECONDS: '1' } }),
      run('spot-fb', { pool: 'spot', env: { SIM_RUN_SECONDS: '1', SIM_SPOT_INTERRUPT_AFTER_SECONDS: '0.5', SIM_SPOT_INTERRUPT_TIMES: '10' } }),
    ], { mode: 'create' });
    const names = ['edge-ok', 'spot-fb'];
    runs = await until(async () => {
      const found = (await allRuns(h.store)).filter((r) => names.includes(r.metadata.name));
      const done = found.length === names.length && found.every((r) => r.status.phase === 'stopped' && r.status.cost !== undefined);
      return done && new Map(found.map((r) => [r.metadata.name, r]));
    }, { timeoutMs: 90_000, intervalMs: 250, what: () => 'runs to stop with a cost' });
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
