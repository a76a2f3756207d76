/**
 * The chart's PromQL against a real Prometheus (Debian's `prometheus`, scripts/ensure-prometheus.sh): it
 * scrapes two live controller replicas, working against the simulator, while runs flow, with the chart's
 * alert rules loaded. Then every dashboard expression (Grafana variables substituted) is evaluated through
 * the HTTP API and must return series without error, every alert rule evaluates healthy and every selector
 * in it finds series, the store gauges come from exactly one replica and add up, and `promtool check metrics` accepts
 * each replica's live /metrics.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../cmd/replicas.js';
import { Installation, chartExpressions, findChartDir, parsePromql } from '../helpers/chart-promql.js';
import { renderRulesFile } from '../helpers/alert-rules.js';
import { until } from '../helpers/until.js';
import { Harness, QUICK_PHASES, pool, run, startHarness, waitStopped } from './controller-harness.js';

interface QueryAnswer {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

interface RulesAnswer {
  data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
}

/** The release the rules are rendered for: the labels the Prometheus Operator would give its targets. */
const INSTALLATION: Installation = { namespace: 'e2e', service: 'longshore-metrics' };

/** Grafana's variables as a person looking at this installation would pick them. */
function substitute(expr: string, namespace: string): string {
  return expr
    .replace(/\$__rate_interval\b/g, '30s')
    .replace(/\$__interval\b/g, '15s')
    .replace(/\$__range\b/g, '5m')
    .replace(/\$job\b/g, 'longshore')
    .replace(/\$namespace\b/g, INSTALLATION.namespace)
    .replace(/\$longshore_namespace\b/g, namespace)
    .replace(/\$replica\b/g, '.*');
}

/** A Grafana `label_values(selector, label)` variable as the query Grafana sends: the label's values. */
function asQuery(expr: string): string {
  const variable = /^label_values\(\s*(.+)\s*,\s*([A-Za-z_]\w*)\s*\)$/.exec(expr.trim());
  return variable ? `group by (${variable[2]}) (${variable[1]})` : expr;
}

describe('the chart against a real Prometheus scraping live replicas', () => {
  let h: Harness;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let work: string;
  let base: string;

  const query = async (promql: string): Promise<QueryAnswer> => {
    const response = await fetch(`${base}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: promql }) });
    return (await response.json()) as QueryAnswer;
  };
  const series = async (promql: string) => {
    const answer = await query(promql);
    assert.equal(answer.status, 'success', `${promql}: ${answer.error}`);
    return answer.data?.result ?? [];
  };

  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
    const replicas = [await h.startReplica('replica-a'), await h.startReplica('replica-b')];
    work = mkdtempSync(join(tmpdir(), 'longshore-prometheus-'));
    writeFileSync(join(work, 'longshore-rules.yaml'), renderRulesFile(findChartDir(), INSTALLATION));
    // The labels the Prometheus Operator would give the targets: job from app.kubernetes.io/name, the
    // Kubernetes namespace and the Service.
    writeFileSync(join(work, 'prometheus.yml'), stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['longshore-rules.yaml'],
      scrape_configs: [{
        job_name: 'longshore',
        static_configs: [{ targets: replicas.map((r) => `127.0.0.1:${r.metricsPort}`), labels: { ...INSTALLATION } }],
      }],
    }));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const child = spawn('prometheus', [
      `--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus = child;
    child.stdout?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    child.on('error', (error) => (prometheusLog += `could not start prometheus (scripts/ensure-prometheus.sh installs it): ${error.message}`));
    await until(async () => {
      if (child.exitCode !== null || child.pid === undefined) throw new Error(`prometheus exited:\n${prometheusLog}`);
      return fetch(`${base}/-/ready`).then((r) => r.ok, () => false);
    }, { timeoutMs: 30_000, intervalMs: 200, what: () => `prometheus to be ready:\n${prometheusLog}` });

    await h.store.submit([
      pool('jobs'),
      pool('spot', { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }),
    ], { mode: 'apply' });
    const finishing = ['ok-1', 'ok-2', 'exit-three', 'pull-once', 'interrupted-once'];
    await h.store.submit([
      run('ok-1', { pool: 'jobs', env: { SIM_RUN_SECONDS: '20' } }),
      run('ok-2', { pool: 'jobs', env: { SIM_RUN_SECONDS: '20' } }),
      run('exit-three', { pool: 'jobs', env: { SIM_EXIT_CODE: '3', SIM_RUN_SECONDS: '5' } }),
      run('pull-once', { pool: 'jobs', env: { SIM_FAIL_START: 'CannotPullContainerError', SIM_FAIL_START_TIMES: '1', SIM_RUN_SECONDS: '5' } }),
      run('interrupted-once', { pool: 'spot', env: { SIM_RUN_SECONDS: '20', SIM_SPOT_INTERRUPT_AFTER_SECONDS: '5', SIM_SPOT_INTERRUPT_TIMES: '1' } }),
      // Still running while the expressions are evaluated (1 200 simulated seconds are a minute here).
      run('long', { pool: 'jobs', env: { SIM_RUN_SECONDS: '1200' } }),
    ], { mode: 'create' });
    await waitStopped(h.store, finishing, 90_000);
    // Prometheus has scraped both replicas after the runs, including the running one.
    await until(async () => {
      const running = await series(`max(longshore_runs{longshore_namespace="${h.namespace}", phase="running"})`);
      const completed = await series(`sum(longshore_runs_completed_total{longshore_namespace="${h.namespace}"})`);
      return Number(running[0]?.value[1]) >= 1 && Number(completed[0]?.value[1]) === finishing.length;
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'Prometheus to have scraped the finished runs and the running one' });
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      await once(prometheus, 'exit');
    }
    await h?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('every dashboard expression returns series without error', async () => {
    const live = (await (await fetch(`http://127.0.0.1:${h.replicas[0].metricsPort}/metrics`)).text());
    const exported = (metric: string) => metric === 'up' || new RegExp(`^${metric}[{ ]`, 'm').test(live);
    const problems: string[] = [];
    const expressions = chartExpressions().filter(({ source }) => source.startsWith('dashboards/'));
    assert.ok(expressions.length > 40, `the dashboard's queries (${expressions.length})`);
    let skipped = 0;
    for (const { expr } of expressions) {
      const promql = asQuery(substitute(expr, h.namespace));
      const answer = await query(promql);
      if (answer.status !== 'success') {
        problems.push(`${promql}: ${answer.error}`);
        continue;
      }
      // A metric this process does not export at all (the memory limit without a cgroup limit) may be empty.
      if (!parsePromql(expr).selectors.every(({ metric }) => exported(metric))) {
        skipped += 1;
        continue;
      }
      if ((answer.data?.result ?? []).length === 0) problems.push(`${promql}: no series`);
    }
    assert.deepEqual(problems, []);
    assert.ok(skipped <= 1, `only the memory limit may be missing (${skipped} skipped)`);
  });

  test('every alert rule is loaded and evaluates healthy, and every selector in it finds series', async () => {
    await until(async () => {
      const rules = ((await (await fetch(`${base}/api/v1/rules`)).json()) as RulesAnswer).data.groups.flatMap((g) => g.rules);
      return rules.length > 0 && rules.every((rule) => rule.health === 'ok');
    }, { timeoutMs: 15_000, intervalMs: 500, what: async () => `healthy rules: ${JSON.stringify(await (await fetch(`${base}/api/v1/rules`)).json())}` });
    const problems: string[] = [];
    const alerts = chartExpressions(findChartDir(), INSTALLATION).filter(({ source }) => source.startsWith('alerts/'));
    assert.ok(alerts.length >= 9);
    for (const { source, expr } of alerts) {
      const whole = await query(expr);
      if (whole.status !== 'success') problems.push(`${source}: ${whole.error}`);
      for (const { metric, matchers } of parsePromql(expr).selectors) {
        const selector = `${metric}{${matchers.map(({ label, op, value }) => `${label}${op}"${value}"`).join(', ')}}`;
        if ((await series(selector)).length === 0) problems.push(`${source}: ${selector} finds no series`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('the store gauges come from exactly one replica, and their phases add up to the runs that exist', async () => {
    const ns = `longshore_namespace="${h.namespace}"`;
    assert.deepEqual((await series(`sum(longshore_store_gauges_elected{${ns}})`)).map((s) => s.value[1]), ['1']);
    assert.deepEqual((await series(`count by (phase) (longshore_runs{${ns}})`)).map((s) => s.value[1]), ['1', '1', '1', '1', '1']);
    assert.deepEqual((await series(`count(count by (longshore_replica) (longshore_queue_jobs{${ns}}))`)).map((s) => s.value[1]), ['1']);
    const total = Number((await series(`sum(longshore_runs{${ns}})`))[0].value[1]);
    assert.ok(total >= 6, `runs counted: ${total}`);
    // Per pool only runs not yet stopped are counted: they add up to those phases' totals.
    // One query, so both sides come from the same scrape while runs keep moving.
    const difference = await series(`sum(longshore_pool_runs{${ns}}) - sum(longshore_runs{${ns}, phase!="stopped"})`);
    assert.deepEqual(difference.map((s) => s.value[1]), ['0']);
    assert.ok(Number((await series(`sum(longshore_pool_runs{${ns}, pool="jobs"})`))[0].value[1]) >= 1, 'the long run is counted in its pool');
  });

  test('promtool check metrics accepts every replica\'s live /metrics', async () => {
    for (const replica of h.replicas) {
      const text = await (await fetch(`http://127.0.0.1:${replica.metricsPort}/metrics`)).text();
      const checked = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(checked.error, undefined, 'promtool runs (scripts/ensure-prometheus.sh installs it)');
      assert.equal(`${checked.stdout}${checked.stderr}`, '', `${replica.name}: promtool check metrics`);
      assert.equal(checked.status, 0);
    }
  });
});
