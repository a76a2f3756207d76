/**
 * The chart's alerts as a plain Prometheus rules file: what templates/prometheusrule.yaml assembles (one
 * group `longshore`, one rule per alerts/*.yaml, runbook_url made absolute with values.yaml's
 * prometheusRule.runbookBaseUrl), rendered without helm so promtool can load it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { findChartDir } from './chart-promql.js';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations: Record<string, string>;
}

export function chartAlertRules(chartDir = findChartDir()): AlertRule[] {
  const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { prometheusRule: { runbookBaseUrl: string } };
  const base = values.prometheusRule.runbookBaseUrl.replace(/\/$/, '');
  return readdirSync(join(chartDir, 'alerts')).filter((file) => file.endsWith('.yaml')).sort().map((file) => {
    const rule = parse(readFileSync(join(chartDir, 'alerts', file), 'utf8')) as AlertRule;
    const runbook = rule.annotations.runbook_url.split('/').pop() ?? '';
    return { ...rule, annotations: { ...rule.annotations, runbook_url: `${base}/${runbook}` } };
  });
}

export function renderRulesFile(chartDir = findChartDir()): string {
  return stringify({ groups: [{ name: 'longshore', rules: chartAlertRules(chartDir) }] }, { lineWidth: 0 });
}
