/**
 * `longshore controller` as a process: invalid configuration is refused before anything starts, with a
 * message naming the variable; a running replica serves its endpoints and exits 0 on SIGTERM.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from '../helpers/until.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Harness, startHarness } from './controller-harness.js';

function cli(): string[] {
  const self = fileURLToPath(import.meta.url);
  return self.endsWith('.ts')
    ? ['--import', 'tsx', fileURLToPath(new URL('../../cmd/longshore.ts', import.meta.url))]
    : [fileURLToPath(new URL('../../cmd/longshore.js', import.meta.url))];
}

describe('longshore controller process', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test('invalid configuration exits 2 with one JSON line naming every bad variable', async () => {
    const child = spawn(process.execPath, [...cli(), 'controller', '--metrics-port', 'abc'], {
      env: { ...process.env, LONGSHORE_BUDGET_CLUSTER_RESOURCE_MODIFY: 'lots' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 2);
    // One JSON line, like everything else the controller writes.
    const lines = stderr.trim().split('\n').map((line) => JSON.parse(line) as { level: string; msg: string; error: string });
    assert.equal(lines.length, 1, stderr);
    assert.equal(lines[0].level, 'fatal');
    assert.equal(lines[0].msg, 'invalid configuration');
    assert.match(lines[0].error, /LONGSHORE_METRICS_PORT: expected an integer port from 0 to 65535, got "abc"/);
    assert.match(lines[0].error, /LONGSHORE_BUDGET_CLUSTER_RESOURCE_MODIFY: expected <burst>\/<refill per second>.*got "lots"/);
  });

  test('an unreachable Redis ends the process with exit 1 and a redacted URL', async () => {
    // On the cluster test step the unreachable target is a cluster whose only seed node is not there.
    const cluster = process.env.REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: '127.0.0.1:1' } : {};
    const child = spawn(process.execPath, [...cli(), 'controller', '--metrics-port', '0'], {
      env: { ...process.env, REDIS_URL: 'redis://:hunter2@127.0.0.1:1', ...cluster, LONGSHORE_REDIS_STARTUP_TIMEOUT_SECONDS: '2', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.match(output, /did not answer/);
    if (process.env.REDIS_CLUSTER_NODES) assert.match(output, /Redis Cluster at 127\.0\.0\.1:1/);
    assert.doesNotMatch(output, /hunter2/);
  });

  test('a replica serves health, readiness and metrics, and exits 0 on SIGTERM', async () => {
    const replica = await h.startReplica('solo');
    const base = `http://127.0.0.1:${replica.metricsPort}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.deepEqual(await (await fetch(`${base}/readyz`)).json(), { ready: true, checks: { redis: true, workers: true } });
    const labels = `longshore_namespace="${h.namespace}",longshore_replica="solo"`;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    // AWS call series start at 0 for the controller's own account-region (AWS_REGION of the harness: us-east-1).
    assert.ok(metrics.includes(`\nlongshore_ecs_api_calls_total{action="RunTask",outcome="success",region="us-east-1",account="default",${labels}} 0\n`), metrics);
    // The only replica is elected to export the store gauges; its first tick may still be under way.
    await until(async () => /^longshore_queue_jobs\{queue="reconcile-run",state="waiting",[^}]*\} \d+$/m.test(await (await fetch(`${base}/metrics`)).text()),
      { timeoutMs: 10_000, intervalMs: 100, what: 'the store gauges' });
    assert.equal(await replica.stop(), 0);
  });
});
