/**
 * Redis that misbehaves, against the CLI binary and controller processes:
 * - a server that accepts connections and never answers fails the CLI (exit 1, a clear message) and a
 *   controller's start-up (exit 1) within their bounds instead of hanging;
 * - a rediss:// URL against the plain test Redis fails clearly ("TLS handshake failed"), not retried forever;
 * - an outage after start (the controller reaches Redis through a proxy the test mutes, then takes down)
 *   turns /readyz to 503 and back to 200 once Redis returns, runs complete afterwards, and every line the
 *   controller wrote on stdout and stderr is JSON (no multi-line dumps from BullMQ or ioredis).
 * Timeouts of the tests are bounds against hanging, never assertions on timing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { cli, collect, startCli } from './cli-run.js';
import { Harness, QUICK_PHASES, Replica, pool, run, startHarness, waitStopped } from './controller-harness.js';
import { startMuteServer, MuteServer } from '../helpers/mute-redis.js';
import { startRedisProxy, RedisProxy } from '../helpers/redis-proxy.js';
import { deleteNamespaceKeys, testRedis, TEST_REDIS_URL, uniqueNamespace } from '../helpers/redis-namespace.js';
import { ResourceStore } from '../../controller/store/index.js';
import { until } from '../helpers/until.js';

/** The test Redis addressed with rediss:// (it speaks plain TCP) and a password that must never be shown. */
const TLS_AGAINST_PLAIN = TEST_REDIS_URL.replace(/^redis:\/\/([^@]*@)?/, 'rediss://:hunter2@');

function controllerArgs(): string[] {
  const self = fileURLToPath(import.meta.url);
  return self.endsWith('.ts')
    ? ['--import', 'tsx', fileURLToPath(new URL('../../cmd/longshore.ts', import.meta.url)), 'controller']
    : [fileURLToPath(new URL('../../cmd/longshore.js', import.meta.url)), 'controller'];
}

/** Runs `longshore controller` until it exits on its own; its exit code and everything it wrote. */
async function controllerUntilExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, controllerArgs(), {
    env: {
      ...process.env, LONGSHORE_METRICS_PORT: '0', LONGSHORE_NAMESPACE: uniqueNamespace('test-e2e'),
      AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** Every non-empty line parsed as JSON; fails naming the first line that is not. */
function jsonLines(output: string): Array<Record<string, unknown>> {
  return output.split('\n').filter((line) => line.trim() !== '').map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      assert.fail(`a line that is not JSON: ${line.slice(0, 300)}`);
    }
  });
}

describe('run watch when Redis falls silent mid-watch', () => {
  let proxy: RedisProxy;
  before(async () => {
    proxy = await startRedisProxy(TEST_REDIS_URL);
  });
  after(async () => {
    await proxy.close();
  });

  test('the watch ends with exit 1 and says Redis stopped answering, instead of waiting silently', { timeout: 90_000 }, async () => {
    const child = startCli(uniqueNamespace(), ['run', 'watch'], { REDIS_URL: proxy.url });
    const result = collect(child);
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    // The empty listing is printed once the initial list answered: the watch is now in its read loop.
    await until(() => stdout.includes('No runs found.'), { timeoutMs: 20_000, what: 'the initial listing' });
    proxy.setMode('mute');
    const { code, stderr } = await result;
    assert.equal(code, 1, stderr);
    assert.match(stderr, /accepted the connection but did not answer|cannot reach Redis/);
  });

  test('run wait ends with exit 1 (not 3, not a hang) when Redis falls silent while it waits', { timeout: 90_000 }, async () => {
    const namespace = uniqueNamespace();
    const redis = testRedis();
    const store = new ResourceStore(redis, { namespace });
    try {
      proxy.setMode('open');
      await store.submit([pool('p'), run('waited', { pool: 'p' })], { mode: 'apply' });
      // The timeout is far beyond the CLI's Redis bounds: only the silence can end this wait.
      const child = startCli(namespace, ['run', 'wait', 'waited', '--for=outcome=succeeded', '--timeout', '10m'], { REDIS_URL: proxy.url });
      const result = collect(child);
      // The run is pending, so the wait is in its feed loop once it has read the run: mute then.
      await until(async () => String(await redis.client('LIST')).includes('name=longshore-cli-watch'), { timeoutMs: 20_000, what: 'the wait reading the feed' });
      proxy.setMode('mute');
      const { code, stderr } = await result;
      assert.equal(code, 1, stderr);
      assert.match(stderr, /^error: Redis at \S+ accepted the connection but did not answer within \d+ s/);
    } finally {
      proxy.setMode('open');
      await deleteNamespaceKeys(redis, namespace);
      await redis.quit();
    }
  });
});

describe('the CLI against a misbehaving Redis', () => {
  let mute: MuteServer;
  before(async () => {
    mute = await startMuteServer();
  });
  after(async () => {
    await mute.close();
  });

  test('a server that never answers: exit 1 with a message saying so', { timeout: 60_000 }, async () => {
    const result = await cli(uniqueNamespace(), ['run', 'list'], { env: { REDIS_URL: mute.url } });
    assert.equal(result.code, 1, result.stderr);
    assert.ok(mute.accepted() > 0, 'the CLI did connect');
    assert.match(result.stderr, new RegExp(`^error: Redis at ${mute.url.replace(/[.:/]/g, '\\$&')}/? accepted the connection but did not answer within \\d+ s`));
  });

  test('version against a server that never answers: the client line, then exit 1 saying so', { timeout: 60_000 }, async () => {
    const result = await cli(uniqueNamespace(), ['version'], { env: { REDIS_URL: mute.url } });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^Client Version: \d+\.\d+\.\d+ \(revision \S+, node v[\d.]+\)\n$/);
    assert.match(result.stderr, /^error: Redis at \S+ accepted the connection but did not answer within \d+ s/);
  });

  test('rediss:// against a plain server: exit 1, "TLS handshake failed", password redacted', { timeout: 60_000 }, async () => {
    const result = await cli(uniqueNamespace(), ['run', 'list'], { env: { REDIS_URL: TLS_AGAINST_PLAIN } });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^error: Redis at rediss:\/\/:%5Bredacted%5D@\S+: TLS handshake failed — is the server TLS-enabled\?/);
    assert.doesNotMatch(result.stderr, /hunter2/);
  });
});

describe('controller start-up against a misbehaving Redis', () => {
  let mute: MuteServer;
  before(async () => {
    mute = await startMuteServer();
  });
  after(async () => {
    await mute.close();
  });

  const bounds = { LONGSHORE_REDIS_STARTUP_TIMEOUT_SECONDS: '3', LONGSHORE_REDIS_COMMAND_TIMEOUT_SECONDS: '1', LONGSHORE_REDIS_CONNECT_TIMEOUT_SECONDS: '1' };

  test('a server that never answers: exit 1 after the start-up bound, the reason logged as JSON', { timeout: 60_000 }, async () => {
    const { code, output } = await controllerUntilExit({ REDIS_URL: mute.url, ...bounds });
    assert.equal(code, 1, output);
    const fatal = jsonLines(output).find((line) => line.level === 'fatal');
    assert.match(String((fatal?.err as { message?: string } | undefined)?.message), /Redis did not answer within 3 s of start-up: Redis at \S+ accepted the connection but did not answer/);
  });

  test('rediss:// against a plain server: exit 1 saying the TLS handshake failed', { timeout: 60_000 }, async () => {
    const { code, output } = await controllerUntilExit({ REDIS_URL: TLS_AGAINST_PLAIN, ...bounds });
    assert.equal(code, 1, output);
    const fatal = jsonLines(output).find((line) => line.level === 'fatal');
    assert.match(String((fatal?.err as { message?: string } | undefined)?.message), /TLS handshake failed — is the server TLS-enabled\?/);
    assert.doesNotMatch(output, /hunter2/);
  });
});

describe('a Redis outage while the controller runs', () => {
  let h: Harness;
  let proxy: RedisProxy;
  let replica: Replica;
  const readyz = async () => {
    const response = await fetch(`http://127.0.0.1:${replica.metricsPort}/readyz`).catch(() => undefined);
    return response?.status;
  };

  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
    proxy = await startRedisProxy(TEST_REDIS_URL);
    replica = await h.startReplica('through-proxy', { REDIS_URL: proxy.url, LONGSHORE_LOG_LEVEL: 'info', LONGSHORE_REDIS_COMMAND_TIMEOUT_SECONDS: '2' });
  });
  after(async () => {
    await h.close();
    await proxy.close();
  });

  test('not ready while Redis is silent or gone, ready and working after, and the log stays JSON', { timeout: 180_000 }, async () => {
    const output = () => replica.output();
    proxy.setMode('mute');
    await until(async () => (await readyz()) === 503, { timeoutMs: 30_000, intervalMs: 200, what: 'readyz 503 while Redis is muted' });

    const beforeDown = output().length;
    proxy.setMode('down');
    // Repeated connection errors are logged once per interval whichever connection saw them first, so any
    // connection's line counts; what matters is that the outage is logged, as JSON.
    await until(() => /"msg":"redis connection error"/.test(output().slice(beforeDown)), {
      timeoutMs: 30_000, intervalMs: 200, what: () => `a Redis connection error logged while Redis is down:\n${output().slice(-2000)}`,
    });
    assert.equal(await readyz(), 503);

    proxy.setMode('open');
    await until(async () => (await readyz()) === 200, { timeoutMs: 60_000, intervalMs: 200, what: () => `readyz 200 after Redis returned:\n${output().slice(-2000)}` });

    // The replica still does its work: a run submitted after the outage completes.
    await h.store.submit([pool('jobs'), run('after-outage', { pool: 'jobs', env: { SIM_RUN_SECONDS: '1' } })], { mode: 'apply' });
    const runs = await waitStopped(h.store, ['after-outage'], 60_000);
    assert.equal(runs.get('after-outage')?.status.outcome, 'succeeded');

    assert.equal(await replica.stop(), 0);
    const lines = jsonLines(output());
    // Repeats are counted, not printed: each logged error line says how many of its kind it stands for.
    const errors = lines.filter((line) => line.msg === 'redis connection error' || line.msg === 'queue error' || line.msg === 'worker error');
    assert.ok(errors.length > 0);
    assert.ok(errors.every((line) => typeof line.repeats === 'number'), 'every throttled line counts its repeats');
    assert.ok(lines.some((line) => line.msg === 'redis connection restored'));
  });
});
