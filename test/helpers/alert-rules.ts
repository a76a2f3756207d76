/**
 * The chart's alerts as a plain Prometheus rules file: what templates/prometheusrule.yaml assembles for one
 * release (one group `longshore`, one rule per alerts/*.yaml, the release's namespace and metrics Service in
 * place of the placeholders, runbook_url made absolute with values.yaml's prometheusRule.runbookBaseUrl),
 * rendered without helm so promtool can load it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Installation, RULE_TEST_INSTALLATION, findChartDir, forInstallation } from './chart-promql.js';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations: Record<string, string>;
}

export function chartAlertRules(chartDir = findChartDir(), installation: Installation = RULE_TEST_INSTALLATION): AlertRule[] {
  const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { prometheusRule: { runbookBaseUrl: string } };
  const base = values.prometheusRule.runbookBaseUrl.replace(/\/$/, '');
  return readdirSync(join(chartDir, 'alerts')).filter((file) => file.endsWith('.yaml')).sort().map((file) => {
    const rule = parse(readFileSync(join(chartDir, 'alerts', file), 'utf8')) as AlertRule;
    const runbook = rule.annotations.runbook_url.split('/').pop() ?? '';
    return { ...rule, expr: forInstallation(rule.expr, installation), annotations: { ...rule.annotations, runbook_url: `${base}/${runbook}` } };
  });
}

export function renderRulesFile(chartDir = findChartDir(), installation: Installation = RULE_TEST_INSTALLATION): string {
  return stringify({ groups: [{ name: 'longshore', rules: chartAlertRules(chartDir, installation) }] }, { lineWidth: 0 });
}
