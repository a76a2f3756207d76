/**
 * Every PromQL expression the chart ships (dashboard panels and variables, alert rules) may only use series
 * and labels the controller's own registry exports. The registry is read from controller/metrics.ts's
 * factory, never from a copied list, so renaming a metric there fails this test until the chart follows.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createMetrics } from '../../controller/metrics.js';
import { dashboardExpressions, findChartDir, parsePromql } from '../helpers/chart-promql.js';

/** Series Prometheus itself adds to every scrape target; the only names allowed outside the registry. */
const SCRAPE_SERIES = new Map([['up', new Map<string, Set<string>>()]]);
/** Labels Prometheus (and the Prometheus Operator) attach to every scraped series. */
const TARGET_LABELS = new Set(['job', 'instance', 'namespace', 'pod', 'service', 'container', 'endpoint']);

/** label name → values seen, per series name (histograms contribute _bucket with `le`, _sum and _count). */
type SeriesCatalogue = Map<string, Map<string, Set<string>>>;

async function registrySeries(): Promise<SeriesCatalogue> {
  // As a controller creates it: the installation and replica labels on every series, build info, a memory
  // limit, and a pool seen (the pool-labelled counters start then).
  const metrics = createMetrics({
    processMetrics: true, namespace: 'default', replica: 'replica-0', build: { version: '0.1.0', revision: 'unknown', node: process.version }, memoryLimitBytes: 512 * 2 ** 20,
  });
  metrics.poolLabel('jobs');
  const { registry } = metrics;
  const catalogue: SeriesCatalogue = new Map();
  const add = (series: string, labels: Partial<Record<string, string | number>>) => {
    const known = catalogue.get(series) ?? new Map<string, Set<string>>();
    for (const [label, value] of Object.entries(labels)) {
      const values = known.get(label) ?? new Set<string>();
      values.add(String(value));
      known.set(label, values);
    }
    catalogue.set(series, known);
  };
  // Declared label names come from the metric objects (prom-client keeps them as `labelNames`): a metric
  // whose label sets are not pre-initialised (e.g. rejected transitions by event) still declares them.
  const declared = new Map(registry.getMetricsAsArray().map((metric) => [metric.name, (metric as { labelNames?: string[] }).labelNames ?? []]));
  // Every series also carries the registry's default labels (installation and replica).
  const defaults = ['longshore_namespace', 'longshore_replica'];
  const addDeclared = (series: string, metricName: string) => {
    const known = catalogue.get(series) ?? new Map<string, Set<string>>();
    for (const label of [...(declared.get(metricName) ?? []), ...defaults]) if (!known.has(label)) known.set(label, new Set());
    catalogue.set(series, known);
  };
  for (const metric of await registry.getMetricsAsJSON()) {
    const seriesNames = String(metric.type) === 'histogram' ? ['_bucket', '_sum', '_count'].map((suffix) => metric.name + suffix) : [metric.name];
    for (const series of seriesNames) addDeclared(series, metric.name);
    for (const value of metric.values) {
      const series = 'metricName' in value && typeof value.metricName === 'string' ? value.metricName : metric.name;
      add(series, value.labels);
    }
  }
  return catalogue;
}

function problemsOf(expr: string, catalogue: SeriesCatalogue): string[] {
  const problems: string[] = [];
  const { selectors, groupingLabels } = parsePromql(expr);
  if (selectors.length === 0) problems.push(`no metric found in ${expr}`);
  const labelsInExpression = new Set<string>(['le', ...TARGET_LABELS]);
  for (const { metric, matchers } of selectors) {
    const labels = catalogue.get(metric) ?? SCRAPE_SERIES.get(metric);
    if (!labels) {
      problems.push(`${metric} is not exported by the controller (in ${expr})`);
      continue;
    }
    for (const label of labels.keys()) labelsInExpression.add(label);
    for (const { label, op, value } of matchers) {
      if (TARGET_LABELS.has(label)) continue;
      const values = labels.get(label);
      if (!values) {
        problems.push(`${metric} has no label ${label} (in ${expr})`);
        continue;
      }
      // Values are checked only where the controller pre-initialises the label sets.
      const literal = values.size > 0 && /^[\w-]+(\|[\w-]+)*$/.test(value);
      const wanted = !literal || op === '!~' ? [] : op === '=~' ? value.split('|') : [value];
      for (const item of wanted) if (!values.has(item)) problems.push(`${metric}{${label}} never has the value "${item}" (in ${expr})`);
    }
  }
  for (const label of groupingLabels) {
    if (!labelsInExpression.has(label)) problems.push(`grouping label ${label} belongs to no metric of ${expr}`);
  }
  if (/histogram_quantile/.test(expr) && !/by \([^)]*\ble\b/.test(expr)) problems.push(`histogram_quantile without "by (le…)" in ${expr}`);
  return problems;
}

const chartDir = findChartDir();
let catalogue: SeriesCatalogue;
before(async () => {
  catalogue = await registrySeries();
});

describe('parsePromql', () => {
  test('finds metrics, matchers and grouping labels and skips functions, strings and durations', () => {
    const parsed = parsePromql('histogram_quantile(0.95, sum by (le, reconciler) (rate(longshore_reconcile_duration_seconds_bucket{job=~"$job", reconciler="run"}[$__rate_interval]))) / on (job) group_left up');
    assert.deepEqual(parsed.selectors.map((s) => s.metric), ['longshore_reconcile_duration_seconds_bucket', 'up']);
    assert.deepEqual(parsed.selectors[0].matchers, [{ label: 'job', op: '=~', value: '$job' }, { label: 'reconciler', op: '=', value: 'run' }]);
    assert.deepEqual(parsed.groupingLabels, ['le', 'reconciler', 'job']);
  });

  test('reads label_values variables as a selector and a label', () => {
    const parsed = parsePromql('label_values(longshore_reconcile_total{job=~"$job", namespace=~"$namespace"}, longshore_namespace)');
    assert.deepEqual(parsed.selectors.map((s) => s.metric), ['longshore_reconcile_total']);
    assert.deepEqual(parsed.groupingLabels, ['longshore_namespace']);
  });

  test('reports unknown metrics, unknown labels and impossible label values', () => {
    assert.match(problemsOf('rate(longshore_runs_total[5m])', catalogue).join('\n'), /longshore_runs_total is not exported/);
    assert.match(problemsOf('longshore_runs{stage="running"}', catalogue).join('\n'), /has no label stage/);
    assert.match(problemsOf('longshore_runs{phase=~"running|taskdef_resolved"}', catalogue).join('\n'), /never has the value "taskdef_resolved"/);
    assert.match(problemsOf('sum by (reason) (longshore_runs)', catalogue).join('\n'), /grouping label reason/);
    assert.match(problemsOf('histogram_quantile(0.9, sum by (action) (rate(longshore_ecs_api_call_duration_seconds_bucket[5m])))', catalogue).join('\n'), /without "by \(le/);
    assert.deepEqual(problemsOf('max by (phase) (longshore_runs{phase="submitted", job="longshore"})', catalogue), []);
  });
});

describe('dashboard PromQL', () => {
  const dashboard: unknown = JSON.parse(readFileSync(join(chartDir, 'dashboards/longshore.json'), 'utf8'));
  const expressions = dashboardExpressions(dashboard);

  test('uses only series and labels the controller registry exports', () => {
    assert.ok(expressions.length >= 20, `expected the dashboard's queries, found ${expressions.length}`);
    assert.deepEqual(expressions.flatMap((expr) => problemsOf(expr, catalogue)), []);
  });

  test('charts every metric family the controller exports', () => {
    const used = new Set(expressions.flatMap((expr) => parsePromql(expr).selectors.map((s) => s.metric.replace(/_(bucket|sum|count)$/, ''))));
    const families = [...catalogue.keys()]
      .filter((name) => !/^longshore_(process|nodejs)_/.test(name) && !/_(bucket|sum|count)$/.test(name));
    assert.deepEqual(families.filter((name) => !used.has(name)), []);
  });
});

describe('pre-initialised counters', () => {
  /** Counters labelled by a cluster exist from the first time a replica works on that cluster (unknown before). */
  const PER_CLUSTER = new Set(['longshore_breaker_refused_total', 'longshore_resync_failures_total']);

  test('every counter the dashboard or an alert reads has series from the start (a pool seen)', async () => {
    const metrics = createMetrics({ processMetrics: true, namespace: 'default', replica: 'replica-0' });
    metrics.poolLabel('jobs');
    const exported = new Map((await metrics.registry.getMetricsAsJSON()).map((metric) => [metric.name, metric.values.length]));
    const dashboard: unknown = JSON.parse(readFileSync(join(chartDir, 'dashboards/longshore.json'), 'utf8'));
    const alerts = readdirSync(join(chartDir, 'alerts')).filter((file) => file.endsWith('.yaml'))
      .map((file) => (parse(readFileSync(join(chartDir, 'alerts', file), 'utf8')) as { expr: string }).expr);
    const counters = new Set([...dashboardExpressions(dashboard), ...alerts]
      .flatMap((expr) => parsePromql(expr).selectors.map((s) => s.metric))
      .filter((metric) => metric.endsWith('_total') && !PER_CLUSTER.has(metric)));
    assert.ok(counters.has('longshore_run_transitions_rejected_total') && counters.has('longshore_run_transitions_total'));
    assert.deepEqual([...counters].filter((metric) => !((exported.get(metric) ?? 0) > 0)), []);
  });
});

describe('alert PromQL', () => {
  const files = readdirSync(join(chartDir, 'alerts')).filter((file) => file.endsWith('.yaml'));

  test('every alert expression uses only series and labels the controller registry exports', () => {
    assert.ok(files.length > 0);
    const problems = files.flatMap((file) => {
      const rule = parse(readFileSync(join(chartDir, 'alerts', file), 'utf8')) as { expr: string };
      return problemsOf(rule.expr, catalogue).map((problem) => `${file}: ${problem}`);
    });
    assert.deepEqual(problems, []);
  });
});
