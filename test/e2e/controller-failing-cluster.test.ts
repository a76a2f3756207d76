/**
 * A cluster whose RunTask answers 500 to every call (an HTTP 500 ServerException from a proxy in front of
 * the simulator), next to a healthy one, through two controller processes. Issue 7's target: 30 runs of
 * the broken pool make at most 100 RunTask calls in all before `launchSeconds: 20` ends them crashed with
 * reason LaunchTimeout and AWS's last error; meanwhile every run of the healthy pool succeeds; once the
 * cluster's breaker is open, at most one RunTask at a time reaches the cluster across both replicas.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../controller/api/run.js';
import { Harness, QUICK_PHASES, allRuns, metricSum, pool, run, startHarness, waitStopped } from './controller-harness.js';
import { startFailingProxy, type FailingProxy } from '../helpers/failing-proxy.js';
import { until } from '../helpers/until.js';
import { BREAKER_SETTINGS } from '../../reconcilers/launch/breaker-policy.js';

const BROKEN_RUNS = 30;
const HEALTHY_RUNS = 10;
/** Issue 7: "at most 100 RunTask calls in all". */
const RUN_TASK_CALL_LIMIT = 100;

describe('a cluster whose RunTask keeps failing', () => {
  let h: Harness;
  let proxy: FailingProxy;
  let broken: Map<string, RunRecord>;
  let healthy: Map<string, RunRecord>;
  let sawTroubleInStatus: RunRecord | undefined;
  let overlapAfterOpen = { calls: 0, maxInFlight: 0 };

  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
    proxy = await startFailingProxy({ target: h.sim.url, failRunTaskOn: ['broken'], failDelayMs: 200 });
    const viaProxy = { AWS_ENDPOINT_URL: proxy.url };
    await Promise.all([h.startReplica('replica-a', viaProxy), h.startReplica('replica-b', viaProxy)]);
    await h.store.submit([
      pool('broken', { cluster: 'broken', timeouts: { launchSeconds: 20 }, retry: { infrastructureAttempts: 1 } }),
      pool('healthy'),
    ], { mode: 'apply' });
    const brokenNames = Array.from({ length: BROKEN_RUNS }, (_, i) => `broken-${i}`);
    const healthyNames = Array.from({ length: HEALTHY_RUNS }, (_, i) => `healthy-${i}`);
    await h.store.submit([
      ...brokenNames.map((name) => run(name, { pool: 'broken' })),
      ...healthyNames.map((name) => run(name, { pool: 'healthy', env: { SIM_RUN_SECONDS: '2' } })),
    ], { mode: 'create' });

    // While the runs wait, their status says why, in AWS's words.
    sawTroubleInStatus = await until(async () => (await allRuns(h.store)).find((r) => {
      const submitted = r.status.conditions.find((c) => c.type === 'Submitted');
      return r.spec.pool === 'broken' && submitted?.status === 'False' && /ServerException/.test(submitted.message ?? '') && submitted;
    }), { timeoutMs: 30_000, intervalMs: 100, what: 'a broken run whose status shows the RunTask error' });

    // Once the breaker is open and the first burst has drained, count how many RunTasks overlap.
    await until(async () => (await metricSum(h.replicas, 'longshore_breaker_state', 'cluster="broken"')) >= 2 && proxy.stats().inFlight === 0, {
      timeoutMs: 20_000, intervalMs: 20, what: () => `the breaker to open and the first burst to drain (${JSON.stringify(proxy.stats())})`,
    });
    const atOpen = proxy.stats().failedRunTasks;
    proxy.resetOverlap();

    [broken, healthy] = await Promise.all([waitStopped(h.store, brokenNames, 90_000), waitStopped(h.store, healthyNames, 90_000)]);
    overlapAfterOpen = { calls: proxy.stats().failedRunTasks - atOpen, maxInFlight: proxy.stats().maxInFlight };
  });

  after(async () => {
    await h?.close();
    await proxy?.close();
  });

  test(`the ${BROKEN_RUNS} runs make at most ${RUN_TASK_CALL_LIMIT} RunTask calls in all`, () => {
    const calls = proxy.stats().failedRunTasks;
    console.log(`RunTask calls to the failing cluster for ${BROKEN_RUNS} runs: ${calls} (after the breaker opened: ${overlapAfterOpen.calls})`);
    // Runs that reached the cluster after the breaker opened never called it at all, so fewer than 30 is fine.
    assert.ok(calls >= BREAKER_SETTINGS.failureThreshold, 'the breaker opened on failures it saw');
    assert.ok(calls <= RUN_TASK_CALL_LIMIT, `${calls} RunTask calls`);
  });

  test('they end crashed by the launch deadline, with reason LaunchTimeout and the last error', () => {
    for (const r of broken.values()) {
      assert.equal(r.status.outcome, 'crashed', r.metadata.name);
      assert.equal(r.status.conditions.find((c) => c.type === 'Stopped')?.reason, 'LaunchTimeout');
      assert.match(r.status.message ?? '', /no task launched within 20s of the first RunTask try; last error: ServerException: Service Unavailable/);
      assert.deepEqual(r.status.attempts.map((a) => [a.failureReason, a.taskArn]), [['LaunchTimeout', undefined]]);
    }
  });

  test('while they waited, the status named the error and the log warned without repeating every try', () => {
    const submitted = sawTroubleInStatus?.status.conditions.find((c) => c.type === 'Submitted');
    assert.match(submitted?.reason ?? '', /^Launch(Failing|Held)$/);
    assert.match(sawTroubleInStatus?.status.message ?? '', /^attempt 1: RunTask (failing|held)/);
    const output = h.replicas.map((r) => r.output()).join('');
    const warnings = output.split('\n').filter((line) => line.includes('RunTask keeps failing')).length;
    assert.ok(warnings >= 1, 'the failures were logged at warn');
    assert.ok(warnings <= BROKEN_RUNS * 3, `${warnings} warnings: once per escalation, not per try`);
    assert.match(output, /RunTask breaker opened/);
  });

  test('after the breaker opened, at most one RunTask at a time reached the cluster across both replicas', async () => {
    assert.ok(overlapAfterOpen.calls >= 2, `the cluster was probed after it opened (${overlapAfterOpen.calls} probes)`);
    assert.equal(overlapAfterOpen.maxInFlight, 1);
    assert.ok(await metricSum(h.replicas, 'longshore_breaker_refused_total', 'cluster="broken"') > 0);
  });

  test('meanwhile every run of the healthy pool succeeded', () => {
    assert.deepEqual([...healthy.values()].filter((r) => r.status.outcome !== 'succeeded').map((r) => `${r.metadata.name}: ${r.status.message}`), []);
    assert.equal(proxy.stats().forwardedRunTasks >= HEALTHY_RUNS, true);
  });
});
