/**
 * The run reconciler's view of task definitions and networks (reconcilers/taskdef/run-adapter.ts) over real
 * Redis with small fakes behind the gateway ports. Also checks, at compile time, that the adapter fits the
 * run reconciler's port types.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../controller/redis.js';
import { testRedis } from '../helpers/redis-namespace.js';
import { pino } from 'pino';
import type {
  DeregisterTaskDefinitionCommandOutput, DescribeTaskDefinitionCommandInput, DescribeTaskDefinitionCommandOutput,
  RegisterTaskDefinitionCommandInput, RegisterTaskDefinitionCommandOutput,
} from '@aws-sdk/client-ecs';
import type { DescribeSubnetsCommandOutput, DescribeVpcsCommandInput, DescribeVpcsCommandOutput } from '@aws-sdk/client-ec2';
import { BudgetExhaustedError, GatewayError } from '../../controller/aws/errors.js';
import { keyspace } from '../../controller/store/keys.js';
import type { WakeUps } from '../../controller/queue/queues.js';
import type { TaskDefinitionResolver as RunResolverPort } from '../../reconcilers/run/ports.js';
import type { RunEcsDeps } from '../../reconcilers/run/ecs-adapter.js';
import { createTaskdefs, type Taskdefs } from '../../reconcilers/taskdef/index.js';
import { taskdefKeys } from '../../reconcilers/taskdef/keys.js';
import { createRunTaskdefAdapter, WAITING_FALLBACK_MS, type RunTaskdefAdapter } from '../../reconcilers/taskdef/run-adapter.js';
import { createNetworkResolver } from '../../reconcilers/launch/network.js';
import type { PoolLike, PoolSpecLike, RunLike } from '../../reconcilers/taskdef/inputs.js';
import { deleteNamespaceKeys } from '../helpers/redis-namespace.js';

const context = { logger: pino({ level: 'silent' }), reconcileId: 'test', jobTry: 1 };

class FakeAws {
  revisions = 0;
  describeVpcsCalls = 0;
  deregistered: string[] = [];
  defaultVpc = true;
  ec2Fault: unknown = undefined;
  /** Thrown by DescribeTaskDefinition while set (a failing endpoint, or an empty budget). */
  describeFault: unknown = undefined;

  async registerTaskDefinition(input: RegisterTaskDefinitionCommandInput): Promise<RegisterTaskDefinitionCommandOutput> {
    this.revisions += 1;
    return { $metadata: {}, taskDefinition: { ...input, tags: undefined, status: 'ACTIVE', taskDefinitionArn: `arn:td/${input.family}:${this.revisions}` } as never };
  }
  async describeTaskDefinition(input: DescribeTaskDefinitionCommandInput): Promise<DescribeTaskDefinitionCommandOutput> {
    if (this.describeFault) throw this.describeFault;
    if (input.taskDefinition === 'arn:theirs:1') {
      return { $metadata: {}, taskDefinition: { taskDefinitionArn: 'arn:theirs:1', networkMode: 'bridge', containerDefinitions: [{ name: 'worker' }] } };
    }
    throw new GatewayError('client', 'DescribeTaskDefinition', 'ClientException', 'Unable to describe task definition.', null);
  }
  async deregisterTaskDefinition(input: { taskDefinition?: string }): Promise<DeregisterTaskDefinitionCommandOutput> {
    this.deregistered.push(input.taskDefinition ?? '');
    return { $metadata: {} };
  }
  async describeVpcs(input: DescribeVpcsCommandInput): Promise<DescribeVpcsCommandOutput> {
    this.describeVpcsCalls += 1;
    if (this.ec2Fault) throw this.ec2Fault;
    const isDefault = input.Filters?.some((f) => f.Name === 'isDefault');
    return { $metadata: {}, Vpcs: isDefault && !this.defaultVpc ? [] : [{ VpcId: 'vpc-1' }] };
  }
  async describeSubnets(): Promise<DescribeSubnetsCommandOutput> {
    return { $metadata: {}, Subnets: [{ SubnetId: 'subnet-2' }, { SubnetId: 'subnet-1' }] };
  }
}

class ManualWakeUps implements WakeUps {
  registrations = new Set<string>();
  async wake(queue: string, key: string): Promise<void> {
    if (queue === 'register-taskdef') this.registrations.add(key);
  }
}

function newPool(spec: PoolSpecLike = {}, generation = 1): PoolLike {
  return { metadata: { name: 'pool-r', generation }, spec: { region: 'us-east-1', ...spec } };
}
function newRun(name: string): RunLike {
  return { metadata: { name, uid: `uid-${name}`, labels: {} }, spec: { pool: 'pool-r' } };
}

describe('run adapter', () => {
  let redis: RedisClient;
  let namespace: string;
  let aws: FakeAws;
  let wakeUps: ManualWakeUps;
  let taskdefs: Taskdefs;
  let adapter: RunTaskdefAdapter;
  const namespaces: string[] = [];

  before(() => { redis = testRedis(); });
  after(async () => {
    for (const ns of namespaces) {
      await deleteNamespaceKeys(redis, ns);
    }
    await redis.quit();
  });
  beforeEach(() => {
    namespace = `test-${randomUUID().slice(0, 8)}`;
    namespaces.push(namespace);
    aws = new FakeAws();
    wakeUps = new ManualWakeUps();
    taskdefs = createTaskdefs({ redis, keyspace: keyspace(namespace), gateway: aws, wakeUps, defaultRegion: 'us-east-1' });
    const network = createNetworkResolver({ redis, keys: taskdefKeys(keyspace(namespace)), gateway: aws });
    adapter = createRunTaskdefAdapter({ resolver: taskdefs.resolver, network, defaultRegion: 'us-east-1' });
  });

  async function drain(): Promise<void> {
    for (let i = 0; i < 10 && wakeUps.registrations.size > 0; i++) {
      const keys = [...wakeUps.registrations];
      wakeUps.registrations.clear();
      for (const key of keys) await taskdefs.reconciler(key, context);
    }
  }

  test('fits the run reconciler\'s ports', () => {
    const resolverPort: RunResolverPort = adapter;
    const launchDetails: RunEcsDeps['launchDetails'] = adapter.launchDetails;
    assert.equal(typeof resolverPort.resolve, 'function');
    assert.equal(typeof launchDetails, 'function');
  });

  test('resolve: waiting with a fallback requeue, then the ARN', async () => {
    assert.deepEqual(await adapter.resolve(newPool(), newRun('a')), { waitingMs: WAITING_FALLBACK_MS });
    await drain();
    assert.deepEqual(await adapter.resolve(newPool(), newRun('a')), { arn: 'arn:td/longshore_pool-r:1' });
  });

  test('resolve: a definition that cannot work fails with its reason', async () => {
    const r = await adapter.resolve(newPool({ cloudwatchLogs: { enabled: true } }), newRun('a'));
    assert.ok('failed' in r && /execution role/.test(r.failed));
  });

  test('launchDetails: Fargate needs the network, resolved once per pool generation', async () => {
    const details = await adapter.launchDetails(newPool(), newRun('a'), 'arn:td/x:1');
    assert.deepEqual(details, {
      taskDefinitionArn: 'arn:td/x:1', containerName: 'longshore', networkMode: 'awsvpc', network: { subnets: ['subnet-1', 'subnet-2'], assignPublicIp: 'ENABLED' },
    });
    await adapter.launchDetails(newPool(), newRun('b'), 'arn:td/x:1');
    assert.equal(aws.describeVpcsCalls, 1);
  });

  test('launchDetails: no default VPC fails the run; an empty EC2 budget only delays it', async () => {
    aws.defaultVpc = false;
    const failed = await adapter.launchDetails(newPool(), newRun('a'), 'arn:td/x:1');
    assert.ok('failed' in failed && /Failed to find the default VPC/.test(failed.failed));
    aws.ec2Fault = new BudgetExhaustedError('ec2Describe', 700);
    assert.deepEqual(await adapter.launchDetails(newPool({}, 2), newRun('a'), 'arn:td/x:1'), { retryAfterMs: 700, message: 'ECS budget ec2Describe exhausted; retry after 700 ms', waiting: true });
  });

  test('launchDetails: EC2 bridge needs no network; a pool ARN is described for its container', async () => {
    assert.deepEqual(await adapter.launchDetails(newPool({ launchType: 'EC2' }), newRun('a'), 'arn:td/y:1'), { taskDefinitionArn: 'arn:td/y:1', containerName: 'longshore', networkMode: 'bridge' });
    assert.deepEqual(await adapter.launchDetails(newPool({ taskDefinitionArn: 'arn:theirs:1', launchType: 'EC2' }), newRun('a'), 'arn:theirs:1'),
      { taskDefinitionArn: 'arn:theirs:1', containerName: 'worker', networkMode: 'bridge' });
    assert.equal(aws.describeVpcsCalls, 0);
  });

  test('resolve: a pool ARN whose describe keeps failing goes on to the launch (its backoff and deadline); pacing waits', async () => {
    const pool = newPool({ taskDefinitionArn: 'arn:theirs:1', launchType: 'EC2' });
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND ecs.eu-fake-1.amazonaws.com'), { code: 'ENOTFOUND', $metadata: {} });
    aws.describeFault = new GatewayError('transient', 'DescribeTaskDefinition', 'ENOTFOUND', 'DescribeTaskDefinition: ENOTFOUND: no name', dns, 120);
    assert.deepEqual(await adapter.resolve(pool, newRun('a')), { arn: 'arn:theirs:1' });
    // The launch asks again, and says why it cannot go on yet in AWS's (here: the resolver's) words.
    assert.deepEqual(await adapter.launchDetails(pool, newRun('a'), 'arn:theirs:1'),
      { retryAfterMs: 120, message: 'ENOTFOUND: getaddrinfo ENOTFOUND ecs.eu-fake-1.amazonaws.com' });
    aws.describeFault = new BudgetExhaustedError('taskDefinitionRead', 300);
    assert.deepEqual(await adapter.resolve(pool, newRun('a')), { waitingMs: 300 });
    aws.describeFault = undefined;
    assert.deepEqual(await adapter.resolve(pool, newRun('a')), { arn: 'arn:theirs:1' });
  });

  test('invalidate forgets a stale revision; release deregisters when the pool asks', async () => {
    const pool = newPool({ autoDeregisterTaskDefinition: true });
    await adapter.resolve(pool, newRun('a'));
    await drain();
    const first = await adapter.resolve(pool, newRun('a'));
    assert.ok('arn' in first);
    await adapter.invalidate(pool, newRun('a'), first.arn);
    assert.deepEqual(await adapter.resolve(pool, newRun('a')), { waitingMs: WAITING_FALLBACK_MS });
    await drain();
    const second = await adapter.resolve(pool, newRun('a'));
    assert.ok('arn' in second && second.arn !== first.arn);
    await adapter.release(newRun('a'), second.arn);
    await drain();
    assert.deepEqual(aws.deregistered, [second.arn]);
  });
});
