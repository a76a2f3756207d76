/**
 * The alert rules under charts/longshore/alerts/ (one Prometheus alerting rule per file, assembled by the
 * PrometheusRule template) and their runbooks: each alert is named after its file, carries a severity, a
 * summary, a description and a runbook_url whose runbook exists and says what it means, how to check and how
 * to fix. The PromQL inside is checked against the controller's registry in charts-promql.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

function findRepoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'charts/longshore/Chart.yaml'))) return dir;
  }
  throw new Error('charts/longshore not found above the test file');
}

const root = findRepoRoot();
const chartDir = join(root, 'charts/longshore');
const RULE_KEYS = new Set(['alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
const SEVERITIES = new Set(['critical', 'warning', 'info']);
/** Labels every scraped series carries, so annotations may use them whatever the expression keeps. */
const TARGET_LABELS = new Set(['job', 'instance', 'namespace']);

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

// alerts/tests/ holds their promtool unit tests (charts-alert-rules.test.ts); the rules are the files.
const alertFiles = readdirSync(join(chartDir, 'alerts'), { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
const rules = alertFiles.map((file) => ({ file, rule: parse(readFileSync(join(chartDir, 'alerts', file), 'utf8')) as AlertRule }));

describe('alert rules', () => {
  test('there is one .yaml file per alert (the template globs alerts/*.yaml) covering the expected conditions', () => {
    assert.deepEqual(alertFiles.filter((file) => !file.endsWith('.yaml')), []);
    const names = rules.map(({ rule }) => rule.alert);
    assert.equal(new Set(names).size, names.length, 'alert names are unique');
    for (const expected of ['ControllerDown', 'RedisNotReady', 'EcsThrottlingSustained', 'RunsStuckPending', 'RunsStuckSubmitted',
      'TaskDefinitionRegistrationConflicts', 'ReconcileErrors', 'QueueBacklogGrowing']) {
      assert.ok(names.includes(`Longshore${expected}`), `Longshore${expected} exists`);
    }
  });

  for (const { file, rule } of rules) {
    test(`${file} is a single alerting rule named after its file, with severity, summary and description`, () => {
      assert.equal(typeof rule, 'object');
      assert.deepEqual(Object.keys(rule).filter((key) => !RULE_KEYS.has(key)), []);
      assert.equal(`${rule.alert}.yaml`, file);
      assert.match(rule.alert, /^Longshore[A-Z][A-Za-z]+$/);
      assert.equal(typeof rule.expr, 'string');
      assert.ok(rule.expr.trim().length > 0);
      if (rule.for !== undefined) assert.match(rule.for, /^\d+(s|m|h)$/);
      assert.ok(SEVERITIES.has(rule.labels?.severity ?? ''), `severity of ${rule.alert}`);
      assert.ok((rule.annotations?.summary ?? '').length > 10);
      assert.ok((rule.annotations?.description ?? '').length > 30);
    });

    test(`${file} annotations use only labels its expression keeps`, () => {
      // An aggregation keeps only its by/on labels; a plain selector keeps the target's labels too.
      const grouped = [...rule.expr.matchAll(/\b(?:by|on)\s*\(([^)]*)\)/g)].flatMap(([, labels]) => labels.split(',').map((label) => label.trim()));
      const aggregated = /\b(sum|max|min|avg|count|absent)\b/.test(rule.expr);
      const kept = new Set(aggregated ? grouped : [...TARGET_LABELS, ...grouped]);
      for (const text of Object.values(rule.annotations ?? {})) {
        for (const [, label] of text.matchAll(/\$labels\.(\w+)/g)) {
          assert.ok(kept.has(label), `${rule.alert} annotation uses $labels.${label}, which its expression drops`);
        }
      }
    });

    test(`${file} links a runbook that exists and explains it`, () => {
      const url = rule.annotations?.runbook_url ?? '';
      assert.equal(url, `charts/longshore/runbooks/${rule.alert}.md`);
      const runbook = join(root, url);
      assert.ok(existsSync(runbook), `${url} exists`);
      const text = readFileSync(runbook, 'utf8');
      assert.match(text, new RegExp(`^# ${rule.alert}\\n`));
      for (const section of ['## What it means', '## How to check', '## How to fix']) assert.ok(text.includes(section), `${url} has "${section}"`);
    });
  }

  test('runbook commands work as written: kubectl logs with a selector reads whole logs', () => {
    // With -l, kubectl logs prints only the last 10 lines of each pod unless --tail says otherwise.
    const problems = readdirSync(join(chartDir, 'runbooks')).flatMap((file) => {
      const text = readFileSync(join(chartDir, 'runbooks', file), 'utf8');
      return [...text.matchAll(/`(kubectl [^`]*\blogs\b[^`]*)`/g)]
        .map(([, command]) => command)
        .filter((command) => /\s(-l|--selector)[\s=]/.test(command) && !/--tail[ =]-1\b/.test(command))
        .map((command) => `${file}: ${command}`);
    });
    assert.deepEqual(problems, []);
  });

  test('every runbook belongs to an alert', () => {
    const alerts = new Set(rules.map(({ rule }) => rule.alert));
    const orphans = readdirSync(join(chartDir, 'runbooks')).filter((file) => !alerts.has(file.replace(/\.md$/, '')));
    assert.deepEqual(orphans, []);
  });
});
