/**
 * The chart's values, schema and templates agree with each other and with the controller: values.yaml
 * validates against values.schema.json (which rejects unknown keys at every level), every key is commented and
 * described, templates reference only existing values, and the defaults, environment variable names and
 * budget categories match controller/config.ts and controller/aws/budgets.ts. No helm binary is needed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, parse, parseDocument, type YAMLMap } from 'yaml';
import { CONFIG_VARIABLES } from '../../controller/config.js';
import { THROTTLE_CATEGORIES, budgetEnvName } from '../../controller/aws/budgets.js';

function findChartDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'charts/longshore/Chart.yaml'))) return join(dir, 'charts/longshore');
  }
  throw new Error('charts/longshore not found above the test file');
}

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  description?: string;
  $ref?: string;
  definitions?: Record<string, Schema>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isObject = (value: unknown): value is Record<string, Json> => typeof value === 'object' && value !== null && !Array.isArray(value);

const chartDir = findChartDir();
const read = (path: string) => readFileSync(join(chartDir, path), 'utf8');
const schema = JSON.parse(read('values.schema.json')) as Schema;
const valuesText = read('values.yaml');
const values = parse(valuesText) as Record<string, Json>;
const templateFiles = readdirSync(join(chartDir, 'templates'));
const templates = new Map(templateFiles.map((file) => [file, read(join('templates', file))]));

function resolve(node: Schema): Schema {
  if (!node.$ref) return node;
  const name = node.$ref.replace('#/definitions/', '');
  const target = schema.definitions?.[name];
  if (!target) throw new Error(`unresolved ${node.$ref}`);
  return { ...target, description: node.description ?? target.description };
}

function typeOf(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The subset of JSON Schema draft-07 the chart's schema uses, as Helm would apply it. */
function validate(value: Json, node: Schema, path = 'values'): string[] {
  const s = resolve(node);
  const errors: string[] = [];
  if (s.type) {
    const allowed = Array.isArray(s.type) ? s.type : [s.type];
    const actual = typeOf(value);
    if (!allowed.includes(actual) && !(actual === 'integer' && allowed.includes('number'))) return [`${path}: expected ${allowed.join('|')}, got ${actual}`];
  }
  if (s.enum && !s.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(s.enum)}`);
  if (typeof value === 'string') {
    if (s.pattern && !new RegExp(s.pattern).test(value)) errors.push(`${path}: "${value}" does not match ${s.pattern}`);
    if (s.minLength !== undefined && value.length < s.minLength) errors.push(`${path}: shorter than ${s.minLength}`);
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) errors.push(`${path}: below ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum) errors.push(`${path}: above ${s.maximum}`);
    if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) errors.push(`${path}: not above ${s.exclusiveMinimum}`);
  }
  if (Array.isArray(value) && s.items) value.forEach((item, i) => errors.push(...validate(item, s.items as Schema, `${path}[${i}]`)));
  if (isObject(value)) {
    for (const key of s.required ?? []) if (!(key in value)) errors.push(`${path}.${key}: required`);
    for (const [key, item] of Object.entries(value)) {
      const property = s.properties?.[key];
      if (property) errors.push(...validate(item, property, `${path}.${key}`));
      else if (s.additionalProperties === false) errors.push(`${path}.${key}: not allowed (additionalProperties: false)`);
      else if (isObject(s.additionalProperties)) errors.push(...validate(item, s.additionalProperties, `${path}.${key}`));
    }
  }
  return errors;
}

/** Every object schema in the tree, with its path. */
function objectSchemas(node: Schema, path: string): { path: string; schema: Schema }[] {
  const s = resolve(node);
  const found: { path: string; schema: Schema }[] = [];
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes('object')) found.push({ path, schema: s });
  for (const [key, child] of Object.entries(s.properties ?? {})) found.push(...objectSchemas(child, `${path}.${key}`));
  if (s.items) found.push(...objectSchemas(s.items, `${path}[]`));
  return found;
}

/** `.Values.a.b` paths used by templates (including `$.Values…`). */
function valueReferences(): { file: string; path: string[] }[] {
  return [...templates].flatMap(([file, text]) =>
    [...text.matchAll(/\.Values((?:\.[A-Za-z_]\w*)+)/g)].map(([, path]) => ({ file, path: path.slice(1).split('.') })));
}

describe('values.yaml against values.schema.json', () => {
  test('the default values validate', () => {
    assert.deepEqual(validate(values, schema), []);
  });

  test('the schema rejects unknown keys, wrong types and values the controller would refuse', () => {
    const withValue = (mutate: (copy: Record<string, Json>) => void) => {
      const copy = structuredClone(values);
      mutate(copy);
      return validate(copy, schema).join('\n');
    };
    assert.match(withValue((v) => { v.replicas = 3; }), /values\.replicas: not allowed/);
    assert.match(withValue((v) => { (v.controller as Record<string, Json>).resyncInterval = 5; }), /values\.controller\.resyncInterval: not allowed/);
    assert.match(withValue((v) => { (v.serviceAccount as Record<string, Json>).create = 'yes'; }), /expected boolean/);
    assert.match(withValue((v) => { (v.budgets as Record<string, Json>).fargateLaunches = '100 per second'; }), /does not match/);
    assert.match(withValue((v) => { v.longshoreNamespace = 'Prod_1'; }), /does not match/);
    assert.match(withValue((v) => { (v.controller as Record<string, Json>).logLevel = 'verbose'; }), /not in/);
    assert.match(withValue((v) => { (v.probes as Record<string, Json>).liveness = { periodSeconds: 10, path: '/' }; }), /liveness\.path: not allowed/);
  });

  test('every object with named properties forbids others; free-form maps say what their values are', () => {
    const loose = objectSchemas(schema, 'values').filter(({ schema: s }) =>
      s.properties ? s.additionalProperties !== false : !isObject(s.additionalProperties));
    assert.deepEqual(loose.map(({ path }) => path), []);
  });

  test('every schema property has a description', () => {
    const undocumented = objectSchemas(schema, 'values').flatMap(({ path, schema: s }) =>
      Object.entries(s.properties ?? {}).filter(([, p]) => !resolve(p).description).map(([key]) => `${path}.${key}`));
    assert.deepEqual(undocumented, []);
  });

  test('every schema property has a default in values.yaml', () => {
    const missing: string[] = [];
    const walk = (node: Schema, value: Json, path: string) => {
      const s = resolve(node);
      if (!s.properties || !isObject(value)) return;
      for (const [key, child] of Object.entries(s.properties)) {
        if (!(key in value)) missing.push(`${path}.${key}`);
        else walk(child, value[key], `${path}.${key}`);
      }
    };
    walk(schema, values, 'values');
    // Optional fields of list items and pass-through Kubernetes fields have no default to show.
    const optional = /^values\.(resources\.(requests|limits)\.ephemeral-storage|podSecurityContext\.seccompProfile\.localhostProfile|securityContext\.capabilities\.add|affinity\.\w+)$/;
    assert.deepEqual(missing.filter((path) => !optional.test(path)), []);
  });

  test('every key in values.yaml has a comment above it', () => {
    const doc = parseDocument(valuesText);
    const uncommented: string[] = [];
    const walk = (map: YAMLMap, path: string, inherited: string | null | undefined) => {
      map.items.forEach((pair, index) => {
        const key = String((pair.key as { value?: unknown }).value);
        const comment = (pair.key as { commentBefore?: string | null }).commentBefore ?? (index === 0 ? map.commentBefore ?? inherited : undefined);
        if (!comment?.trim()) uncommented.push(`${path}${key}`);
        if (isMap(pair.value)) walk(pair.value, `${path}${key}.`, undefined);
      });
    };
    assert.ok(isMap(doc.contents));
    walk(doc.contents, '', doc.commentBefore);
    assert.deepEqual(uncommented, []);
  });
});

describe('templates', () => {
  test('reference only values that exist in values.yaml', () => {
    const unknown = valueReferences().filter(({ path }) => {
      let node: Json = values;
      for (const key of path) {
        if (!isObject(node) || !(key in node)) return true;
        node = node[key];
      }
      return false;
    });
    assert.deepEqual(unknown.map(({ file, path }) => `${file}: .Values.${path.join('.')}`), []);
  });

  test('use every top-level value', () => {
    const used = new Set(valueReferences().map(({ path }) => path[0]));
    assert.deepEqual(Object.keys(values).filter((key) => !used.has(key)), []);
  });

  test('open and close their template blocks in pairs', () => {
    for (const [file, text] of templates) {
      const opened = [...text.matchAll(/\{\{-?\s*(if|range|with|define|block)\b/g)].length;
      const closed = [...text.matchAll(/\{\{-?\s*end\s*-?\}\}/g)].length;
      assert.equal(opened, closed, `${file}: ${opened} blocks opened, ${closed} closed`);
    }
  });

  test('the Deployment sets only variables the controller reads, with the chart defaults equal to the controller defaults', () => {
    const deployment = templates.get('deployment.yaml') ?? '';
    const known = new Set(CONFIG_VARIABLES.map((variable) => variable.name));
    const names = [...deployment.matchAll(/- name: ([A-Z][A-Z0-9_]+)/g)].map(([, name]) => name);
    assert.ok(names.length >= 10);
    assert.deepEqual(names.filter((name) => !known.has(name)), []);

    const defaultOf = (name: string) => CONFIG_VARIABLES.find((variable) => variable.name === name)?.default;
    const controller = values.controller as Record<string, Json>;
    const concurrency = controller.concurrency as Record<string, Json>;
    assert.equal(String(controller.logLevel), defaultOf('LONGSHORE_LOG_LEVEL'));
    assert.equal(String(controller.resyncIntervalSeconds), defaultOf('LONGSHORE_RESYNC_INTERVAL_SECONDS'));
    assert.equal(String(controller.shutdownGraceSeconds), defaultOf('LONGSHORE_SHUTDOWN_GRACE_SECONDS'));
    assert.equal(String(controller.budgetMaxWaitSeconds), defaultOf('LONGSHORE_BUDGET_MAX_WAIT_SECONDS'));
    assert.equal(String(concurrency.reconcileRun), defaultOf('LONGSHORE_CONCURRENCY_RECONCILE_RUN'));
    assert.equal(String(concurrency.registerTaskdef), defaultOf('LONGSHORE_CONCURRENCY_REGISTER_TASKDEF'));
    assert.equal(String(concurrency.resync), defaultOf('LONGSHORE_CONCURRENCY_RESYNC'));
    assert.equal(String(controller.jobLockSeconds), defaultOf('LONGSHORE_JOB_LOCK_SECONDS'));
    assert.equal(String(controller.taskdefRevalidateSeconds), defaultOf('LONGSHORE_TASKDEF_REVALIDATE_SECONDS'));
    assert.equal(String(controller.redisConnectTimeoutSeconds), defaultOf('LONGSHORE_REDIS_CONNECT_TIMEOUT_SECONDS'));
    assert.equal(String(controller.redisCommandTimeoutSeconds), defaultOf('LONGSHORE_REDIS_COMMAND_TIMEOUT_SECONDS'));
    assert.equal(String(controller.redisStartupTimeoutSeconds), defaultOf('LONGSHORE_REDIS_STARTUP_TIMEOUT_SECONDS'));
    assert.equal(String((values.metrics as Record<string, Json>).port), defaultOf('LONGSHORE_METRICS_PORT'));
  });

  test('the chart can set every variable the controller reads (a new variable needs a value here)', () => {
    const deployment = templates.get('deployment.yaml') ?? '';
    const set = new Set([...deployment.matchAll(/- name: ([A-Z][A-Z0-9_]+)/g)].map(([, name]) => name));
    if (deployment.includes('printf "LONGSHORE_BUDGET_%s"')) for (const category of THROTTLE_CATEGORIES) set.add(budgetEnvName(category));
    // Only for a time-scaled simulator: set it through extraEnv in test installations.
    const leftToExtraEnv = new Set(['LONGSHORE_BUDGET_TIME_SCALE']);
    assert.deepEqual(CONFIG_VARIABLES.map((variable) => variable.name).filter((name) => !set.has(name) && !leftToExtraEnv.has(name)), []);
  });

  test('budgets cover every throttle category under the controller\'s variable names', () => {
    assert.deepEqual(Object.keys(values.budgets as Record<string, Json>), [...THROTTLE_CATEGORIES]);
    assert.deepEqual(Object.keys(resolve(schema.properties?.budgets ?? {}).properties ?? {}), [...THROTTLE_CATEGORIES]);
    const helpers = templates.get('_helpers.tpl') ?? '';
    const block = /define "longshore.budgetEnvNames" -\}\}\n([\s\S]*?)\{\{- end \}\}/.exec(helpers)?.[1] ?? '';
    const mapping = parse(block) as Record<string, string>;
    assert.deepEqual(Object.entries(mapping).map(([category, suffix]) => [category, `LONGSHORE_BUDGET_${suffix}`]),
      THROTTLE_CATEGORIES.map((category) => [category, budgetEnvName(category)]));
    for (const category of THROTTLE_CATEGORIES) {
      const description = resolve(schema.properties?.budgets ?? {}).properties?.[category]?.description ?? '';
      assert.ok(description.startsWith(budgetEnvName(category)), `${category} describes ${budgetEnvName(category)}`);
    }
  });

  test('probes use /healthz and /readyz on the metrics port, and Kubernetes waits out the controller\'s shutdown', () => {
    const deployment = templates.get('deployment.yaml') ?? '';
    assert.match(deployment, /livenessProbe:\n\s+httpGet:\n\s+path: \/healthz\n\s+port: metrics/);
    assert.match(deployment, /readinessProbe:\n\s+httpGet:\n\s+path: \/readyz\n\s+port: metrics/);
    assert.match(deployment, /containerPort: \{\{ \.Values\.metrics\.port \}\}/);
    assert.match(deployment, /args: \["controller"\]/);
    assert.match(deployment, /terminationGracePeriodSeconds: \{\{ include "longshore.terminationGracePeriodSeconds" \. \}\}/);
    // The controller exits at the latest 10 s after its grace period; the pod must allow longer.
    const margin = Number(/add \(int \.Values\.controller\.shutdownGraceSeconds\) (\d+)/.exec(templates.get('_helpers.tpl') ?? '')?.[1]);
    assert.ok(margin > 10, `terminationGracePeriodSeconds margin ${margin}`);
    assert.match(deployment, /secretKeyRef:\n\s+name: \{\{ \.Values\.redis\.existingSecret \}\}\n\s+key: \{\{ \.Values\.redis\.existingSecretKey \}\}/);
  });

  test('a replica that cannot reach Redis exits with its reason before the liveness probe would kill it', () => {
    // /healthz is served only once the controller has started; until then only the start-up bound ends it.
    const liveness = (values.probes as Record<string, Record<string, Json>>).liveness;
    const livenessAllowsSeconds = Number(liveness.initialDelaySeconds) + Number(liveness.periodSeconds) * Number(liveness.failureThreshold);
    const controller = values.controller as Record<string, Json>;
    assert.ok(Number(controller.redisStartupTimeoutSeconds) < livenessAllowsSeconds,
      `redisStartupTimeoutSeconds ${String(controller.redisStartupTimeoutSeconds)} < ${livenessAllowsSeconds}`);
  });

  test('pods run as non-root on a read-only root filesystem with two replicas by default', () => {
    assert.equal(values.replicaCount, 2);
    const pod = values.podSecurityContext as Record<string, Json>;
    const container = values.securityContext as Record<string, Json>;
    assert.equal(pod.runAsNonRoot, true);
    assert.ok(typeof pod.runAsUser === 'number' && pod.runAsUser > 0);
    assert.equal(container.readOnlyRootFilesystem, true);
    assert.equal(container.allowPrivilegeEscalation, false);
  });

  test('the ServiceAccount carries the IRSA role annotation', () => {
    assert.match(templates.get('serviceaccount.yaml') ?? '', /with \.Values\.serviceAccount\.roleArn \}\}[\s\S]*eks\.amazonaws\.com\/role-arn: \{\{ \. \| quote \}\}/);
  });

  test('ServiceMonitor and PrometheusRule render only when enabled, and fail without the Prometheus Operator API unless forced', () => {
    for (const [file, key, kind] of [['servicemonitor.yaml', 'serviceMonitor', 'ServiceMonitor'], ['prometheusrule.yaml', 'prometheusRule', 'PrometheusRule']]) {
      const [first, second, third] = (templates.get(file) ?? '').split('\n');
      assert.equal(first, `{{- if .Values.${key}.enabled }}`);
      assert.equal(second, `{{- if not (or .Values.${key}.skipCrdCheck (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/${kind}")) }}`);
      assert.match(third, /^\{\{- fail "/);
    }
    assert.match(templates.get('prometheusrule.yaml') ?? '', /\.Files\.Glob "alerts\/\*\.yaml"/);
  });

  test('the dashboard ConfigMap carries the Grafana sidecar label and loads a file that exists', () => {
    const configMap = templates.get('dashboard-configmap.yaml') ?? '';
    assert.match(configMap, /\{\{ \.Values\.dashboard\.label \}\}: \{\{ \.Values\.dashboard\.labelValue \| quote \}\}/);
    const dashboard = values.dashboard as Record<string, Json>;
    assert.deepEqual([dashboard.label, dashboard.labelValue], ['grafana_dashboard', '1']);
    const file = /\.Files\.Get "([^"]+)"/.exec(configMap)?.[1] ?? '';
    assert.ok(existsSync(join(chartDir, file)), `${file} exists`);
  });
});
