import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import type { RedisClient } from '../../controller/redis.js';
import { ResourceStore } from '../../controller/store/index.js';
import type { RunStatus } from '../../controller/api/index.js';
import { deleteNamespaceKeys, testRedis, TEST_REDIS_URL, uniqueNamespace } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';
import { CLI, collect, startCli } from './cli-run.js';

const V = 'longshore.dev/v1alpha1';

/** Resolves once the child's stdout contains `text` (the watch has printed its first table). */
function waitForOutput(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.on('close', () => reject(new Error(`exited before printing ${JSON.stringify(text)}; saw ${JSON.stringify(seen)}`)));
  });
}

describe('longshore run watch', () => {
  let redis: RedisClient;
  let store: ResourceStore;
  const namespace = uniqueNamespace('test-cli-watch');
  before(async () => {
    redis = testRedis();
    store = new ResourceStore(redis, { namespace });
    await store.submit([
      { apiVersion: V, kind: 'Pool', metadata: { name: 'p' }, spec: { taskDefinition: {} } },
      ...['w-1', 'w-2', 'other'].map((name) => ({ apiVersion: V, kind: 'Run', metadata: { name, labels: { app: name === 'other' ? 'x' : 'w' } }, spec: { pool: 'p' } })),
    ]);
  });
  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
  });

  async function setPhase(name: string, phase: RunStatus['phase'], outcome?: RunStatus['outcome']): Promise<void> {
    const current = await store.getRun(name);
    await store.updateRunStatus(name, { status: { phase, ...(outcome ? { outcome } : {}), attempts: [], conditions: [], observedGeneration: 1 } }, current!.metadata.resourceVersion);
  }

  test('--until-done follows the change feed and exits 0 once every selected run has stopped', async () => {
    const child = startCli(namespace, ['run', 'watch', '-l', 'app=w', '--until-done']);
    const result = collect(child);
    await waitForOutput(child, 'w-2');
    await setPhase('w-1', 'running');
    // Changes arriving together are shown once, in their latest state: wait so this one is seen alone.
    await waitForOutput(child, 'running');
    await setPhase('other', 'stopped', 'failed');
    await setPhase('w-1', 'stopped', 'succeeded');
    await setPhase('w-2', 'stopped', 'cancelled');
    const { code, stdout, stderr } = await result;
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split('\n');
    assert.match(lines[0], /^NAME\s+POOL\s+PHASE/);
    assert.deepEqual(lines.slice(1, 3).map((l) => l.split(/\s+/).slice(0, 3)), [['w-1', 'p', 'pending'], ['w-2', 'p', 'pending']]);
    assert.deepEqual(lines.slice(3).map((l) => l.split(/\s+/).slice(0, 4)), [
      ['w-1', 'p', 'running', '-'],
      ['w-1', 'p', 'stopped', 'succeeded'],
      ['w-2', 'p', 'stopped', 'cancelled'],
    ]);
    assert.doesNotMatch(stdout, /other/);
  });

  test('-o json prints one record per line; SIGINT ends the watch cleanly', async () => {
    const child = startCli(namespace, ['run', 'watch', '--pool', 'p', '-o', 'json']);
    const result = collect(child);
    await waitForOutput(child, '"name":"w-2"');
    await store.createRun({ apiVersion: V, kind: 'Run', metadata: { name: 'late' }, spec: { pool: 'p' } });
    await waitForOutput(child, '"name":"late"');
    child.kill('SIGINT');
    const { code, stdout } = await result;
    assert.equal(code, 0);
    const names = stdout.trim().split('\n').map((l) => (JSON.parse(l) as { metadata: { name: string } }).metadata.name);
    assert.deepEqual(names, ['other', 'w-1', 'w-2', 'late']);
  });
});

describe('longshore run watch on a terminal (tmux)', () => {
  let redis: RedisClient;
  let store: ResourceStore;
  const namespace = uniqueNamespace('test-cli-tmux');
  // A tmux server of our own (-L), so nothing else's sessions are touched; no user config (-f /dev/null).
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', namespace, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p', '-t', 'watch').replace(/\s+$/, '').split('\n');
  const names = Array.from({ length: 30 }, (_, i) => `tm-${String(i + 1).padStart(2, '0')}`);

  before(async () => {
    redis = testRedis();
    store = new ResourceStore(redis, { namespace });
    await store.submit([
      { apiVersion: V, kind: 'Pool', metadata: { name: 'p' }, spec: { taskDefinition: {} } },
      ...names.map((name) => ({ apiVersion: V, kind: 'Run', metadata: { name, labels: { app: 'tm' } }, spec: { pool: 'p' } })),
    ]);
  });
  after(async () => {
    try {
      tmux('kill-server');
    } catch {
      // Already gone with its last session.
    }
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
  });

  test('more runs than rows: the header stays on the top line and the summary on the last, refresh after refresh', { timeout: 60_000 }, async () => {
    const command = `REDIS_URL='${TEST_REDIS_URL}' LONGSHORE_NAMESPACE='${namespace}' exec '${process.execPath}' '${CLI}' run watch -l app=tm`;
    tmux('new-session', '-d', '-s', 'watch', '-x', '120', '-y', '15', command);
    await until(() => screen().some((l) => l.startsWith('30 runs')), { timeoutMs: 20_000, intervalMs: 100, what: () => `the first frame:\n${screen().join('\n')}` });
    for (const name of names.slice(0, 5)) {
      const current = await store.getRun(name);
      await store.updateRunStatus(name, { status: { phase: 'running', attempts: [], conditions: [], observedGeneration: 1 } }, current!.metadata.resourceVersion);
      // Each change is its own refresh: wait until this one is on the screen.
      await until(() => screen().some((l) => new RegExp(`^${name}\\s+p\\s+running`).test(l)), { timeoutMs: 20_000, intervalMs: 100, what: () => `${name} running:\n${screen().join('\n')}` });
    }
    const lines = screen();
    assert.equal(lines.length, 15, lines.join('\n'));
    assert.match(lines[0], /^NAME\s+POOL\s+PHASE\s+OUTCOME\s+ATTEMPTS\s+AGE\s+MESSAGE$/);
    assert.match(lines[1], /^tm-01\s+p\s+running/);
    assert.match(lines[13], /^… 18 more \(make the terminal taller/);
    assert.equal(lines[14], '30 runs (pending 25, running 5) — ctrl-c to stop');
  });
});

