/**
 * The Grafana dashboard is a real, importable dashboard: a current schemaVersion, every query bound to the
 * datasource variable (so the sidecar-provisioned copy works with any Prometheus), unique panel ids and a grid
 * without overlaps. Its PromQL is checked against the controller registry in charts-promql.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findChartDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'charts/longshore/Chart.yaml'))) return join(dir, 'charts/longshore');
  }
  throw new Error('charts/longshore not found above the test file');
}

interface Target { refId: string; expr: string; datasource?: { uid?: string } }
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
}
interface Variable { name: string; type: string; query?: unknown; datasource?: { uid?: string } }
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(readFileSync(join(findChartDir(), 'dashboards/longshore.json'), 'utf8')) as Dashboard;
const DATASOURCE = '${datasource}';

describe('Grafana dashboard', () => {
  test('has a stable uid, a title and a current schema version', () => {
    assert.match(dashboard.uid, /^[a-z0-9-]{1,40}$/);
    assert.ok(dashboard.title.length > 0);
    assert.ok(dashboard.schemaVersion >= 36 && dashboard.schemaVersion <= 41, `schemaVersion ${dashboard.schemaVersion}`);
  });

  test('offers a Prometheus datasource variable that every panel, query and query variable uses', () => {
    const datasource = dashboard.templating.list.find((variable) => variable.type === 'datasource');
    assert.equal(datasource?.name, 'datasource');
    assert.equal(datasource?.query, 'prometheus');
    const unbound = [
      ...dashboard.panels.filter((panel) => panel.type !== 'row' && panel.datasource?.uid !== DATASOURCE).map((panel) => panel.title),
      ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).filter((target) => target.datasource?.uid !== DATASOURCE).map((target) => `${panel.title}/${target.refId}`)),
      ...dashboard.templating.list.filter((variable) => variable.type === 'query' && variable.datasource?.uid !== DATASOURCE).map((variable) => variable.name),
    ];
    assert.deepEqual(unbound, []);
  });

  test('every non-row panel has at least one query, each with a distinct refId', () => {
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      assert.ok(refIds.length > 0, `${panel.title} has queries`);
      assert.equal(new Set(refIds).size, refIds.length, `${panel.title} refIds are distinct`);
      for (const target of panel.targets ?? []) assert.ok(target.expr.trim().length > 0);
    }
  });

  test('offers installation and replica variables, and every query is scoped to the selected installations', () => {
    const names = dashboard.templating.list.map((variable) => variable.name);
    assert.ok(names.includes('longshore_namespace') && names.includes('replica'), names.join(', '));
    const unscoped = dashboard.panels.flatMap((panel) => (panel.targets ?? [])
      .filter((target) => !target.expr.includes('longshore_namespace=~"$longshore_namespace"'))
      .map((target) => `${panel.title}/${target.refId}`));
    assert.deepEqual(unscoped, []);
  });

  test('has process panels per replica: RSS against the memory limit, CPU, event-loop lag, heap', () => {
    const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    for (const metric of ['longshore_process_resident_memory_bytes', 'longshore_process_memory_limit_bytes', 'longshore_process_cpu_seconds_total',
      'longshore_nodejs_eventloop_lag_p99_seconds', 'longshore_nodejs_heap_size_used_bytes']) {
      const uses = exprs.filter((expr) => expr.includes(metric));
      assert.ok(uses.length > 0, `${metric} is charted`);
      assert.ok(uses.every((expr) => expr.includes('longshore_replica=~"$replica"')), `${metric} follows the replica variable`);
    }
  });

  test('panel ids are unique and panels fit the 24-column grid without overlapping', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length);
    const taken = new Map<string, string>();
    for (const { title, gridPos: { h, w, x, y } } of dashboard.panels) {
      assert.ok(x >= 0 && w > 0 && x + w <= 24 && h > 0 && y >= 0, `${title} fits the grid`);
      for (let row = y; row < y + h; row++) {
        for (let column = x; column < x + w; column++) {
          const cell = `${row}:${column}`;
          assert.equal(taken.get(cell), undefined, `${title} overlaps ${taken.get(cell)}`);
          taken.set(cell, title);
        }
      }
    }
  });
});
