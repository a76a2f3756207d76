/**
 * Network resolution is single-flight across replicas: many concurrent reconciles of the same pool on two
 * resolver instances (two Redis connections, two gateways, one simulator) make one DescribeVpcs and one
 * DescribeSubnets, all get the same subnets, failures are answered from a brief cache, a new pool
 * generation resolves again, and a lock left by a crashed holder only delays resolution until it expires.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from '../../controller/redis.js';
import { testRedis } from '../helpers/redis-namespace.js';
import { startSimulator, type RunningSimulator } from '@longshore/simulator';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { createAwsGateway } from '../../controller/aws/gateway.js';
import { RedisBudgets } from '../../controller/aws/redis-budgets.js';
import { DEFAULT_BUDGETS } from '../../controller/aws/budgets.js';
import { keyspace } from '../../controller/store/keys.js';
import { taskdefKeys } from '../../reconcilers/taskdef/keys.js';
import type { PoolLike, PoolSpecLike } from '../../reconcilers/taskdef/inputs.js';
import { createNetworkResolver, type NetworkResolution, type NetworkResolver } from '../../reconcilers/launch/network.js';
import { lockKey } from '../../reconcilers/launch/network-cache.js';
import { deleteNamespaceKeys } from '../helpers/redis-namespace.js';

const DEFAULT_VPC_SUBNETS = ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002', 'subnet-0a1b2c3d4e5f60003'];
const CALLERS = 50;
/** Bounds a caller's requeues so a broken lock fails the test instead of hanging it. */
const MAX_ATTEMPTS = 100;

function newPool(name: string, spec: PoolSpecLike = {}, generation = 1): PoolLike {
  return { metadata: { name, generation }, spec };
}

/** What a reconcile does with the resolver: requeue after retryAfterMs until there is an answer. */
async function resolveLikeAReconcile(resolver: NetworkResolver, pool: PoolLike): Promise<NetworkResolution> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const r = await resolver.resolve(pool);
    if (r.status !== 'retry') return r;
    // Nothing fails here: a caller held up by another replica's resolution only waits its turn, which its
    // run treats as a place in line, not a failed launch try (reconcilers/run/ecs-adapter.ts).
    assert.equal(r.waiting, true, `a busy answer is a wait, not a failure: ${r.message}`);
    await sleep(r.retryAfterMs);
  }
  throw new Error(`no answer for pool ${pool.metadata.name} after ${MAX_ATTEMPTS} attempts`);
}

describe('network resolution is single-flight across replicas', () => {
  let sim: RunningSimulator;
  let clients: AwsClients;
  const connections: RedisClient[] = [];
  const replicas: NetworkResolver[] = [];
  const namespace = `test-${randomUUID().slice(0, 8)}`;
  const keys = taskdefKeys(keyspace(namespace));

  before(async () => {
    sim = await startSimulator({ timeScale: 10, seed: 7 });
    clients = createAwsClients({ region: 'us-east-1', endpointUrl: sim.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    for (let i = 0; i < 2; i++) {
      const redis = testRedis();
      connections.push(redis);
      const budgets = new RedisBudgets({ redis, bucketKey: (c) => keyspace(namespace).key('budget', c), budgets: DEFAULT_BUDGETS, burstReserveFraction: 0.05 });
      const gateway = createAwsGateway({ clients, budgets, maxWaitMs: 10_000 });
      replicas.push(createNetworkResolver({ redis, keys, gateway, timings: { busyRetryMs: 20 } }));
    }
  });

  after(async () => {
    const [redis] = connections;
    if (redis) {
      await deleteNamespaceKeys(redis, namespace);
    }
    await Promise.all(connections.map((c) => c.quit()));
    clients.destroy();
    await sim.close();
  });

  function describeCalls(): { vpcs: number; subnets: number } {
    const { calls } = sim.audit();
    const total = (action: string): number => {
      const c = calls[action];
      return c ? c.ok + c.throttled + c.error : 0;
    };
    return { vpcs: total('DescribeVpcs'), subnets: total('DescribeSubnets') };
  }

  /** CALLERS concurrent reconciles, alternating between the two replicas; the EC2 calls they caused. */
  async function burst(pool: PoolLike): Promise<{ answers: NetworkResolution[]; vpcs: number; subnets: number }> {
    const before = describeCalls();
    const answers = await Promise.all(Array.from({ length: CALLERS }, (_, i) => resolveLikeAReconcile(replicas[i % replicas.length] as NetworkResolver, pool)));
    const after = describeCalls();
    return { answers, vpcs: after.vpcs - before.vpcs, subnets: after.subnets - before.subnets };
  }

  test('50 concurrent callers on two replicas infer the default VPC\'s subnets with one call of each kind', async () => {
    const { answers, vpcs, subnets } = await burst(newPool('pool-sf'));
    assert.equal(vpcs, 1);
    assert.equal(subnets, 1);
    for (const a of answers) assert.deepEqual(a, { status: 'resolved', network: { subnets: DEFAULT_VPC_SUBNETS, assignPublicIp: 'ENABLED' } });
  });

  test('a new pool generation resolves again, once', async () => {
    await burst(newPool('pool-gen', {}, 1));
    const { answers, vpcs, subnets } = await burst(newPool('pool-gen', { networkConfiguration: { securityGroups: ['sg-2'] } }, 2));
    assert.equal(vpcs, 1);
    assert.equal(subnets, 1);
    for (const a of answers) assert.deepEqual(a, { status: 'resolved', network: { subnets: DEFAULT_VPC_SUBNETS, securityGroups: ['sg-2'], assignPublicIp: 'ENABLED' } });
  });

  test('an unknown VPC fails every caller with one DescribeVpcs, and the failure is cached', async () => {
    const pool = newPool('pool-novpc', { vpcId: 'vpc-00000000000000000' });
    const { answers, vpcs, subnets } = await burst(pool);
    assert.equal(vpcs, 1);
    assert.equal(subnets, 0);
    for (const a of answers) {
      assert.equal(a.status, 'failed');
      assert.match(a.status === 'failed' ? a.message : '', /Failed to find VPC with ID vpc-00000000000000000/);
    }
    const again = await burst(pool);
    assert.equal(again.vpcs, 0, 'the failure is answered from the cache');
  });

  test('a lock held elsewhere defers callers without EC2 calls until it expires', async () => {
    const pool = newPool('pool-held');
    const [redis] = connections;
    assert.ok(redis);
    await redis.set(lockKey(keys.network('pool-held', 1)), 'crashed-replica', 'PX', 300);
    const before = describeCalls();
    const deferred = await (replicas[0] as NetworkResolver).resolve(pool);
    assert.equal(deferred.status, 'retry');
    assert.match(deferred.status === 'retry' ? deferred.message : '', /by another replica \(an unnamed holder; its lock ends in 1 s\)/);
    assert.equal(describeCalls().vpcs - before.vpcs, 0);
    const { answers, vpcs, subnets } = await burst(pool);
    assert.equal(vpcs, 1);
    assert.equal(subnets, 1);
    for (const a of answers) assert.equal(a.status, 'resolved');
    assert.equal(await redis.exists(lockKey(keys.network('pool-held', 1))), 0, 'the holder released its lock');
  });

  test('a lock left without an expiry is given one by the first caller it holds up, so it cannot hold the pool forever', async () => {
    const pool = newPool('pool-forever');
    const [redis] = connections;
    assert.ok(redis);
    const lock = lockKey(keys.network('pool-forever', 1));
    await redis.set(lock, 'replica gone/1234');
    const deferred = await (replicas[0] as NetworkResolver).resolve(pool);
    assert.equal(deferred.status, 'retry');
    assert.match(deferred.status === 'retry' ? deferred.message : '', /\(replica gone\); its lock had no expiry and now ends in 15 s/);
    const ttl = await redis.pttl(lock);
    assert.ok(ttl > 0 && ttl <= 15_000, `the lock now expires (PTTL ${ttl})`);
  });
});
