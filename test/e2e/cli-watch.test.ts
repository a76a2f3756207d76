import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { RedisClient } from '../../controller/redis.js';
import { ResourceStore } from '../../controller/store/index.js';
import type { RunStatus } from '../../controller/api/index.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';
import { collect, startCli } from './cli-run.js';

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
