import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../controller/metrics.js';

describe('createMetrics', () => {
  test('every metric carries the longshore_ prefix and every known label set starts at 0', async () => {
    const { registry } = createMetrics();
    const metrics = await registry.getMetricsAsJSON();
    assert.ok(metrics.every((m) => m.name.startsWith('longshore_')));
    const text = await registry.metrics();
    for (const line of [
      'longshore_ecs_api_calls_total{action="RunTask",outcome="throttled"} 0',
      'longshore_ecs_api_throttles_total{action="RegisterTaskDefinition"} 0',
      'longshore_budget_tokens{category="fargateSpotLaunches"} 0',
      'longshore_queue_jobs{queue="reconcile-run",state="delayed"} 0',
      'longshore_reconcile_total{reconciler="run",result="requeue"} 0',
      'longshore_runs{phase="taskdef-resolved"} 0',
      'longshore_runs_completed_total{outcome="timed-out"} 0',
      'longshore_run_transitions_total{from="submitted",to="running"} 0',
      'longshore_run_retries_total{reason="SpotInterruption"} 0',
      'longshore_reconcile_duration_seconds_count{reconciler="taskdef"} 0',
      'longshore_taskdef_cache_hits_total 0',
    ]) {
      assert.ok(text.includes(line), `missing: ${line}`);
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
