/**
 * streamOutput across replicas, with real Redis leases: of two replicas scanning the same run, exactly one
 * forwards its lines; when it finishes the lease and progress are gone; a replica that stops hands the run
 * over with its progress, and the next one skips what was already forwarded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { RedisClient } from '../../controller/redis.js';
import { redisOutputLeases } from '../../controller/logs/output-lease.js';
import { startOutputForwarding, type OutputStore } from '../../controller/logs/stream-output.js';
import type { RunLogLine, RunLogRequest, RunLogSource } from '../../controller/logs/types.js';
import { keyspace } from '../../controller/store/index.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';
import { newPool, newRunRecord } from '../unit/run-builders.js';

function capture() {
  const entries: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { for (const l of chunk.toString().split('\n').filter(Boolean)) entries.push(JSON.parse(l) as Record<string, unknown>); done(); } });
  return { entries, logger: pino({ level: 'info' }, stream) };
}

describe('streamOutput forwarding by lease', () => {
  let redis: RedisClient;
  const namespace = uniqueNamespace('test-output');
  const ks = keyspace(namespace);
  const pool = newPool({ streamOutput: true, cloudwatchLogs: { enabled: true }, executionRoleArn: 'arn:aws:iam::1:role/x' });
  const run = newRunRecord({}, 'chatty');
  run.status = { ...run.status, phase: 'running', attempts: [{ number: 1, taskArn: 'arn:aws:ecs:us-east-1:1:task/c/t1' }] };
  const store: OutputStore = {
    getRun: async (name) => (name === run.metadata.name ? run : null),
    listPools: async () => ({ items: [pool] }),
    listRuns: async () => ({ items: [run] }),
  };
  /** A run printing lines 0…n-1 (timestamps 1000 + i), then, until released, nothing (still running). */
  function source(lines: number, release: Promise<void>): RunLogSource {
    return {
      async *open(request: RunLogRequest, signal: AbortSignal): AsyncIterable<RunLogLine> {
        for (let i = 0; i < lines; i += 1) yield { timestamp: 1000 + i, message: `line ${i}`, attempt: request.attempt ?? 1, container: 'main' };
        await Promise.race([release, new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
      },
    };
  }
  const leaseKey = (kind: 'output-lease' | 'output-progress', name: string) => ks.key(kind, name);

  before(() => {
    redis = testRedis();
  });
  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
  });

  test('one replica forwards, the other does not; a stopping replica hands over its progress', async () => {
    let release = (): void => undefined;
    const running = new Promise<void>((resolve) => (release = resolve));
    const a = capture();
    const b = capture();
    const start = (holder: string, logger: pino.Logger) => startOutputForwarding({
      namespace, store, source: source(5, running), logger, scanIntervalMs: 60_000,
      leases: redisOutputLeases(redis, leaseKey, holder, 30_000),
    });
    const replicaA = start('replica-a', a.logger);
    const replicaB = start('replica-b', b.logger);
    await replicaA.scan();
    await replicaB.scan();
    await until(async () => a.entries.length + b.entries.length >= 5, { timeoutMs: 5000, intervalMs: 20, what: 'five forwarded lines' });
    assert.deepEqual([replicaA.forwarding(), replicaB.forwarding()], [['chatty'], []]);
    assert.deepEqual(a.entries.map((e) => e.output), ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    assert.ok(a.entries.every((e) => e.msg === 'run output' && e.run === 'chatty' && e.attempt === 1 && e.container === 'main' && e.namespace === namespace));
    assert.equal(b.entries.length, 0);
    assert.equal(await redis.get(leaseKey('output-lease', 'chatty')), 'replica-a');

    await replicaA.stop();
    assert.equal(await redis.get(leaseKey('output-lease', 'chatty')), null, 'the lease is released');
    assert.equal(await redis.get(leaseKey('output-progress', 'chatty')), '1:1004', 'with how far it got');

    // Replica B takes over: the same five lines plus two new ones; only the new ones (and the last one's
    // millisecond) are forwarded again.
    const c = capture();
    const replicaC = startOutputForwarding({
      namespace, store, source: source(7, running), logger: c.logger, scanIntervalMs: 60_000,
      leases: redisOutputLeases(redis, leaseKey, 'replica-c', 30_000),
    });
    await replicaB.stop();
    await replicaC.scan();
    await until(async () => c.entries.length >= 3, { timeoutMs: 5000, intervalMs: 20, what: 'lines after the takeover' });
    assert.deepEqual(c.entries.map((e) => e.output), ['line 4', 'line 5', 'line 6']);

    // The run stops: the forwarder finishes and leaves nothing behind.
    run.status = { ...run.status, phase: 'stopped' };
    release();
    await until(async () => replicaC.forwarding().length === 0, { timeoutMs: 5000, intervalMs: 20, what: 'the forwarder to finish' });
    await replicaC.stop();
    assert.equal(await redis.get(leaseKey('output-lease', 'chatty')), null);
    assert.equal(await redis.get(leaseKey('output-progress', 'chatty')), null);
  });
});
