/**
 * The CLI's output as a shell user meets it: a pipe closed early (`| head`), the output formats
 * (-o wide|name|json|yaml, --no-headers, --sort-by, `kind: List`), namespaces (-n, -A) and per-name
 * reports of `run delete`. Against the real Redis, through the built binary.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Redis } from 'ioredis';
import { ResourceStore } from '../../controller/store/index.js';
import { deleteNamespaceKeys, testRedis, TEST_REDIS_URL, uniqueNamespace } from '../helpers/redis-namespace.js';
import { CLI } from './cli-run.js';

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
  let redis: Redis;
  let store: ResourceStore;
  const namespace = uniqueNamespace('test-cli-out');

  before(async () => {
    redis = testRedis();
    store = new ResourceStore(redis, { namespace });
    await store.submit([pool('p'), ...Array.from({ length: 400 }, (_, i) => runDoc(`bulk-${String(i).padStart(3, '0')}`, { app: 'bulk' }))]);
  });
  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
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
});
