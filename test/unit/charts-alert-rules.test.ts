/**
 * The alerts proven with Prometheus' own rule engine: `promtool check rules` accepts the rules file the chart
 * assembles, and `promtool test rules` runs charts/longshore/alerts/tests/<Alert>.yaml for every alert —
 * each fires when it should (with the right labels, value and text), and stays silent when it should not.
 * promtool comes from Debian's prometheus package (scripts/ensure-prometheus.sh).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { findChartDir } from '../helpers/chart-promql.js';
import { chartAlertRules, renderRulesFile } from '../helpers/alert-rules.js';

const chartDir = findChartDir();
const testsDir = join(chartDir, 'alerts', 'tests');
const RULES_FILE = 'longshore-rules.yaml';

interface RuleTestFile {
  rule_files: string[];
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`promtool could not run (install it with scripts/ensure-prometheus.sh): ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('alert rules under promtool', () => {
  let work: string;
  const alerts = chartAlertRules(chartDir).map((rule) => rule.alert);

  before(() => {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    work = mkdtempSync(join(tmpdir(), 'longshore-rules-'));
    writeFileSync(join(work, RULES_FILE), renderRulesFile(chartDir));
    for (const file of readdirSync(testsDir)) copyFileSync(join(testsDir, file), join(work, file));
  });

  after(() => {
    rmSync(work, { recursive: true, force: true });
  });

  test('promtool check rules accepts the assembled rules file, runbook URLs absolute', () => {
    const { status, output } = promtool(['check', 'rules', RULES_FILE], work);
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${alerts.length} rules found`));
    for (const rule of chartAlertRules(chartDir)) assert.match(rule.annotations.runbook_url, /^https:\/\/\S+\/runbooks\/Longshore\w+\.md$/);
  });

  test('every alert has a test file that checks it firing and staying silent', () => {
    const files = readdirSync(testsDir).filter((file) => file.endsWith('.yaml'));
    assert.deepEqual(files.map((file) => file.replace(/\.yaml$/, '')).sort(), [...alerts].sort());
    for (const file of files) {
      const spec = parse(readFileSync(join(testsDir, file), 'utf8')) as RuleTestFile;
      assert.deepEqual(spec.rule_files, [RULES_FILE], file);
      const cases = spec.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => `${c.alertname}.yaml` === file);
      assert.ok(cases.some((c) => (c.exp_alerts ?? []).length > 0), `${file} expects the alert to fire`);
      assert.ok(cases.some((c) => (c.exp_alerts ?? []).length === 0), `${file} expects the alert to stay silent`);
    }
  });

  for (const alert of alerts) {
    test(`promtool test rules: ${alert}`, () => {
      const { status, output } = promtool(['test', 'rules', `${alert}.yaml`], work);
      assert.equal(status, 0, output);
      assert.match(output, /SUCCESS/);
    });
  }
});
