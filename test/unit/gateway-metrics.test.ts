import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_POOL_LABELS, OTHER_POOLS, createMetrics } from '../../controller/metrics.js';
import { scopedMetrics } from '../../controller/aws/routed-gateway.js';

describe('createMetrics', () => {
  test('every metric carries the longshore_ prefix and every known label set starts at 0', async () => {
    const { registry } = createMetrics();
    const metrics = await registry.getMetricsAsJSON();
    assert.ok(metrics.every((m) => m.name.startsWith('longshore_')));
    const text = await registry.metrics();
    for (const line of [
      'longshore_ecs_api_calls_total{action="RunTask",outcome="throttled",region="default",account="default"} 0',
      'longshore_ecs_api_throttles_total{action="RegisterTaskDefinition",region="default",account="default"} 0',
      'longshore_budget_rate_factor{category="fargateSpotLaunches",region="default",account="default"} 1',
      'longshore_run_transitions_rejected_total{event="TASK_OBSERVED"} 0',
      'longshore_redis_up 1',
      'longshore_store_gauges_elected 0',
      'longshore_queue_jobs{queue="reconcile-run",state="delayed"} 0',
      'longshore_reconcile_total{reconciler="run",result="requeue"} 0',
      'longshore_runs{phase="taskdef-resolved"} 0',
      'longshore_run_duration_seconds_count{outcome="timed-out"} 0',
      'longshore_reconcile_duration_seconds_count{reconciler="taskdef"} 0',
      'longshore_taskdef_cache_hits_total 0',
    ]) {
      assert.ok(text.includes(line), `missing: ${line}`);
    }
  });

  test('AWS call series carry their account-region; the account label can be turned off', async () => {
    const labelled = createMetrics({ region: 'eu-west-1' });
    const scoped = scopedMetrics(labelled, { account: '210987654321', region: 'us-west-2' });
    scoped.ecsApiCalls.inc({ action: 'RunTask', outcome: 'success' });
    scoped.budgetExhausted.inc({ category: 'fargateLaunches' });
    const text = await labelled.registry.metrics();
    assert.ok(text.includes('longshore_ecs_api_calls_total{action="RunTask",outcome="success",region="eu-west-1",account="default"} 0'));
    assert.ok(text.includes('longshore_ecs_api_calls_total{action="RunTask",outcome="success",region="us-west-2",account="210987654321"} 1'));
    assert.ok(text.includes('longshore_budget_exhausted_total{category="fargateLaunches",region="us-west-2",account="210987654321"} 1'));
    const unlabelled = createMetrics({ region: 'eu-west-1', accountLabel: false });
    scopedMetrics(unlabelled, { account: '210987654321', region: 'us-west-2' }).ecsApiThrottles.inc({ action: 'RunTask' });
    const plain = await unlabelled.registry.metrics();
    assert.ok(plain.includes('longshore_ecs_api_throttles_total{action="RunTask",region="us-west-2"} 1'));
    assert.ok(!plain.includes('account='));
  });

  test('every series carries the key namespace and the replica; build info is one series at 1', async () => {
    const { registry } = createMetrics({
      processMetrics: true, namespace: 'team-a', replica: 'ctrl-0', build: { version: '1.2.3', revision: 'abc123', node: 'v22.0.0' },
    });
    const samples = (await registry.metrics()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    assert.ok(samples.length > 100);
    assert.deepEqual(samples.filter((line) => !line.includes('longshore_namespace="team-a"') || !line.includes('longshore_replica="ctrl-0"')), []);
    assert.ok(samples.some((line) => /^longshore_build_info\{version="1.2.3",revision="abc123",node="v22.0.0",.*\} 1$/.test(line)));
  });

  test('no gauge is named like a counter (the default collectors\' *_total gauges are left out)', async () => {
    const metrics = await createMetrics({ processMetrics: true }).registry.getMetricsAsJSON();
    assert.deepEqual(metrics.filter((m) => m.name.endsWith('_total') && String(m.type) !== 'counter').map((m) => m.name), []);
    assert.ok(metrics.some((m) => m.name === 'longshore_nodejs_active_handles'), 'the per-type gauges stay');
  });

  test('budget levels are not pre-initialised at 0 (an unused bucket is full; the elected replica reads them)', async () => {
    const text = await createMetrics().registry.metrics();
    assert.doesNotMatch(text, /^longshore_budget_tokens\{/m);
  });

  test('a pool gets its label with its counters at 0; pools past the bound share one label', async () => {
    const m = createMetrics();
    assert.equal(m.poolLabel('jobs'), 'jobs');
    const text = await m.registry.metrics();
    assert.ok(text.includes('longshore_run_transitions_total{from="submitted",to="running",pool="jobs"} 0'));
    assert.ok(text.includes('longshore_runs_completed_total{outcome="failed",pool="jobs"} 0'));
    assert.ok(text.includes('longshore_run_retries_total{reason="SpotInterruption",pool="jobs"} 0'));
    for (let i = 1; i < MAX_POOL_LABELS; i++) assert.equal(m.poolLabel(`pool-${i}`), `pool-${i}`);
    assert.equal(m.poolLabel('one-too-many'), OTHER_POOLS);
    assert.equal(m.poolLabel('jobs'), 'jobs');
    for (const metric of ['longshore_runs_completed_total', 'longshore_run_retries_total']) {
      const pools = new Set((await m.registry.getSingleMetric(metric)?.get())?.values.map((v) => v.labels.pool));
      assert.equal(pools.size, MAX_POOL_LABELS + 1, metric);
    }
  });

  test('two registries are independent', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.taskdefRegistrations.inc();
    assert.ok((await a.registry.metrics()).includes('longshore_taskdef_registrations_total 1'));
    assert.ok((await b.registry.metrics()).includes('longshore_taskdef_registrations_total 0'));
  });
});
