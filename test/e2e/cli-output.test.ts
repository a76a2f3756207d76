/**
 * The CLI's output as a shell user meets it: a pipe closed early (`| head`), the output formats
 * (-o wide|name|json|yaml, --no-headers, --sort-by, `kind: List`), namespaces (-n, -A) and per-name
 * reports of `run delete`. Against the real Redis, through the built binary.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { RedisClient } from '../../controller/redis.js';
import { parse } from 'yaml';
import { ResourceStore } from '../../controller/store/index.js';
import type { RunRecord, RunStatus } from '../../controller/api/index.js';
import { deleteNamespaceKeys, testRedis, TEST_REDIS_URL, uniqueNamespace } from '../helpers/redis-namespace.js';
import { CLI, cli } from './cli-run.js';

const V = 'longshore.dev/v1alpha1';
const pool = (name: string) => ({ apiVersion: V, kind: 'Pool', metadata: { name }, spec: { taskDefinition: {} } });
const runDoc = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: V, kind: 'Run', metadata: { name, labels }, spec: { pool: 'p', image: 'busybox' } });

/** Runs `longshore ARGS | head -n 1` in bash; the CLI's stderr and exit status (PIPESTATUS) come back. */
function pipedIntoHead(namespace: string, args: string[]): Promise<{ status: number; head: string; stderr: string }> {
  const quoted = args.map((a) => `'${a}'`).join(' ');
  const script = `"${process.execPath}" "${CLI}" ${quoted} | head -n 1; echo "status=\${PIPESTATUS[0]}" >&2`;
  const child = spawn('bash', ['-c', script], { env: { ...process.env, REDIS_URL: TEST_REDIS_URL, LONGSHORE_NAMESPACE: namespace }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      const status = /status=(\d+)\n$/.exec(stderr);
      if (!status) return reject(new Error(`no status in ${JSON.stringify(stderr)}`));
      resolve({ status: Number(status[1]), head: stdout, stderr: stderr.slice(0, status.index) });
    });
  });
}

describe('CLI output', () => {
  let redis: RedisClient;
  let store: ResourceStore;
  const namespace = uniqueNamespace('test-cli-out');
  const other = uniqueNamespace('test-cli-out2');
  const run = (args: string[]) => cli(namespace, args);
  const names = (stdout: string) => stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]);

  async function setStatus(name: string, status: Partial<RunStatus>, lifecycle?: unknown): Promise<void> {
    const current = await store.getRun(name);
    const update = { status: { phase: 'pending' as const, attempts: [], conditions: [], observedGeneration: 1, ...status }, ...(lifecycle ? { lifecycle } : {}) };
    await store.updateRunStatus(name, update, current!.metadata.resourceVersion);
  }

  before(async () => {
    redis = testRedis();
    store = new ResourceStore(redis, { namespace });
    await store.submit([pool('p'), ...Array.from({ length: 400 }, (_, i) => runDoc(`bulk-${String(i).padStart(3, '0')}`, { app: 'bulk' }))]);
    await store.submit([runDoc('c-zulu', { app: 'sorted' }), runDoc('c-alpha', { app: 'sorted', secret: 'x' }), runDoc('c-mike', { app: 'sorted' })]);
    await setStatus('c-zulu', { phase: 'running', attempts: [{ number: 1, taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/0123abcd', startedAt: '2026-01-01T00:00:00.000Z' }] });
    await setStatus('c-mike', { phase: 'stopped', outcome: 'failed', attempts: [{ number: 1, taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/feedbeef', exitCode: 3 }] }, { value: 'internal machine state' });
    await new ResourceStore(redis, { namespace: other }).submit([pool('p'), runDoc('elsewhere', { app: 'sorted' })]);
  });
  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await deleteNamespaceKeys(redis, other);
    await redis.quit();
  });

  test('a pipe closed early (| head) ends the CLI quietly with the SIGPIPE status, no EPIPE stack', async () => {
    // Formats whose output is far larger than a pipe's buffer (64 KiB), so head has surely gone when they write.
    for (const format of ['json', 'yaml']) {
      const { status, head, stderr } = await pipedIntoHead(namespace, ['run', 'list', '-o', format]);
      assert.equal(stderr, '', `-o ${format}`);
      assert.equal(status, 141, `-o ${format}`);
      assert.notEqual(head, '');
    }
  });

  test('-o name, --no-headers, -o wide and --sort-by, as kubectl has them', async () => {
    assert.equal((await run(['run', 'list', '-l', 'app=sorted', '-o', 'name'])).stdout, 'run/c-alpha\nrun/c-mike\nrun/c-zulu\n');
    const bare = await run(['run', 'list', '-l', 'app=sorted', '--no-headers']);
    assert.deepEqual(names(bare.stdout), ['c-alpha', 'c-mike', 'c-zulu']);
    const wide = (await run(['run', 'list', '-l', 'app=sorted', '-o', 'wide'])).stdout.split('\n');
    assert.match(wide[0], /^NAME\s+POOL\s+PHASE\s+OUTCOME\s+ATTEMPTS\s+AGE\s+MESSAGE\s+IMAGE\s+TASK\s+EXIT\s+LABELS$/);
    assert.match(wide[2], /^c-mike\s+p\s+stopped\s+failed\s+1\s+\S+\s+busybox\s+feedbeef\s+3\s+app=sorted$/);
    const byPhase = await run(['run', 'list', '-l', 'app=sorted', '--sort-by', '.status.phase', '--no-headers']);
    assert.deepEqual(names(byPhase.stdout), ['c-alpha', 'c-zulu', 'c-mike']);
    const byExit = await run(['run', 'list', '-l', 'app=sorted', '--sort-by', '{.status.attempts[0].exitCode}', '-o', 'name']);
    assert.equal(byExit.stdout, 'run/c-mike\nrun/c-alpha\nrun/c-zulu\n', 'runs without the field sort last, by name');
    const bad = await run(['run', 'list', '--sort-by', '.status..phase']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: --sort-by "\.status\.\.phase": /);
  });

  test('lists are `kind: List` documents in json and yaml; get and describe -o show no lifecycle snapshot', async () => {
    const json = JSON.parse((await run(['run', 'list', '-l', 'app=sorted', '-o', 'json', '--sort-by', '.metadata.name'])).stdout) as { apiVersion: string; kind: string; items: RunRecord[] };
    assert.deepEqual([json.apiVersion, json.kind, json.items.map((r) => r.metadata.name)], ['longshore.dev/v1alpha1', 'List', ['c-alpha', 'c-mike', 'c-zulu']]);
    assert.ok(json.items.every((r) => !('lifecycle' in r)));
    const stored = JSON.stringify(await redis.hgetall(`longshore:{${namespace}}:run:c-mike`));
    assert.match(stored ?? '', /internal machine state/, 'the snapshot is stored, so its absence below is the CLI leaving it out');
    const yaml = (await run(['run', 'get', 'c-mike', '-o', 'yaml'])).stdout;
    assert.equal(parse(yaml).metadata.name, 'c-mike');
    assert.doesNotMatch(yaml, /lifecycle|internal machine state/);
    const described = parse((await run(['run', 'describe', 'c-mike', '-o', 'yaml'])).stdout);
    assert.equal(described.metadata.namespace, namespace);
    assert.equal(described.status.attempts[0].exitCode, 3);
    assert.equal('lifecycle' in described, false);
  });

  test('-n picks a namespace anywhere on the line; -A lists every namespace with a NAMESPACE column', async () => {
    const elsewhere = await run(['run', 'list', '-n', other, '-o', 'name']);
    assert.equal(elsewhere.stdout, 'run/elsewhere\n');
    assert.equal((await run(['--namespace', other, 'run', 'get', 'elsewhere', '-o', 'name'])).stdout, 'run/elsewhere\n');
    const all = await run(['run', 'list', '-A', '-l', 'app=sorted']);
    const lines = all.stdout.trim().split('\n');
    assert.match(lines[0], /^NAMESPACE\s+NAME\s+POOL/);
    const rows = lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2));
    assert.deepEqual(rows.filter(([ns]) => ns === namespace || ns === other), [[namespace, 'c-alpha'], [namespace, 'c-mike'], [namespace, 'c-zulu'], [other, 'elsewhere']].sort((a, b) => a[0].localeCompare(b[0])));
    const allJson = JSON.parse((await run(['run', 'list', '--all-namespaces', '-l', 'app=sorted', '-o', 'json'])).stdout) as { items: Array<{ metadata: { name: string; namespace: string } }> };
    assert.ok(allJson.items.some((r) => r.metadata.name === 'elsewhere' && r.metadata.namespace === other));
    assert.equal((await run(['run', 'list', '-n', 'bad namespace'])).code, 2);
  });

  test('pool describe: settings, secrets masked, runs per phase; -o yaml the same as data', async () => {
    await store.submit([{ apiVersion: V, kind: 'Pool', metadata: { name: 'secretive', labels: { team: 'data' } }, spec: { taskDefinition: {}, cluster: 'prod', env: { DB_PASSWORD: 'hunter2', REGION: 'eu' } } }]);
    const page = await run(['pool', 'describe', 'p']);
    assert.equal(page.code, 0, page.stderr);
    assert.match(page.stdout, /^Name:\s+p$/m);
    assert.match(page.stdout, new RegExp(`^Namespace:\\s+${namespace}$`, 'm'));
    assert.match(page.stdout, /^Runs:\s+403 \(pending 401, running 1, stopped 1\)$/m);
    assert.match(page.stdout, /^Fair share:\s+weight 1, priority 0 \(no launches waited for the budget recently/m);
    const secretive = (await run(['pool', 'describe', 'secretive'])).stdout;
    assert.match(secretive, /^Cluster:\s+prod$/m);
    assert.match(secretive, /^ {2}DB_PASSWORD=\*{6}$/m);
    assert.match(secretive, /^ {2}REGION=eu$/m);
    assert.match(secretive, /^Runs:\s+0$/m);
    const data = parse((await run(['pool', 'describe', 'secretive', '-o', 'yaml'])).stdout);
    assert.deepEqual([data.metadata.namespace, data.spec.env, data.runs.pending], [namespace, { DB_PASSWORD: '******', REGION: 'eu' }, 0]);
    assert.doesNotMatch(JSON.stringify(data), /hunter2/);
    assert.equal((await run(['pool', 'describe', 'nowhere'])).stderr, 'error: Pool "nowhere" not found\n');
    assert.deepEqual(names((await run(['pool', 'list', '-o', 'wide'])).stdout), ['NAME', 'p', 'secretive']);
  });

  test('run delete reports each name (deleted / not found / live) and exits 1 when any was not deleted', async () => {
    await setStatus('c-alpha', { phase: 'stopped', outcome: 'succeeded' });
    const result = await run(['run', 'delete', 'ghost', 'c-alpha', 'c-zulu']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, 'run/c-alpha deleted\n');
    assert.equal(result.stderr, 'error: Run "ghost" not found\nerror: run "c-zulu" is running; cancel it and wait for it to stop before deleting it\n');
    assert.equal(await store.getRun('c-alpha'), null);
    // With a selector, the stopped runs among the matching ones are deleted; live ones are not targets.
    assert.deepEqual(await run(['run', 'delete', '-l', 'app=sorted']), { code: 0, stdout: 'run/c-mike deleted\n', stderr: '' });
    assert.ok(await store.getRun('c-zulu'));
  });
});
