/**
 * The API as users run it: `longshore token create` (the bootstrap, straight in Redis), `longshore api`
 * as its own process (plain HTTP and TLS), graceful shutdown with a watch open, a clear exit for half a
 * TLS configuration; and the API inside a controller process (LONGSHORE_API_ENABLED) driving a run on
 * the simulator from submit to stopped, and a cancel.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../cmd/replicas.js';
import { deleteNamespaceKeys, TEST_REDIS_URL, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';
import { CLI, collect, startCli } from './cli-run.js';
import { pool, run, startHarness, type Harness } from './controller-harness.js';

function fixture(name: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, 'test', 'fixtures', 'api-tls', name);
    if (existsSync(path)) return path;
  }
  throw new Error(`fixture ${name} not found`);
}

interface ApiProcess {
  child: ChildProcess;
  url: string;
  output(): string;
}

async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'api'], {
    env: { ...process.env, REDIS_URL: TEST_REDIS_URL, LONGSHORE_API_PORT: String(port), LONGSHORE_LOG_LEVEL: 'info', LONGSHORE_SHUTDOWN_GRACE_SECONDS: '5', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await until(() => {
    if (child.exitCode !== null) throw new Error(`api exited with ${child.exitCode}:\n${output}`);
    return output.includes('API serving');
  }, { timeoutMs: 30_000, what: () => `the API to serve:\n${output}` });
  const scheme = env.LONGSHORE_API_TLS_CERT_FILE ? 'https' : 'http';
  return { child, url: `${scheme}://127.0.0.1:${port}`, output: () => output };
}

const V = 'longshore.dev/v1alpha1';

describe('longshore api and longshore token, as processes', { timeout: 120_000 }, () => {
  const namespace = uniqueNamespace('test-api-e2e');
  const redis = testRedis();
  let admin = '';
  let api: ApiProcess;
  before(async () => {
    const created = await collect(startCli(namespace, ['token', 'create', '--role', 'admin', '--namespace', namespace, '--description', 'e2e']));
    assert.equal(created.code, 0, created.stderr);
    admin = created.stdout.trim();
    assert.match(admin, /^lst_[0-9a-f]{12}_/);
    api = await startApiProcess({});
  });
  after(async () => {
    if (api.child.exitCode === null) api.child.kill('SIGKILL');
    await collect(startCli(namespace, ['token', 'revoke', admin.split('_')[1]]));
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
  });

  const call = (method: string, path: string, body?: unknown, token = admin) =>
    fetch(`${api.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const ns = (rest: string) => `/apis/longshore.dev/v1alpha1/namespaces/${namespace}/${rest}`;

  test('token list shows the token without its secret; the token creates a pool and a run through the API process', async () => {
    const list = await collect(startCli(namespace, ['token', 'list']));
    assert.equal(list.code, 0);
    assert.match(list.stdout, new RegExp(admin.split('_')[1]));
    // lst_<id>_<secret>: the secret is base64url, which may itself hold '_'.
    assert.ok(!list.stdout.includes(admin.slice(admin.indexOf('_', 4) + 1)));
    assert.equal((await call('PUT', ns('pools/p1'), { apiVersion: V, kind: 'Pool', metadata: { name: 'p1' }, spec: { image: 'busybox', taskDefinition: { networkMode: 'awsvpc' } } })).status, 201);
    const created = await call('POST', ns('runs'), { apiVersion: V, kind: 'Run', metadata: { name: 'r1' }, spec: { pool: 'p1' } });
    assert.equal(created.status, 201);
    const got = (await (await call('GET', ns('runs/r1'))).json()) as { status: { phase: string } };
    assert.equal(got.status.phase, 'pending');
    const openapi = await fetch(`${api.url}/openapi/v3`);
    assert.equal(((await openapi.json()) as { openapi: string }).openapi, '3.1.0');
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    assert.match(metrics, /longshore_api_requests_total\{route="\/apis\/longshore.dev\/v1alpha1\/namespaces\/\{namespace\}\/runs",method="POST",code="201",role="admin"\} 1/);
    assert.match(metrics, /longshore_api_request_duration_seconds_bucket/);
    assert.equal((await fetch(`${api.url}/readyz`)).status, 200);
  });

  test('a revoked token is refused at once', async () => {
    const made = await collect(startCli(namespace, ['token', 'create', '--role', 'viewer', '--expires', '1h']));
    const viewer = made.stdout.trim();
    assert.equal((await call('GET', ns('runs'), undefined, viewer)).status, 200);
    const revoked = await collect(startCli(namespace, ['token', 'revoke', viewer.split('_')[1]]));
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await call('GET', ns('runs'), undefined, viewer)).status, 401);
    const bad = await collect(startCli(namespace, ['token', 'create', '--role', 'viewer', '--expires', 'soon']));
    assert.equal(bad.code, 2);
  });

  test('SIGTERM: an open watch ends, the process exits 0 and stops accepting', async () => {
    const watch = await fetch(`${api.url}${ns('runs')}?watch=true&resourceVersion=1`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(watch.status, 200);
    const reader = watch.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    // The watch is streaming (its first event arrived) before the signal.
    while (!text.includes('"ADDED"')) {
      const { value, done } = await reader.read();
      assert.equal(done, false, 'the watch ended before its first event');
      text += decoder.decode(value, { stream: true });
    }
    const exited = once(api.child, 'exit');
    api.child.kill('SIGTERM');
    // The server ends the stream: the read loop finishes instead of waiting for ever.
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    await exited;
    assert.equal(api.child.exitCode, 0, api.output());
    await assert.rejects(fetch(`${api.url}/healthz`));
  });

  test('TLS: with a certificate and key the API serves HTTPS', async () => {
    const tls = await startApiProcess({ LONGSHORE_API_TLS_CERT_FILE: fixture('cert.pem'), LONGSHORE_API_TLS_KEY_FILE: fixture('key.pem') });
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(`${tls.url}${ns('runs')}`, { ca: readFileSync(fixture('cert.pem')), headers: { authorization: `Bearer ${admin}` } }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 200);
      assert.equal((JSON.parse(body) as { kind: string }).kind, 'RunList');
      await assert.rejects(fetch(`${tls.url.replace('https', 'http')}/healthz`).then((r) => (r.ok ? Promise.reject(new Error('plain HTTP answered')) : r)));
    } finally {
      tls.child.kill('SIGTERM');
      await once(tls.child, 'exit');
    }
  });

  test('half a TLS configuration is a configuration error (exit 2, both variables named)', async () => {
    const result = await collect(spawn(process.execPath, [CLI, 'api'], {
      env: { ...process.env, REDIS_URL: TEST_REDIS_URL, LONGSHORE_API_TLS_CERT_FILE: fixture('cert.pem') },
      stdio: ['pipe', 'pipe', 'pipe'],
    }));
    assert.equal(result.code, 2);
    assert.match(result.stderr, /LONGSHORE_API_TLS_CERT_FILE and LONGSHORE_API_TLS_KEY_FILE/);
  });
});

describe('the API inside a controller process, on the simulator', { timeout: 180_000 }, () => {
  let h: Harness;
  let url = '';
  let token = '';
  const redis = testRedis();
  let tokenId = '';
  before(async () => {
    h = await startHarness();
    const port = await freePort();
    await h.startReplica('replica-api', { LONGSHORE_API_ENABLED: 'true', LONGSHORE_API_PORT: String(port) });
    url = `http://127.0.0.1:${port}`;
    const made = await collect(startCli(h.namespace, ['token', 'create', '--role', 'operator', '--namespace', h.namespace]));
    token = made.stdout.trim();
    tokenId = token.split('_')[1];
  });
  after(async () => {
    await collect(startCli(h.namespace, ['token', 'revoke', tokenId]));
    await h.close();
    await redis.quit();
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${url}/apis/longshore.dev/v1alpha1/namespaces/${h.namespace}/${path}`, {
      method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}),
    });

  test('a run submitted through the API is watched from pending to succeeded; a cancelled one ends cancelled', async () => {
    assert.equal((await call('PUT', 'pools/jobs', pool('jobs'))).status, 201);
    const list = (await (await call('GET', 'runs')).json()) as { metadata: { resourceVersion: string } };
    const created = await call('POST', 'runs', { kind: 'List', items: [run('quick', { pool: 'jobs', env: { SIM_RUN_SECONDS: '1' } }), run('long', { pool: 'jobs', env: { SIM_RUN_SECONDS: '600' } })] });
    assert.equal(created.status, 201);
    const watch = await call('GET', `runs?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
    assert.equal(watch.status, 200);
    const reader = watch.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const outcomes = new Map<string, string>();
    const phases = new Map<string, string[]>();
    let cancelled = false;
    while (outcomes.size < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const event = JSON.parse(buffer.slice(0, newline)) as { object: { metadata: { name: string }; status: { phase: string; outcome?: string } } };
        buffer = buffer.slice(newline + 1);
        const { name } = event.object.metadata;
        const seen = phases.get(name) ?? [];
        if (seen.at(-1) !== event.object.status.phase) seen.push(event.object.status.phase);
        phases.set(name, seen);
        if (event.object.status.outcome) outcomes.set(name, event.object.status.outcome);
        if (name === 'long' && event.object.status.phase === 'running' && !cancelled) {
          cancelled = true;
          assert.equal((await call('POST', 'runs/long/cancel', { reason: 'e2e' })).status, 202);
        }
      }
    }
    await reader.cancel();
    assert.equal(outcomes.get('quick'), 'succeeded');
    assert.equal(outcomes.get('long'), 'cancelled');
    assert.deepEqual(phases.get('quick')?.[0], 'pending');
    // Phases seen in order (a watch may coalesce quick successive writes, never reorder them).
    assert.ok(phases.get('long')?.includes('running'), JSON.stringify([...phases]));
    assert.equal(phases.get('quick')?.at(-1), 'stopped');
  });
});
