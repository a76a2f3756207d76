/**
 * The chart's PromQL, read without a full parser: every expression the dashboard and the alert rules
 * evaluate, and the selectors (metric and label matchers) inside each. Shared by the chart tests that check
 * it against the controller's registry and against what a live controller exports.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export function findChartDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'charts/longshore/Chart.yaml'))) return join(dir, 'charts/longshore');
  }
  throw new Error('charts/longshore not found above the test file');
}

/** The Helm release an alert rule watches: the `namespace` and `service` labels of its metrics targets. */
export interface Installation {
  namespace: string;
  service: string;
}

/** The installation the promtool tests (alerts/tests/*.yaml) render the rules for. */
export const RULE_TEST_INSTALLATION: Installation = { namespace: 'team', service: 'a-longshore-metrics' };

/** An alert expression as templates/prometheusrule.yaml renders it for one release (its placeholders filled). */
export function forInstallation(expr: string, installation: Installation): string {
  return expr.replaceAll('__RELEASE_NAMESPACE__', installation.namespace).replaceAll('__METRICS_SERVICE__', installation.service);
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

export interface Selector {
  metric: string;
  matchers: { label: string; op: string; value: string }[];
}

export interface ParsedExpression {
  selectors: Selector[];
  /** Label names in by/without/on/ignoring/group_* clauses. */
  groupingLabels: string[];
}

/**
 * Reads the selectors out of a PromQL expression without a full parser: Grafana's interval variables become
 * a duration, `label_values(sel, label)` becomes `sel` (its label is returned as a grouping label), strings,
 * ranges and grouping clauses are removed, and what remains that is not a function call, keyword or number is
 * a metric name.
 */
export function parsePromql(source: string): ParsedExpression {
  let expr = source.replace(/\$__(rate_interval|interval|range)\b/g, '5m');
  const groupingLabels: string[] = [];
  // The label is after the last comma: the selector may hold commas of its own.
  expr = expr.replace(/\blabel_values\(\s*(.+)\s*,\s*([A-Za-z_]\w*)\s*\)/g, (_all, selector: string, label: string) => {
    groupingLabels.push(label);
    return selector;
  });
  expr = expr.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_all, _keyword: string, labels: string) => {
    groupingLabels.push(...labels.split(',').map((label) => label.trim()).filter(Boolean));
    return ' ';
  });
  const selectors: Selector[] = [];
  const bracesRemoved = expr.replace(/([A-Za-z_:][\w:]*)?\s*\{([^}]*)\}/g, (_all, metric: string | undefined, body: string) => {
    const matchers = [...body.matchAll(/([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map(([, label, op, value]) => ({ label, op, value }));
    if (metric && !KEYWORDS.has(metric)) selectors.push({ metric, matchers });
    return ' ';
  });
  const bare = bracesRemoved
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b\d[\w.]*/g, ' ');
  for (const match of bare.matchAll(/([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (!call && !KEYWORDS.has(name.toLowerCase())) selectors.push({ metric: name, matchers: [] });
  }
  return { selectors, groupingLabels };
}

/** Each expression the dashboard evaluates: panel targets and query variables. */
export function dashboardExpressions(dashboard: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown, key: string) => {
    if (typeof node === 'string') {
      if (key === 'expr' || key === 'definition') found.push(node);
      return;
    }
    if (Array.isArray(node)) node.forEach((item) => walk(item, key));
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  walk(dashboard, '');
  return found;
}

/** Every expression the chart ships: dashboard panels and variables, then one per alert rule file (rendered for `installation`). */
export function chartExpressions(chartDir = findChartDir(), installation = RULE_TEST_INSTALLATION): { source: string; expr: string }[] {
  const dashboard: unknown = JSON.parse(readFileSync(join(chartDir, 'dashboards/longshore.json'), 'utf8'));
  const alerts = readdirSync(join(chartDir, 'alerts')).filter((file) => file.endsWith('.yaml')).sort();
  return [
    ...dashboardExpressions(dashboard).map((expr) => ({ source: 'dashboards/longshore.json', expr })),
    ...alerts.map((file) => ({ source: `alerts/${file}`, expr: forInstallation((parse(readFileSync(join(chartDir, 'alerts', file), 'utf8')) as { expr: string }).expr, installation) })),
  ];
}
