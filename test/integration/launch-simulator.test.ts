/**
 * Launch end to end against the ECS simulator through the real gateway and SDK: network inference from
 * the default VPC (once per pool generation), custom subnets checked against their VPC, RunTask with the
 * deterministic clientToken (a re-delivered launch returns the same task), startedBy parsed back to the
 * run, Fargate Spot through a capacity-provider strategy, and readable errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../controller/redis.js';
import { testRedis } from '../helpers/redis-namespace.js';
import { startSimulator, type RunningSimulator } from '@longshore/simulator';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { createAwsGateway, type AwsGateway } from '../../controller/aws/gateway.js';
import { RedisBudgets } from '../../controller/aws/redis-budgets.js';
import { DEFAULT_BUDGETS, scaleBudgets } from '../../controller/aws/budgets.js';
import { keyspace } from '../../controller/store/keys.js';
import { taskdefKeys } from '../../reconcilers/taskdef/keys.js';
import { render } from '../../reconcilers/taskdef/render.js';
import { hashTaskDefinition } from '../../reconcilers/taskdef/normalize.js';
import type { PoolLike, PoolSpecLike, RunLike } from '../../reconcilers/taskdef/inputs.js';
import { createNetworkResolver, type NetworkResolver } from '../../reconcilers/launch/network.js';
import { buildRunTaskInput, type ResolvedTaskDefinition } from '../../reconcilers/launch/run-task-input.js';
import { launch } from '../../reconcilers/launch/launch.js';
import { parseStartedBy } from '../../reconcilers/launch/identity.js';
import type { LaunchOutcome } from '../../reconcilers/launch/outcome.js';
import { deleteNamespaceKeys } from '../helpers/redis-namespace.js';

const TIME_SCALE = 10;
const DEFAULT_VPC_SUBNETS = ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002', 'subnet-0a1b2c3d4e5f60003'];

function newPool(spec: PoolSpecLike = {}, generation = 1): PoolLike {
  return { metadata: { name: 'pool-l', generation }, spec };
}
function newRun(name: string, spec: Partial<RunLike['spec']> = {}): RunLike {
  return { metadata: { name, uid: randomUUID(), labels: { team: 'data' } }, spec: { pool: 'pool-l', ...spec } };
}

describe('launch against the simulator', () => {
  let sim: RunningSimulator;
  let clients: AwsClients;
  let redis: RedisClient;
  let gateway: AwsGateway;
  let network: NetworkResolver;
  const namespace = `test-${randomUUID().slice(0, 8)}`;

  before(async () => {
    sim = await startSimulator({ timeScale: TIME_SCALE, seed: 5 });
    redis = testRedis();
    clients = createAwsClients({ region: 'us-east-1', endpointUrl: sim.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const budgets = new RedisBudgets({
      redis, bucketKey: (c) => keyspace(namespace).key('budget', c), budgets: scaleBudgets(DEFAULT_BUDGETS, TIME_SCALE), burstReserveFraction: 0.05,
    });
    gateway = createAwsGateway({ clients, budgets, maxWaitMs: 10_000 });
    network = createNetworkResolver({ redis, keys: taskdefKeys(keyspace(namespace)), gateway });
  });

  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
    clients.destroy();
    await sim.close();
  });

  const registered = new Map<string, ResolvedTaskDefinition>();

  /** Registers each distinct rendered definition once, directly (the registration queue is tested elsewhere). */
  async function definitionFor(pool: PoolLike, run: RunLike): Promise<ResolvedTaskDefinition> {
    const rendered = render(pool, run, { defaultRegion: 'us-east-1' });
    const hash = hashTaskDefinition(rendered.taskDefinition, rendered.region);
    const known = registered.get(hash);
    if (known) return known;
    const out = await gateway.registerTaskDefinition(rendered.taskDefinition, { wait: true });
    const resolved = { taskDefinitionArn: out.taskDefinition?.taskDefinitionArn ?? '', containerName: rendered.containerName, networkMode: rendered.taskDefinition.networkMode };
    registered.set(hash, resolved);
    return resolved;
  }

  async function launchRun(pool: PoolLike, run: RunLike, attempt = 1): Promise<LaunchOutcome> {
    const taskDefinition = await definitionFor(pool, run);
    const net = taskDefinition.networkMode === 'awsvpc' ? await network.resolve(pool) : undefined;
    if (net && net.status !== 'resolved') throw new Error(`network: ${JSON.stringify(net)}`);
    const input = buildRunTaskInput({ pool, run, attempt, namespace, taskDefinition, network: net?.network });
    const placement = render(pool, run).placement;
    return launch(gateway, input, { placement, wait: true, context: { region: 'us-east-1' } });
  }

  test('the network is inferred from the default VPC once per pool generation', async () => {
    const before = sim.audit().calls.DescribeSubnets?.ok ?? 0;
    const pool = newPool();
    const a = await network.resolve(pool);
    const b = await network.resolve(pool);
    assert.deepEqual(a, { status: 'resolved', network: { subnets: DEFAULT_VPC_SUBNETS, assignPublicIp: 'ENABLED' } });
    assert.deepEqual(b, a);
    assert.equal((sim.audit().calls.DescribeSubnets?.ok ?? 0) - before, 1);
    await network.resolve(newPool({}, 2));
    assert.equal((sim.audit().calls.DescribeSubnets?.ok ?? 0) - before, 2, 'a new generation resolves again');
  });

  test('configured subnets must belong to the VPC', async () => {
    const good = await network.resolve(newPool({ vpcId: 'vpc-0a9b8c7d6e5f40312', networkConfiguration: { subnets: ['subnet-0f1e2d3c4b5a60101'], securityGroups: ['sg-1'] } }, 3));
    assert.deepEqual(good, { status: 'resolved', network: { subnets: ['subnet-0f1e2d3c4b5a60101'], securityGroups: ['sg-1'] } });
    const bad = await network.resolve(newPool({ vpcId: 'vpc-0a9b8c7d6e5f40312', networkConfiguration: { subnets: ['subnet-0a1b2c3d4e5f60001'] } }, 4));
    assert.equal(bad.status, 'failed');
    assert.match(bad.status === 'failed' ? bad.message : '', /not found within VPC with ID vpc-0a9b8c7d6e5f40312/);
    const missing = await network.resolve(newPool({ vpcId: 'vpc-00000000000000000' }, 5));
    assert.equal(missing.status, 'failed');
    assert.match(missing.status === 'failed' ? missing.message : '', /Failed to find VPC with ID vpc-00000000000000000/);
  });

  test('a Fargate run launches once per attempt, however often the launch is repeated', async () => {
    const pool = newPool();
    const run = newRun('launch-1', { command: 'sleep 1', env: { A: '1' } });
    const first = await launchRun(pool, run);
    const again = await launchRun(pool, run);
    assert.equal(first.kind, 'launched', JSON.stringify(first));
    assert.equal(again.kind === 'launched' && again.taskArn, first.kind === 'launched' && first.taskArn);
    const tasks = sim.audit().tasks.filter((t) => parseStartedBy(t.startedBy ?? undefined)?.namespaceTag === namespace);
    assert.equal(tasks.length, 1);
    assert.deepEqual(parseStartedBy(tasks[0]?.startedBy ?? undefined), { namespaceTag: namespace, runName: 'launch-1' });

    const second = await launchRun(pool, run, 2);
    assert.equal(second.kind, 'launched');
    assert.notEqual(second.kind === 'launched' && second.taskArn, first.kind === 'launched' && first.taskArn);
  });

  test('the same attempt with different parameters is a conflict naming the existing task', async () => {
    const pool = newPool();
    const run = newRun('conflict-1');
    const first = await launchRun(pool, run);
    assert.equal(first.kind, 'launched');
    const taskDefinition = await definitionFor(pool, run);
    const net = await network.resolve(pool);
    assert.equal(net.status, 'resolved');
    const changed = buildRunTaskInput({ pool, run: { ...run, spec: { ...run.spec, command: ['other'] } }, attempt: 1, namespace, taskDefinition, network: net.status === 'resolved' ? net.network : undefined });
    const outcome = await launch(gateway, changed, { placement: { launchBucket: 'fargateLaunches' }, wait: true });
    assert.equal(outcome.kind, 'conflict', JSON.stringify(outcome));
    assert.deepEqual(outcome.kind === 'conflict' && outcome.taskArns, [first.kind === 'launched' ? first.taskArn : '']);
  });

  test('Fargate Spot launches through a capacity-provider strategy', async () => {
    const outcome = await launchRun(newPool({ launchType: 'FARGATE_SPOT' }), newRun('spot-1'));
    assert.equal(outcome.kind, 'launched', JSON.stringify(outcome));
    assert.equal(outcome.kind === 'launched' && outcome.task.capacityProviderName, 'FARGATE_SPOT');
  });

  test('an unknown cluster fails terminally with the seed\'s explanation', async () => {
    const outcome = await launchRun(newPool({ cluster: 'no-such-cluster' }), newRun('lost-1'));
    assert.deepEqual(outcome, {
      kind: 'terminal', reason: 'ClusterNotFound',
      message: "Failed to run ECS task, cluster 'no-such-cluster' not found in region us-east-1. Confirm that the cluster is configured in your region.",
    });
  });
});
