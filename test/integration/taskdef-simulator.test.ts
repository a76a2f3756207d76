/**
 * Task-definition resolution end to end: the real gateway and SDK against the ECS simulator (AWS-default
 * throttles, time-scaled), budgets and cache in real Redis, registrations through real BullMQ workers
 * (two replicas). Many runs over a few definitions register each definition exactly once and every run
 * is woken; a definition ECS refuses fails its runs with ECS's message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TEST_REDIS_TARGET, testRedis } from '../helpers/redis-namespace.js';
import { startSimulator, type RunningSimulator } from '@longshore/simulator';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { createAwsGateway, type AwsGateway } from '../../controller/aws/gateway.js';
import { RedisBudgets } from '../../controller/aws/redis-budgets.js';
import { DEFAULT_BUDGETS, scaleBudgets } from '../../controller/aws/budgets.js';
import { createRedisConnection, type RedisClient } from '../../controller/redis.js';
import { createLogger } from '../../controller/logger.js';
import { closeQueues, createQueues, createWakeUps, type ControllerQueues, type WakeUps } from '../../controller/queue/queues.js';
import { startWorkers, type RunningWorkers } from '../../controller/queue/workers.js';
import { createPendingWakeUps } from '../../controller/queue/pending-wake-ups.js';
import { keyspace } from '../../controller/store/keys.js';
import { createTaskdefs, type Taskdefs } from '../../reconcilers/taskdef/index.js';
import type { Resolution } from '../../reconcilers/taskdef/resolve.js';
import type { PoolLike, PoolSpecLike, RunLike } from '../../reconcilers/taskdef/inputs.js';
import { deleteNamespaceKeys } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';

const TIME_SCALE = 10;
const logger = createLogger({ level: 'silent' });

function newPool(spec: PoolSpecLike = {}): PoolLike {
  return { metadata: { name: 'pool-a', generation: 1 }, spec: { executionRoleArn: 'arn:aws:iam::123456789012:role/exec', ...spec } };
}
function newRun(name: string, spec: Partial<RunLike['spec']> = {}): RunLike {
  return { metadata: { name, uid: randomUUID(), labels: {} }, spec: { pool: 'pool-a', ...spec } };
}

interface Replica {
  taskdefs: Taskdefs;
  workers: RunningWorkers;
  queues: ControllerQueues;
  connection: RedisClient;
}

describe('task definitions against the simulator', () => {
  let sim: RunningSimulator;
  let clients: AwsClients;
  let redis: RedisClient;
  let gateway: AwsGateway;
  const namespace = `test-${randomUUID().slice(0, 8)}`;
  const namespaces = [namespace];
  const woken = new Set<string>();
  const replicas: Replica[] = [];

  function startReplica(id: string, ns = namespace): Replica {
    const namespace = ns;
    if (!namespaces.includes(ns)) namespaces.push(ns);
    const connection = createRedisConnection(TEST_REDIS_TARGET, `test-${id}`);
    const queues = createQueues(connection, namespace, logger);
    const pendingWakeUps = createPendingWakeUps(connection, keyspace(namespace));
    const real = createWakeUps(queues, pendingWakeUps);
    // Runs are not reconciled here: their wake-ups are recorded instead of queued.
    const wakeUps: WakeUps = {
      async wake(queue, key, options) {
        if (queue === 'reconcile-run') woken.add(key);
        else await real.wake(queue, key, options);
      },
    };
    const taskdefs = createTaskdefs({ redis: connection, keyspace: keyspace(namespace), gateway, wakeUps, defaultRegion: 'us-east-1' });
    const workers = startWorkers({
      namespace, replicaId: id, reconcilers: { 'register-taskdef': taskdefs.reconciler },
      concurrency: { 'reconcile-run': 1, 'register-taskdef': 4, resync: 1 },
      connect: (name) => createRedisConnection(TEST_REDIS_TARGET, name, 'blocking'),
      queues, pendingWakeUps, logger, backoff: { baseMs: 20, capMs: 200 },
    });
    const replica = { taskdefs, workers, queues, connection };
    replicas.push(replica);
    return replica;
  }

  before(async () => {
    sim = await startSimulator({ timeScale: TIME_SCALE, seed: 11 });
    redis = testRedis();
    clients = createAwsClients({ region: 'us-east-1', endpointUrl: sim.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const budgets = new RedisBudgets({
      redis, bucketKey: (c) => keyspace(namespace).key('budget', c), budgets: scaleBudgets(DEFAULT_BUDGETS, TIME_SCALE), burstReserveFraction: 0.05,
    });
    gateway = createAwsGateway({ clients, budgets, maxWaitMs: 10_000 });
  });

  after(async () => {
    for (const r of replicas) {
      await r.workers.stop(2000);
      await closeQueues(r.queues);
      await r.connection.quit();
    }
    for (const ns of namespaces) {
      await deleteNamespaceKeys(redis, ns);
    }
    await redis.quit();
    clients.destroy();
    await sim.close();
  });

  test('120 runs over 5 definitions on two replicas: 5 registrations, every run woken, no errors', async () => {
    const [a, b] = [startReplica('r1'), startReplica('r2')];
    const pool = newPool({ cloudwatchLogs: { enabled: true } });
    const runs = Array.from({ length: 120 }, (_, i) => newRun(`run-${i}`, { deployment: `dep-${i % 5}`, command: ['echo', String(i)], env: { I: String(i) } }));
    const first = await Promise.all(runs.map((run, i) => (i % 2 ? a : b).taskdefs.resolver.resolve(pool, run)));
    assert.ok(first.every((r) => r.status === 'waiting' || r.status === 'resolved'), JSON.stringify(first.find((r) => r.status === 'failed')));
    const waiting = new Set(first.filter((r) => r.status === 'waiting').map((r) => r.status === 'waiting' ? r.hash : ''));
    assert.equal(waiting.size, 5);

    const waitedOn = runs.filter((_, i) => first[i]?.status === 'waiting').map((r) => r.metadata.name);
    await until(() => waitedOn.every((name) => woken.has(name)), { timeoutMs: 20_000, what: () => `wake-ups of ${waitedOn.filter((name) => !woken.has(name)).length} waiting runs` });

    const second: Resolution[] = await Promise.all(runs.map((run) => b.taskdefs.resolver.resolve(pool, run)));
    assert.ok(second.every((r) => r.status === 'resolved'));
    const arns = new Set(second.map((r) => (r.status === 'resolved' ? r.taskDefinition.taskDefinitionArn : '')));
    assert.equal(arns.size, 5);

    const audit = sim.audit();
    assert.equal(audit.calls.RegisterTaskDefinition?.ok, 5);
    assert.equal(audit.calls.RegisterTaskDefinition?.error ?? 0, 0);
    assert.equal(Object.values(audit.registrations).reduce((n, c) => n + c, 0), 5);
  });

  test('a definition ECS refuses fails its runs with ECS\'s message', async () => {
    const r = replicas[0] ?? startReplica('r3');
    const pool = newPool({ cpu: 1024, memory: 1024, family: 'bad-sizes' });
    const run = newRun('bad-1');
    assert.equal((await r.taskdefs.resolver.resolve(pool, run)).status, 'waiting');
    await until(() => woken.has('bad-1'), { what: 'the wake-up of bad-1' });
    const result = await r.taskdefs.resolver.resolve(pool, run);
    assert.equal(result.status, 'failed');
    assert.match(result.status === 'failed' ? result.message : '', /family 'bad-sizes' failed: ClientException: No Fargate configuration exists for given values/);
  });

  test('matchLatestRevisionInFamily: a fresh installation reuses what ECS describes instead of registering again', async () => {
    const fresh = startReplica('r4', `test-${randomUUID().slice(0, 8)}`);
    const pool = newPool({ cloudwatchLogs: { enabled: true }, matchLatestRevisionInFamily: true });
    const before = sim.audit().calls.RegisterTaskDefinition?.ok ?? 0;
    const run = newRun('reuse-1', { deployment: 'dep-3' });
    assert.equal((await fresh.taskdefs.resolver.resolve(pool, run)).status, 'waiting');
    await until(() => woken.has('reuse-1'), { what: 'the wake-up of reuse-1' });
    const result = await fresh.taskdefs.resolver.resolve(pool, run);
    assert.equal(result.status, 'resolved');
    assert.equal(sim.audit().calls.RegisterTaskDefinition?.ok ?? 0, before, 'the described revision hashed the same as the rendered one');
    assert.match(result.status === 'resolved' ? result.taskDefinition.taskDefinitionArn : '', /task-definition\/longshore_pool-a_dep-3:1$/);
  });
});
