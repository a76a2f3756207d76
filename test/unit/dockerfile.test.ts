/**
 * The Dockerfile's properties, read statically (no Docker engine here): the base image is the Node.js LTS
 * build CI tests with (scripts/ensure-node-lts.sh) as a slim image pinned by exact version (and digest when
 * present); the image gets the compiled product and production dependencies only; it runs as a numeric
 * non-root user matching the chart, declares the metrics and API ports and carries OCI labels; `engines` names the
 * Node.js versions the tests run on. product-build.test.ts checks what tsconfig.build.json compiles.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../controller/config.js';
import { CONTROLLER_MALLOC_ENV, CONTROLLER_NODE_OPTIONS } from '../../controller/node-options.js';
import { replicaEnv, replicaNodeArgs } from '../../cmd/replicas.js';

function findRepoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'Dockerfile')) && existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error('Dockerfile not found above the test file');
}

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions with continuation lines joined and comments dropped, split into build stages. */
function parseDockerfile(text: string): { globalArgs: Map<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical.filter((l) => l !== '')) {
    const [, keyword, args] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    assert.ok(keyword, `an instruction: ${line}`);
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [from, as, name] = args.split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0 && upper === 'ARG') {
      const [key, value = ''] = args.split('=');
      globalArgs.set(key, value);
    } else {
      assert.ok(stages.length > 0, `${upper} before the first FROM`);
      stages[stages.length - 1].instructions.push({ keyword: upper, args });
    }
  }
  return { globalArgs, stages };
}

/** Whether `version` (x.y.z) satisfies a range made of `^x.y.z` terms joined by `||`, the form `engines` uses. */
function satisfiesCaretRange(version: string, range: string): boolean {
  const parts = (v: string) => v.split('.').map(Number);
  const [major, minor, patch] = parts(version);
  return range.split('||').map((term) => term.trim()).some((term) => {
    const match = /^\^(\d+\.\d+\.\d+)$/.exec(term);
    assert.ok(match, `engines term ${term} is of the form ^x.y.z`);
    const [rMajor, rMinor, rPatch] = parts(match[1]);
    return major === rMajor && (minor > rMinor || (minor === rMinor && patch >= rPatch));
  });
}

const root = findRepoRoot();
const dockerfile = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; license: string; engines: { node: string }; bin: Record<string, string> };
const nodeLtsVersion = /^NODE_LTS_VERSION=(\d+\.\d+\.\d+)$/m.exec(readFileSync(join(root, 'scripts/ensure-node-lts.sh'), 'utf8'))?.[1] ?? '';
const chartValues = parse(readFileSync(join(root, 'charts/longshore/values.yaml'), 'utf8')) as {
  podSecurityContext: { runAsUser: number; runAsGroup: number };
  metrics: { port: number };
  api: { port: number };
};
const finalStage = dockerfile.stages[dockerfile.stages.length - 1];
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

describe('Dockerfile', () => {
  test('every stage starts from the Node.js LTS build CI tests with, a slim image pinned by exact version', () => {
    assert.match(nodeLtsVersion, /^\d+\.\d+\.\d+$/, 'scripts/ensure-node-lts.sh pins NODE_LTS_VERSION');
    assert.equal(Number(nodeLtsVersion.split('.')[0]) % 2, 0, 'an LTS line (even major under the release schedule up to v26)');
    const image = dockerfile.globalArgs.get('NODE_IMAGE') ?? '';
    assert.match(image, new RegExp(`^node:${nodeLtsVersion.replaceAll('.', '\\.')}-[a-z]+-slim(@sha256:[0-9a-f]{64})?$`));
    assert.ok(dockerfile.stages.length >= 2);
    for (const stage of dockerfile.stages) assert.equal(stage.from, '${NODE_IMAGE}', `stage ${stage.name ?? '(final)'} uses NODE_IMAGE`);
    assert.ok(of(finalStage, 'LABEL').some((l) => l.args.includes(`org.opencontainers.image.base.name="docker.io/library/${image.split('@')[0]}"`)));
  });

  test('engines names the Node.js versions the tests run on: this one and the LTS image\'s', () => {
    assert.ok(satisfiesCaretRange(process.versions.node, packageJson.engines.node), `${process.versions.node} within ${packageJson.engines.node}`);
    assert.ok(satisfiesCaretRange(nodeLtsVersion, packageJson.engines.node), `${nodeLtsVersion} within ${packageJson.engines.node}`);
    const simulator = JSON.parse(readFileSync(join(root, 'simulator/package.json'), 'utf8')) as { engines: { node: string } };
    assert.equal(simulator.engines.node, packageJson.engines.node);
  });

  test('the image gets the compiled product and production dependencies only', () => {
    const build = dockerfile.stages.find((stage) => of(stage, 'RUN').some((r) => r.args.includes('tsc -p tsconfig.build.json')));
    assert.ok(build?.name, 'a named stage compiles tsconfig.build.json');
    const product = /^(package\.json|package-lock\.json|tsconfig\.json|tsconfig\.build\.json|cmd\/longshore\.ts|cmd\/cli|controller|reconcilers|machines|scripts\/stamp-build\.sh|client\/package\.json|client\/tsconfig\.json|client\/src|console|console\/package\.json)$/;
    for (const stage of dockerfile.stages) {
      for (const copy of of(stage, 'COPY').filter((c) => !c.args.startsWith('--from='))) {
        const sources = copy.args.split(/\s+/).slice(0, -1);
        assert.deepEqual(sources.filter((source) => !product.test(source)), [], `COPY ${copy.args}`);
      }
    }
    const dependencies = dockerfile.stages.find((stage) => of(stage, 'RUN').some((r) => /npm ci\b.*--omit=dev/.test(r.args)));
    assert.ok(dependencies?.name, 'a named stage installs production dependencies alone');
    const fromStages = of(finalStage, 'COPY').filter((c) => c.args.startsWith('--from=')).map((c) => c.args);
    assert.deepEqual(fromStages.sort(), [
      `--from=${build.name} /app/dist dist`, `--from=${dependencies.name} /app/node_modules node_modules`,
      `--from=${build.name} /app/console/dist console/dist`,
      // The API client's build and manifest (node_modules/@longshore/client links to client/).
      `--from=${build.name} /app/client/package.json client/package.json`, `--from=${build.name} /app/client/dist/src client/dist/src`,
    ].sort());
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const path of ['test', 'simulator', 'node_modules', '**/dist']) assert.ok(ignored.includes(path), `.dockerignore leaves out ${path}`);
  });

  test('the image\'s heap flags are the ones the benchmark\'s replicas run with (controller/node-options.ts)', () => {
    const env = of(finalStage, 'ENV').map((e) => /^NODE_OPTIONS="([^"]*)"$/.exec(e.args)?.[1]).filter((v) => v !== undefined);
    assert.deepEqual(env, [CONTROLLER_NODE_OPTIONS.join(' ')]);
    assert.ok(CONTROLLER_NODE_OPTIONS.some((flag) => flag.startsWith('--max-old-space-size=')));
    // The benchmark's extra flags come after the production ones, so they can override them.
    const args = replicaNodeArgs(['--max-semi-space-size=16']);
    assert.deepEqual(args.slice(0, CONTROLLER_NODE_OPTIONS.length + 1), [...CONTROLLER_NODE_OPTIONS, '--max-semi-space-size=16']);
  });

  test('the image\'s malloc settings are the ones the benchmark\'s replicas run with (controller/node-options.ts)', () => {
    const set = new Map(of(finalStage, 'ENV').flatMap((e) => e.args.split(/\s+/).map((pair) => pair.split('=') as [string, string])));
    const malloc = Object.fromEntries([...set].filter(([name]) => name.startsWith('MALLOC_')));
    assert.deepEqual(malloc, { ...CONTROLLER_MALLOC_ENV });
    assert.ok(Object.keys(CONTROLLER_MALLOC_ENV).length > 0);
    // The benchmark's and demo's replicas get them too, unless the caller's shell sets one for an experiment.
    const env = replicaEnv({ LONGSHORE_NAMESPACE: 'x' });
    for (const [name, value] of Object.entries(CONTROLLER_MALLOC_ENV)) assert.equal(env[name], process.env[name] ?? value, name);
    assert.equal(env.LONGSHORE_NAMESPACE, 'x');
  });

  test('it runs the CLI\'s controller command as a numeric non-root user, the chart\'s', () => {
    const users = of(finalStage, 'USER');
    assert.equal(users.length, 1);
    const [uid, gid] = users[0].args.split(':').map(Number);
    assert.ok(Number.isInteger(uid) && uid > 0, `numeric non-root uid: ${users[0].args}`);
    assert.equal(uid, chartValues.podSecurityContext.runAsUser);
    assert.equal(gid, chartValues.podSecurityContext.runAsGroup);
    assert.deepEqual(of(finalStage, 'ENTRYPOINT').map((e) => JSON.parse(e.args) as unknown), [['node', `dist/${packageJson.bin.longshore.replace(/^dist\//, '')}`]]);
    assert.deepEqual(of(finalStage, 'CMD').map((e) => JSON.parse(e.args) as unknown), [['controller']]);
  });

  test('it declares the metrics port and the API port and carries the OCI labels', () => {
    const defaultOf = (name: string) => CONFIG_VARIABLES.find((variable) => variable.name === name)?.default;
    const metricsPort = defaultOf('LONGSHORE_METRICS_PORT');
    const apiPort = defaultOf('LONGSHORE_API_PORT');
    // The API is off by default in the controller, but the same image serves it (LONGSHORE_API_ENABLED or
    // `longshore api`), so both ports are declared.
    assert.deepEqual(of(finalStage, 'EXPOSE').flatMap((e) => e.args.split(/\s+/)), [metricsPort, apiPort]);
    assert.equal(String(chartValues.metrics.port), metricsPort);
    assert.equal(String(chartValues.api.port), apiPort);
    const env = of(finalStage, 'ENV').map((e) => e.args);
    for (const host of ['LONGSHORE_METRICS_HOST=0.0.0.0', 'LONGSHORE_API_HOST=0.0.0.0']) assert.ok(env.includes(host), `ENV ${host}: a declared port is reachable from outside the container`);
    const labels = new Map([...of(finalStage, 'LABEL').map((l) => l.args).join(' ').matchAll(/([\w.]+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
    for (const key of ['title', 'description', 'source', 'licenses', 'version', 'revision']) assert.ok(labels.get(`org.opencontainers.image.${key}`), `org.opencontainers.image.${key}`);
    assert.equal(labels.get('org.opencontainers.image.licenses'), packageJson.license);
    assert.equal(labels.get('org.opencontainers.image.version'), '${VERSION}');
    assert.ok(of(finalStage, 'ARG').some((a) => a.args === `VERSION=${packageJson.version}`), 'VERSION defaults to package.json\'s');
  });
});
