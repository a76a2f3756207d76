/**
 * The task-definition cache and registration queue against real Redis, with an in-memory ECS fake behind
 * the gateway port: dedup by hash, one registration per family, wake-ups, conflicts and throttles never
 * failing a run, terminal failures surfaced, match-latest reuse, pool ARNs, auto-deregister, restarts.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../controller/redis.js';
import { scanKeys, testRedis } from '../helpers/redis-namespace.js';
import { pino } from 'pino';
import type {
  DeregisterTaskDefinitionCommandInput, DeregisterTaskDefinitionCommandOutput,
  DescribeTaskDefinitionCommandInput, DescribeTaskDefinitionCommandOutput,
  RegisterTaskDefinitionCommandInput, RegisterTaskDefinitionCommandOutput, TaskDefinition,
} from '@aws-sdk/client-ecs';
import { BudgetExhaustedError, GatewayError } from '../../controller/aws/errors.js';
import type { CallOptions } from '../../controller/aws/gateway.js';
import { keyspace } from '../../controller/store/keys.js';
import type { WakeUps } from '../../controller/queue/queues.js';
import { createTaskdefs, DEREGISTER_KEY_PREFIX, type Taskdefs } from '../../reconcilers/taskdef/index.js';
import type { RegistrationGateway } from '../../reconcilers/taskdef/registration.js';
import { taskdefKeys } from '../../reconcilers/taskdef/keys.js';
import { DEFAULT_REVALIDATE_AFTER_SECONDS } from '../../reconcilers/taskdef/store.js';
import type { PoolLike, PoolSpecLike, RunLike } from '../../reconcilers/taskdef/inputs.js';
import { deleteNamespaceKeys } from '../helpers/redis-namespace.js';
import { createMetrics } from '../../controller/metrics.js';

const context = { logger: pino({ level: 'silent' }), reconcileId: 'test', jobTry: 1 };

/** ECS's task-definition registry, in memory, with injectable faults. */
class FakeEcs implements RegistrationGateway {
  families = new Map<string, TaskDefinition[]>();
  registerCalls = 0;
  describeCalls = 0;
  deregistered: string[] = [];
  inFlight = new Set<string>();
  maxInFlightPerFamily = 0;
  concurrentConflicts = 0;
  /** Errors thrown by the next register calls, in order. */
  registerFaults: unknown[] = [];

  /** The fair-share identity each register call carried. */
  registerShares: (CallOptions['share'] | undefined)[] = [];

  async registerTaskDefinition(input: RegisterTaskDefinitionCommandInput, options?: CallOptions): Promise<RegisterTaskDefinitionCommandOutput> {
    this.registerCalls += 1;
    this.registerShares.push(options?.share);
    const fault = this.registerFaults.shift();
    if (fault) throw fault;
    const family = input.family ?? '';
    if (this.inFlight.has(family)) {
      this.concurrentConflicts += 1;
      throw new GatewayError('conflict', 'RegisterTaskDefinition', 'ClientException', 'Too many concurrent attempts to create a new revision of the specified family.', null);
    }
    this.inFlight.add(family);
    this.maxInFlightPerFamily = Math.max(this.maxInFlightPerFamily, this.inFlight.size);
    // A registration takes a moment on ECS too: two unserialised registrations of one family overlap here.
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.inFlight.delete(family);
    const revisions = this.families.get(family) ?? [];
    const td: TaskDefinition = {
      ...(input as TaskDefinition), revision: revisions.length + 1, status: 'ACTIVE',
      taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${revisions.length + 1}`,
      compatibilities: ['EC2', 'FARGATE'], registeredAt: new Date(),
    };
    delete (td as { tags?: unknown }).tags;
    revisions.push(td);
    this.families.set(family, revisions);
    return { $metadata: {}, taskDefinition: td, tags: input.tags };
  }

  async describeTaskDefinition(input: DescribeTaskDefinitionCommandInput): Promise<DescribeTaskDefinitionCommandOutput> {
    this.describeCalls += 1;
    const ref = input.taskDefinition ?? '';
    const all = [...this.families.values()].flat();
    const td = ref.startsWith('arn:') ? all.find((t) => t.taskDefinitionArn === ref)
      : [...(this.families.get(ref) ?? [])].reverse().find((t) => t.status === 'ACTIVE');
    if (!td) throw new GatewayError('client', 'DescribeTaskDefinition', 'ClientException', 'Unable to describe task definition.', null);
    return { $metadata: {}, taskDefinition: td };
  }

  async deregisterTaskDefinition(input: DeregisterTaskDefinitionCommandInput): Promise<DeregisterTaskDefinitionCommandOutput> {
    const td = [...this.families.values()].flat().find((t) => t.taskDefinitionArn === input.taskDefinition);
    if (td) td.status = 'INACTIVE';
    this.deregistered.push(input.taskDefinition ?? '');
    return { $metadata: {}, taskDefinition: td };
  }
}

/** A queue that remembers keys (deduplicated, like the real one) and lets the test drain it. */
class ManualWakeUps implements WakeUps {
  registrations = new Set<string>();
  runWakes: string[] = [];
  async wake(queue: string, key: string): Promise<void> {
    if (queue === 'register-taskdef') this.registrations.add(key);
    else this.runWakes.push(key);
  }
}

function newPool(spec: PoolSpecLike = {}, name = 'pool-a'): PoolLike {
  return { metadata: { name, generation: 1 }, spec: { cluster: 'c1', region: 'us-east-1', ...spec } };
}
function newRun(name: string, spec: Partial<RunLike['spec']> = {}): RunLike {
  return { metadata: { name, uid: `uid-${name}`, labels: {} }, spec: { pool: 'pool-a', ...spec } };
}

let redis: RedisClient;
let namespace: string;
let ecs: FakeEcs;
let wakeUps: ManualWakeUps;

function replica(): Taskdefs {
  return createTaskdefs({ redis, keyspace: keyspace(namespace), gateway: ecs, wakeUps, defaultRegion: 'us-east-1' });
}

/** Runs registration keys until the queue is empty; requeues go back in (time is not simulated). */
async function drain(replicas: Taskdefs[], maxRounds = 50): Promise<void> {
  for (let round = 0; round < maxRounds && wakeUps.registrations.size > 0; round++) {
    const keys = [...wakeUps.registrations];
    wakeUps.registrations.clear();
    await Promise.all(keys.map(async (key, i) => {
      const r = replicas[i % replicas.length];
      assert.ok(r);
      const result = await r.reconciler(key, context);
      if (result.requeueAfterMs !== undefined) wakeUps.registrations.add(key);
    }));
  }
  assert.equal(wakeUps.registrations.size, 0, 'registration queue did not settle');
}

before(() => {
  redis = testRedis();
});
after(async () => {
  await redis.quit();
});
beforeEach(async () => {
  if (namespace) await deleteNamespaceKeys(redis, namespace);
  namespace = `test-${randomUUID().slice(0, 8)}`;
  ecs = new FakeEcs();
  wakeUps = new ManualWakeUps();
});
after(async () => {
  const r = testRedis();
  const keys = await scanKeys(r, `longshore:{${namespace}}:*`);
  if (keys.length > 0) await r.del(...keys);
  await r.quit();
});

describe('registration queue', () => {
  test('many runs over a few definitions, two replicas: one registration per definition, every run woken and resolved', async () => {
    const replicas = [replica(), replica()];
    const runs = Array.from({ length: 60 }, (_, i) => newRun(`run-${i}`, { deployment: `dep-${i % 5}`, env: { I: String(i) } }));
    const pool = newPool();
    const first = await Promise.all(runs.map((run, i) => replicas[i % 2]?.resolver.resolve(pool, run)));
    assert.ok(first.every((r) => r?.status === 'waiting'));
    assert.equal(new Set(first.map((r) => (r?.status === 'waiting' ? r.hash : ''))).size, 5);
    assert.equal(wakeUps.registrations.size, 5);

    await drain(replicas);
    assert.equal(ecs.registerCalls, 5);
    assert.deepEqual(new Set(wakeUps.runWakes), new Set(runs.map((r) => r.metadata.name)));

    const second = await Promise.all(runs.map((run, i) => replicas[(i + 1) % 2]?.resolver.resolve(pool, run)));
    assert.ok(second.every((r) => r?.status === 'resolved'));
    const arns = new Set(second.map((r) => (r?.status === 'resolved' ? r.taskDefinition.taskDefinitionArn : '')));
    assert.equal(arns.size, 5);
    assert.equal(ecs.registerCalls, 5);
  });

  test("a registration waits for the budget in the asking pool's turn (fair share, lane register)", async () => {
    const replicas = [replica()];
    const pool = newPool({ scheduling: { weight: 3, priority: 2 } });
    const resolution = await replicas[0]?.resolver.resolve(pool, newRun('shared-1', { deployment: 'fair' }));
    assert.equal(resolution?.status, 'waiting');
    await drain(replicas);
    assert.equal(ecs.registerCalls, 1);
    const hash = resolution?.status === 'waiting' ? resolution.hash : '';
    assert.deepEqual(ecs.registerShares, [{ pool: pool.metadata.name, weight: 3, priority: 2, caller: hash }]);
  });

  test('a cache miss is counted once per run and wait, however often the waiting run is looked at', async () => {
    const metrics = createMetrics();
    const withMetrics = createTaskdefs({ redis, keyspace: keyspace(namespace), gateway: ecs, wakeUps, defaultRegion: 'us-east-1', metrics });
    const pool = newPool();
    const runs = ['m1', 'm2', 'm3'].map((name) => newRun(name, { deployment: 'shared' }));
    // Every waiting run is reconciled again and again (wake-ups, requeues) before its registration lands.
    for (let look = 0; look < 4; look++) for (const run of runs) assert.equal((await withMetrics.resolver.resolve(pool, run)).status, 'waiting');
    await drain([withMetrics]);
    for (const run of runs) assert.equal((await withMetrics.resolver.resolve(pool, run)).status, 'resolved');
    const value = async (name: string) => (await metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value;
    assert.equal(await value('longshore_taskdef_cache_misses_total'), 3);
    assert.equal(await value('longshore_taskdef_cache_hits_total'), 3);
    assert.equal(ecs.registerCalls, 1);
  });

  test('the cache survives a restart (new connection, new replica)', async () => {
    const pool = newPool();
    await replica().resolver.resolve(pool, newRun('r1'));
    await drain([replica()]);
    const fresh = testRedis();
    try {
      const restarted = createTaskdefs({ redis: fresh, keyspace: keyspace(namespace), gateway: ecs, wakeUps, defaultRegion: 'us-east-1' });
      const again = await restarted.resolver.resolve(pool, newRun('r2'));
      assert.equal(again.status, 'resolved');
      assert.equal(ecs.registerCalls, 1);
    } finally {
      await fresh.quit();
    }
  });

  test('concurrent-registration conflicts, throttles and empty budgets are retried and never fail the run', async () => {
    ecs.registerFaults = [
      new GatewayError('conflict', 'RegisterTaskDefinition', 'ClientException', 'Too many concurrent attempts to create a new revision of the specified family.', null),
      new GatewayError('throttled', 'RegisterTaskDefinition', 'ThrottlingException', 'Rate exceeded', null, 600),
      new BudgetExhaustedError('taskDefinitionModify', 900),
      new GatewayError('transient', 'RegisterTaskDefinition', 'ServerException', 'boom', null, 100),
    ];
    const r = replica();
    const run = newRun('r1');
    assert.equal((await r.resolver.resolve(newPool(), run)).status, 'waiting');
    const hash = [...wakeUps.registrations][0] ?? '';
    const results: Array<number | undefined> = [];
    for (let i = 0; i < 5; i++) results.push((await r.reconciler(hash, context)).requeueAfterMs);
    assert.ok(results.slice(0, 4).every((ms) => typeof ms === 'number' && ms > 0), `requeues: ${results.join(',')}`);
    assert.equal(results[2], 900, 'an empty budget comes back when the bucket has a token');
    assert.equal(results[4], undefined);
    const resolved = await r.resolver.resolve(newPool(), run);
    assert.equal(resolved.status, 'resolved');
    assert.deepEqual(wakeUps.runWakes, ['r1']);
  });

  test("a registration that keeps failing shows AWS's error to the waiting runs, warns once per escalation, and is forgotten once registered", async () => {
    const serverError = () => new GatewayError('transient', 'RegisterTaskDefinition', 'ServerException', 'RegisterTaskDefinition: ServerException: Service Unavailable', Object.assign(new Error('Service Unavailable'), { name: 'ServerException' }));
    ecs.registerFaults = Array.from({ length: 9 }, serverError);
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const logger = { info: () => undefined, warn: (fields: object, message: string) => warnings.push({ fields: fields as Record<string, unknown>, message }) };
    const r = createTaskdefs({ redis, keyspace: keyspace(namespace), gateway: ecs, wakeUps, defaultRegion: 'us-east-1', logger });
    const run = newRun('r1');
    assert.equal((await r.resolver.resolve(newPool(), run)).status, 'waiting');
    const hash = [...wakeUps.registrations][0] ?? '';
    for (let i = 0; i < 9; i++) assert.ok((await r.reconciler(hash, context)).requeueAfterMs, 'a retryable failure comes back later');
    const waiting = await r.resolver.resolve(newPool(), run);
    assert.equal(waiting.status, 'waiting');
    assert.deepEqual(waiting.status === 'waiting' ? { ...waiting.trouble, since: undefined } : undefined, {
      failures: 9, since: undefined, code: 'ServerException', message: 'ServerException: Service Unavailable',
    });
    const escalations = warnings.filter((w) => w.message === 'task definition registration keeps failing').map((w) => w.fields.failures);
    assert.deepEqual(escalations, [1, 2, 4, 8]);

    assert.deepEqual(await r.reconciler(hash, context), {});
    assert.equal(await r.store.registrationTrouble(hash), null, 'registered: the trouble is over');
    assert.equal((await r.resolver.resolve(newPool(), run)).status, 'resolved');
  });

  test('one registration in flight per family: a second hash of the same family waits for the lock', async () => {
    const r = replica();
    const pool = newPool({ family: 'shared' });
    await r.resolver.resolve(pool, newRun('a', { image: 'img:1' }));
    await r.resolver.resolve(pool, newRun('b', { image: 'img:2' }));
    assert.equal(wakeUps.registrations.size, 2);
    await drain([r, replica()]);
    assert.equal(ecs.registerCalls, 2);
    assert.equal(ecs.maxInFlightPerFamily, 1);
    assert.equal(ecs.concurrentConflicts, 0, 'the family lock kept registrations apart');
    assert.equal(ecs.families.get('shared')?.length, 2);
  });

  test('an invalid definition fails every waiting run with AWS\'s message, without retrying', async () => {
    ecs.registerFaults = [new GatewayError('client', 'RegisterTaskDefinition', 'ClientException', 'RegisterTaskDefinition: ClientException: No Fargate configuration exists for given values: 1024 CPU, 1024 memory.', Object.assign(new Error('No Fargate configuration exists for given values: 1024 CPU, 1024 memory.'), { name: 'ClientException' }))];
    const r = replica();
    const pool = newPool({ memory: 1024 });
    await r.resolver.resolve(pool, newRun('a'));
    await r.resolver.resolve(pool, newRun('b'));
    await drain([r]);
    assert.equal(ecs.registerCalls, 1);
    assert.deepEqual(new Set(wakeUps.runWakes), new Set(['a', 'b']));
    const result = await r.resolver.resolve(pool, newRun('a'));
    assert.equal(result.status, 'failed');
    assert.match(result.status === 'failed' ? result.message : '', /family 'longshore_pool-a' failed: ClientException: No Fargate configuration exists for given values: 1024 CPU, 1024 memory\.$/);
  });

  test('an error that is not AWS\'s answer (a bug, Redis trouble) is thrown for the job adapter, not recorded as a failure', async () => {
    ecs.registerFaults = [new Error('connection reset by a proxy')];
    const r = replica();
    await r.resolver.resolve(newPool(), newRun('a'));
    const hash = [...wakeUps.registrations][0] ?? '';
    await assert.rejects(r.reconciler(hash, context), /connection reset by a proxy/);
    assert.equal((await r.resolver.resolve(newPool(), newRun('a'))).status, 'waiting');
    await drain([r]);
    assert.equal((await r.resolver.resolve(newPool(), newRun('a'))).status, 'resolved');
  });

  test('a definition that cannot be rendered fails at once, without a registration', async () => {
    const result = await replica().resolver.resolve(newPool({ cloudwatchLogs: { enabled: true } }), newRun('a'));
    assert.equal(result.status, 'failed');
    assert.equal(wakeUps.registrations.size, 0);
  });

  test('matchLatestRevisionInFamily reuses an identical latest ACTIVE revision instead of registering', async () => {
    const pool = newPool({ matchLatestRevisionInFamily: true });
    // Someone registered the same definition before (e.g. an earlier installation).
    const seed = replica();
    await seed.resolver.resolve(newPool(), newRun('old'));
    await drain([seed]);
    await deleteNamespaceKeys(redis, namespace);
    assert.equal(ecs.registerCalls, 1);

    const r = replica();
    await r.resolver.resolve(pool, newRun('new'));
    await drain([r]);
    assert.equal(ecs.registerCalls, 1, 'reused, not registered');
    const resolved = await r.resolver.resolve(pool, newRun('new'));
    assert.equal(resolved.status === 'resolved' && resolved.taskDefinition.taskDefinitionArn, 'arn:aws:ecs:us-east-1:123456789012:task-definition/longshore_pool-a:1');

    const changed = replica();
    await changed.resolver.resolve(newPool({ matchLatestRevisionInFamily: true, image: 'other' }), newRun('changed'));
    await drain([changed]);
    assert.equal(ecs.registerCalls, 2, 'a different definition is registered');
  });

  test('an entry older than the bound is described by one resolve at a time; ACTIVE keeps it another bound', async () => {
    const r = replica();
    await r.resolver.resolve(newPool(), newRun('a'));
    await drain([r]);
    const first = await r.resolver.resolve(newPool(), newRun('a'));
    assert.equal(first.status, 'resolved');
    const keys = taskdefKeys(keyspace(namespace));
    const hash = first.status === 'resolved' ? first.hash ?? '' : '';
    const ttl = await redis.ttl(keys.fresh(hash));
    assert.ok(ttl > 0 && ttl <= DEFAULT_REVALIDATE_AFTER_SECONDS, `fresh for the bound after registration (ttl ${ttl})`);
    assert.equal(ecs.describeCalls, 0);

    await redis.del(keys.fresh(hash)); // what the bound's expiry does
    const many = await Promise.all(Array.from({ length: 10 }, (_, i) => replica().resolver.resolve(newPool(), newRun(`m${i}`))));
    assert.ok(many.every((m) => m.status === 'resolved' && m.taskDefinition.taskDefinitionArn === (first.status === 'resolved' ? first.taskDefinition.taskDefinitionArn : '')));
    assert.equal(ecs.describeCalls, 1, 'single flight: one DescribeTaskDefinition');
    await r.resolver.resolve(newPool(), newRun('later'));
    assert.equal(ecs.describeCalls, 1, 'confirmed: trusted for another bound');
    assert.ok((await redis.ttl(keys.fresh(hash))) > 0);
  });

  test('an aged entry that ECS reports INACTIVE is replaced before any launch', async () => {
    const r = replica();
    await r.resolver.resolve(newPool(), newRun('a'));
    await drain([r]);
    const first = await r.resolver.resolve(newPool(), newRun('a'));
    const oldArn = first.status === 'resolved' ? first.taskDefinition.taskDefinitionArn : '';
    await ecs.deregisterTaskDefinition({ taskDefinition: oldArn });
    await redis.del(taskdefKeys(keyspace(namespace)).fresh(first.status === 'resolved' ? first.hash ?? '' : ''));

    assert.equal((await r.resolver.resolve(newPool(), newRun('b'))).status, 'waiting');
    await drain([r]);
    const again = await r.resolver.resolve(newPool(), newRun('b'));
    assert.equal(again.status, 'resolved');
    assert.notEqual(again.status === 'resolved' && again.taskDefinition.taskDefinitionArn, oldArn);
    assert.equal(ecs.registerCalls, 2);
    assert.deepEqual(await r.store.references(oldArn), ['a'], 'b gave up its reference to the gone revision');
  });

  test('a revision RunTask refused is never reused as the family\'s latest, even while ECS still describes it ACTIVE', async () => {
    const pool = newPool({ matchLatestRevisionInFamily: true });
    const r = replica();
    await r.resolver.resolve(pool, newRun('a'));
    await drain([r]);
    const first = await r.resolver.resolve(pool, newRun('a'));
    assert.equal(first.status, 'resolved');
    const oldArn = first.status === 'resolved' ? first.taskDefinition.taskDefinitionArn : '';
    // RunTask said "TaskDefinition not found." while DescribeTaskDefinition (eventually consistent) still says ACTIVE.
    await r.resolver.invalidate(first.status === 'resolved' ? first.hash ?? '' : '', oldArn, 'a');
    assert.deepEqual(await r.store.references(oldArn), [], 'the refusing run dropped its reference');

    assert.equal((await r.resolver.resolve(pool, newRun('a'))).status, 'waiting');
    await drain([r]);
    const again = await r.resolver.resolve(pool, newRun('a'));
    assert.equal(again.status, 'resolved');
    assert.notEqual(again.status === 'resolved' && again.taskDefinition.taskDefinitionArn, oldArn);
    assert.equal(ecs.registerCalls, 2, 'registered anew instead of reusing the refused revision');
  });

  test('a pool taskDefinitionArn is used as is: described once, never registered', async () => {
    await ecs.registerTaskDefinition({ family: 'theirs', networkMode: 'awsvpc', containerDefinitions: [{ name: 'side', image: 's' }, { name: 'main', image: 'm' }] });
    ecs.registerCalls = 0;
    const pool = newPool({ taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/theirs:1', containerName: 'main' });
    const r = replica();
    const a = await r.resolver.resolve(pool, newRun('a'));
    const b = await r.resolver.resolve(pool, newRun('b'));
    for (const result of [a, b]) {
      assert.equal(result.status, 'resolved');
      assert.deepEqual(result.status === 'resolved' && result.taskDefinition, { taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/theirs:1', containerName: 'main', networkMode: 'awsvpc' });
    }
    assert.equal(ecs.registerCalls, 0);
    assert.equal(ecs.describeCalls, 1);

    const wrongName = await r.resolver.resolve({ ...pool, spec: { ...pool.spec, containerName: 'nope' } }, newRun('c'));
    assert.deepEqual(wrongName, { status: 'failed', message: "Container 'nope' not found in task definition 'arn:aws:ecs:us-east-1:123456789012:task-definition/theirs:1'." });
    const bridge = await ecs.registerTaskDefinition({ family: 'bridged', containerDefinitions: [{ name: 'main', image: 'm' }] });
    const fargateOnBridge = await r.resolver.resolve(newPool({ taskDefinitionArn: bridge.taskDefinition?.taskDefinitionArn }), newRun('d'));
    assert.equal(fargateOnBridge.status, 'failed');
    assert.match(fargateOnBridge.status === 'failed' ? fargateOnBridge.message : '', /network mode 'bridge' which is not compatible with launch type 'FARGATE'/);
  });
});

describe('auto-deregister', () => {
  test('a revision is deregistered only once no live run references it, and then leaves the cache', async () => {
    const pool = newPool({ autoDeregisterTaskDefinition: true });
    const r = replica();
    await r.resolver.resolve(pool, newRun('a'));
    await drain([r]);
    const a = await r.resolver.resolve(pool, newRun('a'));
    const b = await r.resolver.resolve(pool, newRun('b'));
    assert.ok(a.status === 'resolved' && b.status === 'resolved');
    const arn = a.taskDefinition.taskDefinitionArn;

    await r.resolver.release('a', arn);
    assert.equal(wakeUps.registrations.size, 0, 'b still uses it');
    await r.resolver.release('b', arn);
    assert.deepEqual([...wakeUps.registrations], [`${DEREGISTER_KEY_PREFIX}${arn}`]);
    await drain([r]);
    assert.deepEqual(ecs.deregistered, [arn]);

    const c = await r.resolver.resolve(pool, newRun('c'));
    assert.equal(c.status, 'waiting', 'a deregistered revision is not handed out again');
  });

  test('without autoDeregisterTaskDefinition nothing is deregistered', async () => {
    const pool = newPool();
    const r = replica();
    await r.resolver.resolve(pool, newRun('a'));
    await drain([r]);
    const a = await r.resolver.resolve(pool, newRun('a'));
    assert.ok(a.status === 'resolved');
    await r.resolver.release('a', a.taskDefinition.taskDefinitionArn);
    assert.equal(wakeUps.registrations.size, 0);
    assert.equal((await r.resolver.resolve(pool, newRun('d'))).status, 'resolved');
  });
});
