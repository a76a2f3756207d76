/**
 * The run metrics' label values on a live controller process. Runs that succeed, fail, retry (a failed
 * start, a Spot interruption, a start timeout), time out and wait for a maxRunning slot go through it; its
 * /metrics then holds exactly the transition and retry label sets the registry pre-initialises (nothing a
 * run produced is missing from them; retries by pool, like transitions), and every value the chart's alerts and dashboard filter those two
 * metrics on is one the runs really produced.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../controller/metrics.js';
import { chartExpressions, parsePromql } from '../helpers/chart-promql.js';
import { Harness, QUICK_PHASES, pool, run, startHarness, waitStopped } from './controller-harness.js';

const RUN_METRICS = ['longshore_run_transitions_total', 'longshore_run_retries_total'] as const;

/** One series of an exposition: its metric, its labels as `k="v",…` in exposition order, and its value. */
interface Series {
  metric: string;
  labels: Record<string, string>;
  key: string;
  value: number;
}

function seriesOf(exposition: string, metric: string): Series[] {
  const found: Series[] = [];
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const body = line.slice(metric.length + 1, line.lastIndexOf('}'));
    const labels = Object.fromEntries([...body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]));
    found.push({ metric, labels, key: body, value: Number(line.slice(line.lastIndexOf(' ') + 1)) });
  }
  return found;
}

describe('run metric labels on a live controller', () => {
  let h: Harness;
  let live: string;
  let preinitialised: string;

  before(async () => {
    // At 60x every task spends 120 simulated seconds (2 s real) in PENDING, so a 1 s start timeout fires.
    h = await startHarness({ timeScale: 60, scenario: { phases: { ...QUICK_PHASES, pending: 120 } } });
    await h.startReplica('replica-a');
    await h.store.submit([
      pool('jobs'),
      pool('narrow', { limits: { maxRunning: 1 } }),
      pool('spot', { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }),
    ], { mode: 'apply' });
    const names = ['ok', 'exit-three', 'pull-once', 'slow-start', 'interrupted-once', 'narrow-1', 'narrow-2'];
    await h.store.submit([
      // Long enough (1.5 s real) for the resync to see it RUNNING.
      run('ok', { pool: 'jobs', env: { SIM_RUN_SECONDS: '90' } }),
      run('exit-three', { pool: 'jobs', env: { SIM_EXIT_CODE: '3', SIM_RUN_SECONDS: '1' } }),
      run('pull-once', { pool: 'jobs', env: { SIM_FAIL_START: 'CannotPullContainerError', SIM_FAIL_START_TIMES: '1', SIM_RUN_SECONDS: '1' } }),
      run('slow-start', { pool: 'jobs', timeouts: { startSeconds: 1 }, retry: { onStartTimeout: true, infrastructureAttempts: 2 } }),
      run('interrupted-once', { pool: 'spot', env: { SIM_RUN_SECONDS: '1', SIM_SPOT_INTERRUPT_AFTER_SECONDS: '0.5', SIM_SPOT_INTERRUPT_TIMES: '1' } }),
      // maxRunning 1: the second waits, launching, until the first ends — the backlog LongshoreRunsStuckPending watches.
      run('narrow-1', { pool: 'narrow', env: { SIM_RUN_SECONDS: '1' } }),
      run('narrow-2', { pool: 'narrow', env: { SIM_RUN_SECONDS: '1' } }),
    ], { mode: 'create' });
    const runs = await waitStopped(h.store, names, 90_000);
    assert.deepEqual(names.map((name) => `${name}=${runs.get(name)?.status.outcome}`), [
      'ok=succeeded', 'exit-three=failed', 'pull-once=succeeded', 'slow-start=timed-out', 'interrupted-once=succeeded',
      'narrow-1=succeeded', 'narrow-2=succeeded',
    ]);
    assert.deepEqual(runs.get('slow-start')?.status.attempts.map((a) => a.failureReason), ['StartTimeout', 'StartTimeout']);
    // Outcomes are counted when a run is finalized; wait for the last one's bookkeeping, not for a time.
    const deadline = Date.now() + 20_000;
    for (;;) {
      live = await fetch(`http://127.0.0.1:${h.replicas[0].metricsPort}/metrics`).then((res) => res.text());
      const completed = seriesOf(live, 'longshore_runs_completed_total').reduce((sum, s) => sum + s.value, 0);
      if (completed === names.length) break;
      assert.ok(Date.now() < deadline, `runs completed: ${completed} of ${names.length}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // As the replica pre-initialises them: its installation and replica labels, and the pools it has seen.
    const expected = createMetrics({ namespace: h.namespace, replica: 'replica-a' });
    for (const name of ['jobs', 'narrow', 'spot']) expected.poolLabel(name);
    preinitialised = await expected.registry.metrics();
  });

  after(async () => {
    await h.close();
  });

  for (const metric of RUN_METRICS) {
    test(`${metric}: the label sets on /metrics are exactly the pre-initialised ones`, () => {
      const seen = seriesOf(live, metric).map((s) => s.key).sort();
      const expected = seriesOf(preinitialised, metric).map((s) => s.key).sort();
      assert.ok(expected.length > 0);
      assert.deepEqual(seen.filter((key) => !expected.includes(key)), [], 'label sets no pre-initialisation announced');
      assert.deepEqual(seen, expected);
    });
  }

  test('the runs produced the phase changes and retry reasons they went through', () => {
    const counted = (metric: string, labels: string[]) =>
      [...new Set(seriesOf(live, metric).filter((s) => s.value > 0).map((s) => labels.map((label) => s.labels[label]).join('>')))];
    const transitions = counted('longshore_run_transitions_total', ['from', 'to']);
    for (const change of ['pending>taskdef-resolved', 'taskdef-resolved>submitted', 'submitted>running', 'running>stopped',
      'running>taskdef-resolved', 'submitted>taskdef-resolved', 'submitted>stopped']) {
      assert.ok(transitions.includes(change), `${change} in ${transitions.join(', ')}`);
    }
    assert.deepEqual(counted('longshore_run_retries_total', ['pool', 'reason']).sort(), ['jobs>StartTimeout', 'jobs>TaskFailedToStart', 'spot>SpotInterruption']);
  });

  test('the chart filters these metrics only on label values the runs produced', () => {
    const occurred = new Map<string, Set<string>>();
    for (const metric of RUN_METRICS) {
      for (const s of seriesOf(live, metric).filter((series) => series.value > 0)) {
        for (const [label, value] of Object.entries(s.labels)) occurred.set(`${metric} ${label}`, (occurred.get(`${metric} ${label}`) ?? new Set()).add(value));
      }
    }
    const filters: string[] = [];
    const problems: string[] = [];
    for (const { source, expr } of chartExpressions()) {
      for (const { metric, matchers } of parsePromql(expr).selectors) {
        if (!(RUN_METRICS as readonly string[]).includes(metric)) continue;
        for (const { label, op, value } of matchers) {
          const values = occurred.get(`${metric} ${label}`);
          if (!values) continue; // a target label such as job or namespace
          if (value.startsWith('$')) continue; // a dashboard variable (installation, replica)
          const wanted = op === '=~' ? value.split('|') : [value];
          for (const item of wanted) {
            filters.push(`${label}=${item}`);
            if (!values.has(item)) problems.push(`${source}: ${metric}{${label}${op}"${value}"}: "${item}" never occurred`);
          }
        }
      }
    }
    assert.ok(filters.length >= 3, `the stuck-run alerts filter transitions by from (${filters.join(', ')})`);
    assert.deepEqual(problems, []);
  });
});
