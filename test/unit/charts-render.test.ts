/**
 * charts/longshore rendered by a real helm (test/helpers/helm.ts): `helm lint --strict` and `helm template`
 * with the defaults, with monitoring on against a cluster serving the Prometheus Operator API, and with the
 * value sets operators use (spread, extra env and volumes, overrides, older Kubernetes). Assertions read the
 * parsed objects. charts-values.test.ts checks the values, schema and template text without helm.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../controller/config.js';
import { K8sObject, NAMESPACE, RELEASE, chartDir, findObject, renderChart, runHelm, templateChart } from '../helpers/helm.js';
import { Installation, forInstallation } from '../helpers/chart-promql.js';

const MONITORING_APIS = ['monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PrometheusRule'];
const FULL_NAME = `${RELEASE}-longshore`;

interface Container {
  name: string;
  env: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  envFrom?: unknown[];
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  [key: string]: unknown;
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  serviceAccountName: string;
  containers: Container[];
  volumes: Array<{ name: string; [key: string]: unknown }>;
  topologySpreadConstraints?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}
interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const podSpec = (objects: K8sObject[]) => (findObject(objects, 'Deployment').spec as { template: { spec: PodSpec } }).template.spec;
const controller = (objects: K8sObject[]) => podSpec(objects).containers[0];
const alertRules = (objects: K8sObject[]) =>
  (findObject(objects, 'PrometheusRule').spec as { groups: Array<{ rules: AlertRule[] }> }).groups.flatMap((group) => group.rules);
// Only the rule files: alerts/tests/ holds their promtool tests.
const alertFiles = () => readdirSync(join(chartDir, 'alerts')).filter((file) => file.endsWith('.yaml'))
  .map((file) => parse(readFileSync(join(chartDir, 'alerts', file), 'utf8')) as AlertRule);
// The installation this release's rules watch: its namespace and metrics Service (placeholders in alerts/).
const THIS_RELEASE: Installation = { namespace: NAMESPACE, service: `${FULL_NAME}-metrics` };
const renderedFile = (file: AlertRule) => ({ ...file, expr: forInstallation(file.expr, THIS_RELEASE) });
const failure = (result: { status: number | null; stderr: string }) => {
  assert.notEqual(result.status, 0, 'helm refused');
  return result.stderr;
};

describe('helm lint --strict', () => {
  for (const [name, values] of [
    ['the defaults', undefined],
    ['monitoring on (forced, as lint has no cluster)', { serviceMonitor: { enabled: true, skipCrdCheck: true }, prometheusRule: { enabled: true, skipCrdCheck: true } }],
    ['one replica, no ServiceAccount of its own', { replicaCount: 1, serviceAccount: { create: false, name: 'existing' } }],
  ] as const) {
    test(`passes with ${name}`, () => {
      const result = runHelm(['lint', '--strict', chartDir], values);
      assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
      assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });
  }
});

describe('helm template with the defaults', () => {
  const objects = renderChart();

  test('renders the controller objects and no Prometheus Operator object', () => {
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
      `ConfigMap/${FULL_NAME}-dashboard`, `Deployment/${FULL_NAME}`, `PodDisruptionBudget/${FULL_NAME}`,
      `Service/${FULL_NAME}-metrics`, `ServiceAccount/${FULL_NAME}`,
    ]);
    assert.ok(objects.every((o) => o.metadata.namespace === NAMESPACE));
  });

  test('the pod mounts no Kubernetes API token, keeps 10 old ReplicaSets and runs as non-root', () => {
    const deployment = findObject(objects, 'Deployment');
    assert.equal((deployment.spec as { revisionHistoryLimit: number }).revisionHistoryLimit, 10);
    const pod = podSpec(objects);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(findObject(objects, 'ServiceAccount').automountServiceAccountToken, false);
    assert.equal(pod.serviceAccountName, FULL_NAME);
    assert.equal((pod.securityContext as { runAsNonRoot: boolean }).runAsNonRoot, true);
    assert.equal(pod.topologySpreadConstraints, undefined);
    assert.equal(controller(objects).envFrom, undefined);
    assert.deepEqual(pod.volumes.map((v) => v.name), ['tmp']);
  });

  test('the container sets only variables the controller reads, REDIS_URL from the Secret', () => {
    const known = new Set(CONFIG_VARIABLES.map((variable) => variable.name));
    const env = controller(objects).env;
    assert.deepEqual(env.map((e) => e.name).filter((name) => !known.has(name)), []);
    assert.deepEqual(env.find((e) => e.name === 'REDIS_URL')?.valueFrom, { secretKeyRef: { name: 'longshore-redis', key: 'url' } });
  });

  test('the PodDisruptionBudget lets a drain evict replicas that are not ready (Redis down)', () => {
    const spec = findObject(objects, 'PodDisruptionBudget').spec as Record<string, unknown>;
    assert.equal(spec.unhealthyPodEvictionPolicy, 'AlwaysAllow');
    assert.equal(spec.minAvailable, 1);
  });

  test('the dashboard ConfigMap carries the sidecar label and the dashboard JSON', () => {
    const configMap = findObject(objects, 'ConfigMap');
    assert.equal(configMap.metadata.labels?.grafana_dashboard, '1');
    const dashboard = JSON.parse(configMap.data?.['longshore.json'] ?? '') as { panels?: unknown[] };
    assert.ok(Array.isArray(dashboard.panels) && dashboard.panels.length > 0);
  });
});

describe('helm template with monitoring on', () => {
  const monitoring = { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } };

  test('against a cluster serving the Prometheus Operator API: a ServiceMonitor and a PrometheusRule with every alert', () => {
    const objects = renderChart({ values: monitoring, apiVersions: MONITORING_APIS });
    const monitor = findObject(objects, 'ServiceMonitor');
    const endpoint = (monitor.spec as { endpoints: Array<Record<string, unknown>> }).endpoints[0];
    assert.equal(endpoint.port, 'metrics');
    assert.equal(endpoint.relabelings, undefined);
    const service = findObject(objects, 'Service');
    assert.deepEqual((monitor.spec as { selector: { matchLabels: unknown } }).selector.matchLabels, (service.spec as { selector: unknown }).selector);
    const rendered = alertRules(objects);
    assert.deepEqual(rendered.map((r) => r.alert).sort(), alertFiles().map((r) => r.alert).sort());
    // Without overrides each rule is its file for this release, as the promtool rule tests see it (runbook URL aside).
    for (const file of alertFiles().map(renderedFile)) {
      const rule = rendered.find((r) => r.alert === file.alert);
      assert.deepEqual({ ...rule, annotations: { ...rule?.annotations, runbook_url: '' } }, { ...file, annotations: { ...file.annotations, runbook_url: '' } });
    }
    // LongshoreControllerDown watches the targets of this release's own Service and namespace, the `service` and
    // `namespace` labels the Prometheus Operator gives what this ServiceMonitor selects.
    assert.equal(service.metadata.name, THIS_RELEASE.service);
    assert.equal(monitor.metadata.namespace, THIS_RELEASE.namespace);
    const down = rendered.find((r) => r.alert === 'LongshoreControllerDown')?.expr ?? '';
    assert.match(down, new RegExp(`absent\\(up\\{job="longshore", namespace="${NAMESPACE}", service="${FULL_NAME}-metrics"\\}\\)`));
    assert.doesNotMatch(JSON.stringify(rendered), /__[A-Z_]+__/, 'no placeholder left');
  });

  test('LongshoreControllerDown follows fullnameOverride to the Service it names', () => {
    const objects = renderChart({ values: { ...monitoring, fullnameOverride: 'shore' }, apiVersions: MONITORING_APIS });
    assert.equal(findObject(objects, 'Service').metadata.name, 'shore-metrics');
    const down = alertRules(objects).find((r) => r.alert === 'LongshoreControllerDown')?.expr ?? '';
    assert.equal(down.match(/service="shore-metrics"/g)?.length, 2, down);
  });

  test('without the API the install fails saying the CRDs are missing, for each of the two', () => {
    for (const [key, kind] of [['serviceMonitor', 'ServiceMonitor'], ['prometheusRule', 'PrometheusRule']]) {
      const stderr = failure(templateChart({ values: { [key]: { enabled: true } } }));
      assert.match(stderr, new RegExp(`${key}\\.enabled is true but this cluster does not serve monitoring\\.coreos\\.com/v1 ${kind}`));
      assert.match(stderr, new RegExp(`${key}\\.skipCrdCheck=true`));
    }
    // The ServiceMonitor API alone does not let a PrometheusRule through.
    assert.match(failure(templateChart({ values: monitoring, apiVersions: [MONITORING_APIS[0]] })), /PrometheusRule/);
  });

  test('skipCrdCheck renders them anyway', () => {
    const objects = renderChart({ values: { serviceMonitor: { enabled: true, skipCrdCheck: true }, prometheusRule: { enabled: true, skipCrdCheck: true } } });
    findObject(objects, 'ServiceMonitor');
    findObject(objects, 'PrometheusRule');
  });

  test('relabelings, labels and alert overrides reach the objects', () => {
    const relabelings = [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }];
    const metricRelabelings = [{ sourceLabels: ['__name__'], regex: 'longshore_queue_jobs', action: 'drop' }];
    const objects = renderChart({
      apiVersions: MONITORING_APIS,
      values: {
        serviceMonitor: { enabled: true, labels: { release: 'kps' }, relabelings, metricRelabelings },
        prometheusRule: {
          enabled: true,
          disabledAlerts: ['LongshoreReplicaDown'],
          runbookBaseUrl: 'https://runbooks.example.com/longshore/',
          alertOverrides: {
            LongshoreQueueBacklogGrowing: { for: '1h', severity: 'info', threshold: 500 },
            LongshoreReconcileErrors: { threshold: 0.25 },
            LongshoreControllerDown: { for: '2m' },
          },
        },
      },
    });
    const monitor = findObject(objects, 'ServiceMonitor');
    assert.equal(monitor.metadata.labels?.release, 'kps');
    const endpoint = (monitor.spec as { endpoints: Array<Record<string, unknown>> }).endpoints[0];
    assert.deepEqual(endpoint.relabelings, relabelings);
    assert.deepEqual(endpoint.metricRelabelings, metricRelabelings);

    const rules = new Map(alertRules(objects).map((rule) => [rule.alert, rule]));
    const files = new Map(alertFiles().map((rule) => [rule.alert, rule]));
    assert.equal(rules.has('LongshoreReplicaDown'), false);
    const backlog = rules.get('LongshoreQueueBacklogGrowing');
    assert.equal(backlog?.for, '1h');
    assert.equal(backlog?.labels.severity, 'info');
    assert.equal(backlog?.expr, files.get('LongshoreQueueBacklogGrowing')?.expr.replace('> 100', '> 500'));
    assert.equal(rules.get('LongshoreReconcileErrors')?.expr, files.get('LongshoreReconcileErrors')?.expr.replace('> 0.1', '> 0.25'));
    assert.equal(rules.get('LongshoreReconcileErrors')?.for, files.get('LongshoreReconcileErrors')?.for);
    const down = rules.get('LongshoreControllerDown');
    assert.equal(down?.for, '2m');
    assert.equal(down?.expr, forInstallation(files.get('LongshoreControllerDown')?.expr ?? '', THIS_RELEASE));
    assert.equal(down?.labels.severity, files.get('LongshoreControllerDown')?.labels.severity);
    assert.equal(down?.annotations.runbook_url, 'https://runbooks.example.com/longshore/LongshoreControllerDown.md');
  });

  test('every alert with an overridable threshold takes one', () => {
    const thresholds = { LongshoreEcsThrottlingSustained: 0.5, LongshoreQueueBacklogGrowing: 7, LongshoreReconcileErrors: 0.3, LongshoreTaskDefinitionRegistrationConflicts: 9 };
    const overrides = Object.fromEntries(Object.entries(thresholds).map(([alert, threshold]) => [alert, { threshold }]));
    const rules = alertRules(renderChart({ apiVersions: MONITORING_APIS, values: { prometheusRule: { enabled: true, alertOverrides: overrides } } }));
    for (const [alert, threshold] of Object.entries(thresholds)) {
      const file = alertFiles().find((rule) => rule.alert === alert);
      const rule = rules.find((r) => r.alert === alert);
      assert.notEqual(rule?.expr, file?.expr, `${alert} changed`);
      assert.ok(rule?.expr.includes(`> ${threshold}`), `${alert}: ${rule?.expr}`);
    }
  });

  test('overrides naming no alert, or a threshold an alert does not have, fail with the name', () => {
    const render = (alertOverrides: unknown) => templateChart({ apiVersions: MONITORING_APIS, values: { prometheusRule: { enabled: true, alertOverrides } } });
    assert.match(failure(render({ LongshoreNoSuchAlert: { for: '1m' } })), /prometheusRule\.alertOverrides\.LongshoreNoSuchAlert: no such alert/);
    assert.match(failure(render({ LongshoreControllerDown: { threshold: 2 } })), /alertOverrides\.LongshoreControllerDown\.threshold: this alert has no threshold/);
    // The schema checks the shape.
    assert.match(failure(render({ LongshoreControllerDown: { severity: 'page' } })), /severity/);
    assert.match(failure(render({ LongshoreControllerDown: { for: 'soon' } })), /for/);
  });
});

describe('helm template with other value sets', () => {
  test('topology spread: a constraint without labelSelector selects this release\'s controller pods; one with it is kept', () => {
    const zone = { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' };
    const own = { maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { team: 'batch' } } };
    const objects = renderChart({ values: { topologySpreadConstraints: [zone, own] } });
    const selector = (findObject(objects, 'Deployment').spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
    assert.deepEqual(podSpec(objects).topologySpreadConstraints, [{ ...zone, labelSelector: { matchLabels: selector } }, own]);
  });

  test('extraEnv, envFrom, extraVolumes and their mounts reach the controller container', () => {
    const objects = renderChart({
      values: {
        extraEnv: [{ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' }],
        envFrom: [{ secretRef: { name: 'longshore-aws' } }, { configMapRef: { name: 'proxy' }, prefix: 'P_' }],
        extraVolumes: [{ name: 'ca', configMap: { name: 'corporate-ca' } }],
        extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ssl/corporate', readOnly: true }],
      },
    });
    const container = controller(objects);
    assert.deepEqual(container.env.at(-1), { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' });
    assert.deepEqual(container.envFrom, [{ secretRef: { name: 'longshore-aws' } }, { configMapRef: { name: 'proxy' }, prefix: 'P_' }]);
    assert.deepEqual(podSpec(objects).volumes.map((v) => v.name), ['tmp', 'ca']);
    assert.deepEqual(container.volumeMounts.at(-1), { name: 'ca', mountPath: '/etc/ssl/corporate', readOnly: true });
  });

  test('revisionHistoryLimit, a mounted token, budgets and a custom dashboard label', () => {
    const objects = renderChart({
      values: {
        revisionHistoryLimit: 3,
        serviceAccount: { automountServiceAccountToken: true },
        budgets: { fargateLaunches: '200/40' },
        dashboard: { label: 'grafana.io/dashboard', labelValue: 'longshore' },
      },
    });
    assert.equal((findObject(objects, 'Deployment').spec as { revisionHistoryLimit: number }).revisionHistoryLimit, 3);
    assert.equal(podSpec(objects).automountServiceAccountToken, true);
    assert.deepEqual(controller(objects).env.find((e) => e.name === 'LONGSHORE_BUDGET_FARGATE_LAUNCHES'), { name: 'LONGSHORE_BUDGET_FARGATE_LAUNCHES', value: '200/40' });
    const labels = findObject(objects, 'ConfigMap').metadata.labels ?? {};
    assert.equal(labels['grafana.io/dashboard'], 'longshore');
    assert.equal(labels.grafana_dashboard, undefined);
  });

  test('one replica has no PodDisruptionBudget; Kubernetes before 1.26 gets one without unhealthyPodEvictionPolicy', () => {
    assert.equal(renderChart({ values: { replicaCount: 1 } }).some((o) => o.kind === 'PodDisruptionBudget'), false);
    const old = findObject(renderChart({ kubeVersion: '1.25.0' }), 'PodDisruptionBudget');
    assert.equal((old.spec as Record<string, unknown>).unhealthyPodEvictionPolicy, undefined);
    const opted = findObject(renderChart({ values: { podDisruptionBudget: { unhealthyPodEvictionPolicy: 'IfHealthyBudget' } } }), 'PodDisruptionBudget');
    assert.equal((opted.spec as Record<string, unknown>).unhealthyPodEvictionPolicy, 'IfHealthyBudget');
  });

  test('without a ServiceAccount of its own the pod uses the named one, and refuses to guess', () => {
    const objects = renderChart({ values: { serviceAccount: { create: false, name: 'shared' } } });
    assert.equal(objects.some((o) => o.kind === 'ServiceAccount'), false);
    assert.equal(podSpec(objects).serviceAccountName, 'shared');
    assert.match(failure(templateChart({ values: { serviceAccount: { create: false } } })), /serviceAccount\.name must name an existing ServiceAccount/);
  });

  test('helm applies values.schema.json: unknown keys and wrong types fail the install', () => {
    assert.match(failure(templateChart({ values: { replicas: 3 } })), /additional properties 'replicas' not allowed/);
    assert.match(failure(templateChart({ values: { topologySpreadConstraints: [{ maxSkew: 1 }] } })), /topologyKey/);
    assert.match(failure(templateChart({ values: { podDisruptionBudget: { unhealthyPodEvictionPolicy: 'Sometimes' } } })), /unhealthyPodEvictionPolicy/);
  });
});
