/**
 * The controller's output is JSON lines only, and a repeating error does not flood it: a replica started
 * while Redis is unreachable (through a proxy the test keeps down until clients have tried many times), then
 * reachable, writes on stdout and stderr only lines that parse as JSON — the AWS SDK's Node.js version notice
 * (not disabled here), ioredis and BullMQ errors included — and far fewer lines than connection attempts.
 * The run submitted afterwards shows the replica works. Timeouts are bounds against hanging, not assertions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../cmd/replicas.js';
import { Harness, QUICK_PHASES, pool, run, startHarness, waitStopped } from './controller-harness.js';
import { startRedisProxy, RedisProxy } from '../helpers/redis-proxy.js';
import { TEST_REDIS_TARGET, TEST_REDIS_URL } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';

/** Connection attempts the proxy turns away before Redis "comes back": a raw log would show each. */
const REFUSED_BEFORE_RETURN = 40;
/** The most lines the whole scenario may write: start, one line per kind of error per interval, restore, stop. */
const MAX_LINES = 60;

function controllerArgs(): string[] {
  const self = fileURLToPath(import.meta.url);
  return self.endsWith('.ts')
    ? ['--import', 'tsx', fileURLToPath(new URL('../../cmd/longshore.ts', import.meta.url)), 'controller']
    : [fileURLToPath(new URL('../../cmd/longshore.js', import.meta.url)), 'controller'];
}

describe('the controller log through a Redis outage at start', () => {
  let h: Harness;
  let proxy: RedisProxy;
  let child: ChildProcess | undefined;

  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
    // On a Redis Cluster the proxy stands in for the one seed node: while it is down the replica cannot load
    // the slot map (its errors are what is counted), once open the replica learns the masters and uses them.
    const seed = TEST_REDIS_TARGET.clusterNodes?.[0];
    proxy = await startRedisProxy(seed ? `redis://${seed.host}:${seed.port}` : TEST_REDIS_URL);
  });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await h.close();
    await proxy.close();
  });

  test('every line on stdout and stderr is JSON, and the count of lines stays bounded', { timeout: 180_000 }, async () => {
    proxy.setMode('down');
    const metricsPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: proxy.url, ...(TEST_REDIS_TARGET.clusterNodes ? { REDIS_CLUSTER_NODES: new URL(proxy.url).host } : {}), LONGSHORE_NAMESPACE: h.namespace, LONGSHORE_REPLICA_ID: 'json-log', LONGSHORE_METRICS_PORT: String(metricsPort),
      AWS_ENDPOINT_URL: h.sim.url, AWS_REGION: h.sim.region, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
      LONGSHORE_BUDGET_TIME_SCALE: String(h.sim.timeScale), LONGSHORE_RESYNC_INTERVAL_SECONDS: '0.3',
      LONGSHORE_SHUTDOWN_GRACE_SECONDS: '5', LONGSHORE_LOG_LEVEL: 'info', LONGSHORE_REDIS_STARTUP_TIMEOUT_SECONDS: '120',
    };
    // The SDK's notice must be routed through the log, not switched off.
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const controller = spawn(process.execPath, controllerArgs(), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = controller;
    let output = '';
    controller.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    controller.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(controller, 'exit');

    await until(() => {
      if (controller.exitCode !== null) throw new Error(`the controller exited with ${controller.exitCode}:\n${output}`);
      return proxy.refused() >= REFUSED_BEFORE_RETURN;
    }, { timeoutMs: 90_000, intervalMs: 100, what: () => `${REFUSED_BEFORE_RETURN} refused Redis connections (${proxy.refused()} so far)` });
    proxy.setMode('open');
    await until(() => fetch(`http://127.0.0.1:${metricsPort}/readyz`).then((r) => r.ok, () => false), {
      timeoutMs: 60_000, intervalMs: 200, what: () => `readyz 200 once Redis is reachable:\n${output.slice(-2000)}`,
    });
    // Work goes through AWS calls too (the SDK client is in use, its notice has had its chance).
    await h.store.submit([pool('jobs'), run('after-start', { pool: 'jobs', env: { SIM_RUN_SECONDS: '1' } })], { mode: 'apply' });
    const runs = await waitStopped(h.store, ['after-start'], 60_000);
    assert.equal(runs.get('after-start')?.status.outcome, 'succeeded');
    controller.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);

    const lines = output.split('\n').filter((line) => line.trim() !== '');
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return assert.fail(`a line that is not JSON: ${line.slice(0, 300)}`);
      }
    });
    assert.ok(lines.length <= MAX_LINES, `${lines.length} lines for ${proxy.refused()} refused connections:\n${output.slice(0, 4000)}`);
    assert.ok(lines.length < proxy.refused(), 'fewer lines than connection attempts');
    const errors = parsed.filter((line) => line.level === 'warn' || line.level === 'error');
    assert.ok(errors.some((line) => line.msg === 'redis connection error'), 'the outage is logged');
    assert.ok(parsed.filter((line) => line.msg === 'redis connection error').every((line) => typeof line.repeats === 'number'));
    assert.ok(parsed.some((line) => line.msg === 'controller stopped'));
    if (Number(process.versions.node.split('.')[0]) < 22) {
      // This Node.js is older than the SDK's coming minimum: its notice is one JSON warning line.
      const notices = parsed.filter((line) => line.msg === 'process warning' && /NodeVersionSupportWarning/.test(String(line.detail)));
      assert.equal(notices.length, 1, output.slice(0, 4000));
    }
  });
});
