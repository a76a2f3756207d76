/**
 * A Redis Cluster with TLS and credentials, "as for a single node" (issue 11): REDIS_CLUSTER_NODES names the
 * nodes and REDIS_URL only the scheme and the ACL user, `rediss://longshore:secret@…`. Runs against the
 * TLS-only cluster of scripts/ensure-redis-cluster-tls.sh (ports 7111-7113, `default` user disabled, a
 * self-signed CA), whose nodes LONGSHORE_TEST_REDIS_CLUSTER_TLS_NODES names; scripts/test.sh starts it and
 * sets that. The CA is trusted the way an operator trusts a private CA, with NODE_EXTRA_CA_CERTS: Node
 * reads it at start, so this process must be started with it (scripts/test.sh exports it) and the
 * processes it starts inherit it. The cluster announces its nodes by IP, so this also shows that ioredis
 * checks the certificate against 127.0.0.1 (the script's certificate names it).
 *
 * Covered: both connection roles authenticate over TLS; the store, a BullMQ round trip through the
 * project's queues and workers and a multi-key script of a namespace work; a wrong password, a plain
 * redis:// URL and an untrusted CA each fail in bounded time with an error naming the cause and never the
 * password; a controller process runs runs to success on the cluster and exits 0 on SIGTERM.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Cluster } from 'ioredis';
import { awaitRedis, closeRedis, createRedisConnection, parseClusterNodes, seedNodeError, type RedisClient, type RedisNodeAddress, type RedisTarget } from '../../controller/redis.js';
import { createLogger } from '../../controller/logger.js';
import { defineScript, stringListReply } from '../../controller/redis-scripts.js';
import { ResourceStore } from '../../controller/store/index.js';
import { keyspace } from '../../controller/store/keys.js';
import { closeQueues, createQueues, createWakeUps } from '../../controller/queue/queues.js';
import { startWorkers } from '../../controller/queue/workers.js';
import { createPendingWakeUps } from '../../controller/queue/pending-wake-ups.js';
import { freePort } from '../../cmd/replicas.js';
import { deleteNamespaceKeys, uniqueNamespace } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';
import { Harness, QUICK_PHASES, controllerCommand, pool, run, startHarness, waitStopped } from '../e2e/controller-harness.js';

const NODES_VARIABLE = 'LONGSHORE_TEST_REDIS_CLUSTER_TLS_NODES';
const nodesText = process.env[NODES_VARIABLE];
const skip = nodesText ? false : `needs ${NODES_VARIABLE} and NODE_EXTRA_CA_CERTS (scripts/ensure-redis-cluster-tls.sh prints both; scripts/test.sh sets them)`;
// The script's fixed test user; the password is distinctive so that a leak into any output is found.
const USER = 'longshore';
const PASSWORD = 'secret';
const WRONG_PASSWORD = 'not-the-Pa55word-7f3e';
const TLS_URL = `rediss://${USER}:${PASSWORD}@127.0.0.1`;
const nodes: RedisNodeAddress[] = nodesText ? parseClusterNodes(nodesText) ?? [] : [];
const target = (url: string): RedisTarget => ({ url, clusterNodes: nodes });
const logger = createLogger({ level: 'silent' });
const CLI = fileURLToPath(new URL('../../cmd/longshore.js', import.meta.url));

/** Every key of the namespace in one slot, two of them changed by one script: atomic only if the slot is one node's. */
const SWAP = defineScript('longshoreTestTlsSwap', `
local a = redis.call('GET', KEYS[1])
local b = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[1], b)
redis.call('SET', KEYS[2], a)
return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])}`, stringListReply);

/** Runs a command of ours (the CLI or a controller) to its end; its exit code and everything it printed. */
async function runProcess(args: string[], env: Record<string, string | undefined>, boundMs: number): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
  try {
    await once(child, 'exit');
  } finally {
    clearTimeout(timer);
  }
  return { code: child.exitCode, output, ms: Date.now() - started };
}

/** What a controller against the TLS cluster needs besides the URL (AWS is never reached: Redis fails first). */
async function controllerEnv(url: string): Promise<Record<string, string | undefined>> {
  return {
    REDIS_URL: url, REDIS_CLUSTER_NODES: nodesText, LONGSHORE_NAMESPACE: uniqueNamespace('test-tls'),
    LONGSHORE_REDIS_STARTUP_TIMEOUT_SECONDS: '2', LONGSHORE_REDIS_CONNECT_TIMEOUT_SECONDS: '1', LONGSHORE_METRICS_PORT: String(await freePort()),
    AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

describe('a Redis Cluster with TLS and an ACL user', { skip }, () => {
  const connections: RedisClient[] = [];
  const open = (url: string, name: string, role: 'command' | 'blocking' = 'command', timeouts = { connectMs: 2000, commandMs: 5000 }) => {
    const connection = createRedisConnection(target(url), name, role, timeouts);
    // Failures are asserted through awaitRedis and the probes; without a listener ioredis prints every retry's error.
    connection.on('error', () => undefined);
    connections.push(connection);
    return connection;
  };
  let redis: RedisClient;
  const namespace = uniqueNamespace('test-tls');

  before(async () => {
    assert.ok(nodes.length > 0, `${NODES_VARIABLE}=${nodesText ?? ''}: expected host:port,…`);
    assert.ok(process.env.NODE_EXTRA_CA_CERTS, 'NODE_EXTRA_CA_CERTS must name the cluster\'s CA (scripts/ensure-redis-cluster-tls.sh prints its path)');
    redis = open(TLS_URL, 'test-tls-command');
    const failed = await awaitRedis(redis, 10_000);
    assert.equal(failed, undefined, `the TLS cluster answers: ${String(failed)}`);
  });

  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await closeRedis(...connections);
  });

  test('command and blocking connections are Clusters that authenticate as the ACL user over TLS on every master', async () => {
    const blocking = open(TLS_URL, 'test-tls-blocking', 'blocking');
    for (const connection of [redis, blocking]) {
      assert.ok(connection instanceof Cluster);
      assert.equal(await connection.call('ACL', 'WHOAMI'), USER);
      const masters = connection.nodes('master');
      assert.equal(masters.length, 3, 'the three masters are known');
      for (const node of masters) {
        assert.ok(node.options.tls, `${node.options.host}:${node.options.port} is dialled with TLS`);
        assert.equal(await node.call('ACL', 'WHOAMI'), USER);
      }
    }
    // A blocking read waits and returns on the blocking connection (BullMQ's and the feeds' kind).
    const list = keyspace(namespace).key('tls-list');
    const popped = blocking.blpop(list, 5);
    await redis.rpush(list, 'x');
    assert.deepEqual(await popped, [list, 'x']);
  });

  test('the store writes a run and reads it back', async () => {
    const store = new ResourceStore(redis, { namespace });
    await store.submit([pool('tls-pool'), run('tls-run', { pool: 'tls-pool', env: { A: '1' } })], { mode: 'create' });
    const stored = await store.getRun('tls-run');
    assert.equal(stored?.metadata.name, 'tls-run');
    assert.equal(stored?.spec.pool, 'tls-pool');
    assert.deepEqual(stored?.spec.env, { A: '1' });
  });

  test('a wake-up goes round the project\'s BullMQ queues and workers on blocking connections', async () => {
    const queues = createQueues(redis, namespace, logger);
    const pendingWakeUps = createPendingWakeUps(redis, keyspace(namespace));
    const done: string[] = [];
    const workers = startWorkers({
      namespace, replicaId: 'tls-1', reconcilers: { 'reconcile-run': async (key) => { done.push(key); return {}; } },
      concurrency: { 'reconcile-run': 2, 'register-taskdef': 1, resync: 1 },
      connect: (name) => open(TLS_URL, name, 'blocking'),
      queues, pendingWakeUps, logger,
    });
    try {
      await until(() => workers.started(), { what: 'the workers to run' });
      const wakeUps = createWakeUps(queues, pendingWakeUps);
      for (const key of ['run-a', 'run-b', 'run-c']) await wakeUps.wake('reconcile-run', key);
      await until(() => done.length >= 3, { timeoutMs: 15_000, what: () => `three reconciles (${done.join(', ')})` });
      assert.deepEqual([...done].sort(), ['run-a', 'run-b', 'run-c']);
    } finally {
      await workers.stop(2000);
      await closeQueues(queues);
    }
  });

  test('a script over several keys of the namespace runs atomically on the master owning its slot', async () => {
    const ks = keyspace(namespace);
    await redis.mset(ks.key('left'), 'L', ks.key('right'), 'R');
    assert.deepEqual(await SWAP.run(redis, [ks.key('left'), ks.key('right')], []), ['R', 'L']);
  });

  test('a wrong password is refused: bounded, named as WRONGPASS, the password nowhere', async () => {
    const wrongUrl = `rediss://${USER}:${WRONG_PASSWORD}@127.0.0.1`;
    const wrong = open(wrongUrl, 'test-tls-wrong', 'command', { connectMs: 1000, commandMs: 2000 });
    // ioredis alone says only "Failed to refresh slots cache."; the seed node, asked directly, says why.
    assert.notEqual(await awaitRedis(wrong, 2000, 200), undefined, 'never ready');
    await closeRedis(wrong);
    const seed = await seedNodeError(target(wrongUrl), { connectMs: 1000, commandMs: 2000 });
    assert.match(seed?.error.message ?? '', /^WRONGPASS/);

    // What an operator sees: the controller's last log line and the CLI's error, each in bounded time.
    const controller = await runProcess([...controllerCommand()], await controllerEnv(wrongUrl), 30_000);
    assert.equal(controller.code, 1, controller.output);
    assert.match(controller.output, /"level":"fatal".*Redis did not answer within 2 s of start-up: Redis Cluster at 127\.0\.0\.1:\d+,.*WRONGPASS invalid username-password pair.*check the user and password in REDIS_URL/);
    const cli = await runProcess([CLI, 'pool', 'list'], { REDIS_URL: wrongUrl, REDIS_CLUSTER_NODES: nodesText }, 30_000);
    assert.equal(cli.code, 1, cli.output);
    assert.match(cli.output, /^error: Redis Cluster at .*WRONGPASS/m);
    for (const { output } of [controller, cli]) assert.ok(!output.includes(WRONG_PASSWORD), `the password is not printed:\n${output}`);
  });

  test('a redis:// URL to the TLS-only ports fails within its bounds instead of hanging, and says to use rediss://', async () => {
    const plainUrl = `redis://${USER}:${PASSWORD}@127.0.0.1`;
    const plain = open(plainUrl, 'test-tls-plain', 'command', { connectMs: 1000, commandMs: 2000 });
    const started = Date.now();
    assert.notEqual(await awaitRedis(plain, 2000, 200), undefined, 'never ready');
    await closeRedis(plain);
    const seed = await seedNodeError(target(plainUrl), { connectMs: 1000, commandMs: 2000 });
    assert.ok(seed, 'the seed node refuses plain text');
    assert.ok(Date.now() - started < 2000 + 1000 + 1000, `the probe ends within its connect timeout (${Date.now() - started} ms in all)`);

    const controller = await runProcess([...controllerCommand()], await controllerEnv(plainUrl), 30_000);
    assert.equal(controller.code, 1, controller.output);
    assert.match(controller.output, /"level":"fatal".*REDIS_URL must start with rediss:\/\//);
    assert.ok(controller.ms < 15_000, `the controller gave up after its 2 s start-up bound (${controller.ms} ms)`);
    assert.ok(!controller.output.includes(`:${PASSWORD}@`), 'the URL\'s password is not printed');
  });

  test('a controller that does not trust the CA exits 1 naming the certificate', async () => {
    const controller = await runProcess([...controllerCommand()], { ...(await controllerEnv(TLS_URL)), NODE_EXTRA_CA_CERTS: undefined }, 30_000);
    assert.equal(controller.code, 1, controller.output);
    assert.match(controller.output, /"level":"fatal".*self-signed certificate in certificate chain.*NODE_EXTRA_CA_CERTS/);
  });
});

describe('a controller process on the TLS cluster', { skip }, () => {
  let h: Harness;

  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } }, { redis: createRedisConnection(target(TLS_URL), 'test-tls-harness') });
  });

  after(async () => {
    await h?.close();
  });

  test('runs runs to success and exits 0 on SIGTERM', async () => {
    // The replica inherits NODE_EXTRA_CA_CERTS; these replace any REDIS_* of the test's own environment.
    const replica = await h.startReplica('tls-a', { REDIS_URL: TLS_URL, REDIS_CLUSTER_NODES: nodesText ?? '' });
    await h.store.submit([pool('jobs')], { mode: 'apply' });
    const names = ['tls-1', 'tls-2', 'tls-3', 'tls-4', 'tls-5'];
    await h.store.submit(names.map((name) => run(name, { pool: 'jobs', env: { SIM_RUN_SECONDS: '1' } })), { mode: 'create' });
    const runs = await waitStopped(h.store, names, 60_000);
    for (const name of names) assert.equal(runs.get(name)?.status.outcome, 'succeeded', `${name}: ${runs.get(name)?.status.message ?? ''}`);
    assert.equal(await replica.stop(), 0, replica.output());
    assert.ok(!replica.output().includes(`:${PASSWORD}@`), 'the URL\'s password is not printed');
  });
});
