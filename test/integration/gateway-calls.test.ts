/**
 * The gateway through the real SDK clients against a scripted HTTP endpoint (each request answered from a
 * queue of canned AWS responses), with the budgets in real Redis.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../controller/redis.js';
import { testRedis } from '../helpers/redis-namespace.js';
import { createAwsClients, AwsClients } from '../../controller/aws/clients.js';
import { BudgetExhaustedError, GatewayError, createAwsGateway } from '../../controller/aws/gateway.js';
import { RedisBudgets } from '../../controller/aws/redis-budgets.js';
import { BudgetTable, DEFAULT_BUDGETS, THROTTLE_CATEGORIES, ThrottleCategory } from '../../controller/aws/budgets.js';
import { createMetrics } from '../../controller/metrics.js';

interface Canned { status: number; type?: string; message?: string; body?: unknown }

describe('AWS gateway against a scripted endpoint', () => {
  let server: Server;
  let endpointUrl: string;
  let redis: RedisClient;
  let clients: AwsClients;
  const received: string[] = [];
  const script: Canned[] = [];
  const prefixes: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '');
        const next = script.shift() ?? { status: 200, body: {} };
        const payload = next.type ? { __type: next.type, message: next.message } : next.body;
        res.writeHead(next.status, { 'content-type': 'application/x-amz-json-1.1', ...(next.type ? { 'x-amzn-errortype': next.type } : {}) });
        res.end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpointUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    redis = testRedis();
    clients = createAwsClients({ region: 'us-east-1', endpointUrl, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });

  after(async () => {
    for (const prefix of prefixes) await redis.del(...THROTTLE_CATEGORIES.map((c) => prefix + c));
    await redis.quit();
    clients.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function setup(table: BudgetTable = DEFAULT_BUDGETS) {
    received.length = 0;
    script.length = 0;
    const prefix = `longshore:{test-${randomUUID()}}:budget:`;
    prefixes.push(prefix);
    // The buckets run on a clock only the gateway's sleeps move, so a loaded machine's pauses refill nothing
    // and token levels read after a call are exactly what the call spent.
    const clock = { ms: 1_000_000 };
    const budgets = new RedisBudgets({ redis, bucketKey: (c: ThrottleCategory) => prefix + c, budgets: table, now: () => clock.ms });
    const metrics = createMetrics();
    const sleeps: number[] = [];
    const gateway = createAwsGateway({
      clients, budgets, metrics, maxWaitMs: 5000, random: () => 0.5, now: () => clock.ms,
      sleep: async (ms) => { sleeps.push(ms); clock.ms += ms; await new Promise((r) => setImmediate(r)); },
    });
    const count = async (name: string, labels: Record<string, string>) => {
      const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
      // Summed over the series that match (one per account-region the calls went to).
      return metric?.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
    };
    return { gateway, budgets, metrics, sleeps, count };
  }

  test('a successful call is sent once and counted by action and outcome', async () => {
    const { gateway, count } = setup();
    script.push({ status: 200, body: { clusters: [{ clusterName: 'c1' }], failures: [] } });
    const output = await gateway.describeClusters({ clusters: ['c1'] });
    assert.equal(output.clusters?.[0].clusterName, 'c1');
    assert.deepEqual(received, ['DescribeClusters']);
    assert.equal(await count('longshore_ecs_api_calls_total', { action: 'DescribeClusters', outcome: 'success' }), 1);
    assert.equal(await count('longshore_ecs_api_calls_total', { action: 'RunTask', outcome: 'success' }), 0);
  });

  test('without wait a throttle is thrown once, counted, and lowers the shared rate', async () => {
    const { gateway, budgets, count } = setup();
    script.push({ status: 400, type: 'ThrottlingException', message: 'Rate exceeded' });
    const error = await gateway.stopTask({ cluster: 'c1', task: 't1' }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof GatewayError);
    assert.equal(error.kind, 'throttled');
    assert.equal(error.action, 'StopTask');
    assert.equal(error.code, 'ThrottlingException');
    assert.ok((error.retryAfterMs ?? 0) > 0);
    assert.deepEqual(received, ['StopTask'], 'the SDK did not retry on its own');
    assert.equal(await count('longshore_ecs_api_throttles_total', { action: 'StopTask' }), 1);
    assert.equal(await count('longshore_ecs_api_calls_total', { action: 'StopTask', outcome: 'throttled' }), 1);
    assert.equal((await budgets.level('clusterResourceModify')).rateFactor, 0.5);
  });

  test('a throttled Fargate RunTask lowers only the bucket it was drawing down, not all three it spends', async () => {
    const { gateway, budgets } = setup();
    // 18 RunTask calls of count 1: the call bucket (20) is nearly empty, cluster-modify (100) and launches (100) are not.
    for (let i = 0; i < 18; i++) script.push({ status: 200, body: { tasks: [{ taskArn: `arn:t${i}` }], failures: [] } });
    for (let i = 0; i < 18; i++) await gateway.runTask({ cluster: 'c1', taskDefinition: 'f:1', launchType: 'FARGATE' });
    script.push({ status: 400, type: 'ThrottlingException', message: 'Rate exceeded' });
    await assert.rejects(gateway.runTask({ cluster: 'c1', taskDefinition: 'f:1', launchType: 'FARGATE' }), GatewayError);
    assert.equal((await budgets.level('fargateRunTaskCalls')).rateFactor, 0.5, 'the call bucket is lowered');
    assert.equal((await budgets.level('clusterResourceModify')).rateFactor, 1, 'cluster-modify keeps its rate');
    assert.equal((await budgets.level('fargateLaunches')).rateFactor, 1, 'launches keep their rate');
  });

  test('with wait a throttled call is retried after a backoff and succeeds', async () => {
    const { gateway, sleeps } = setup();
    script.push({ status: 400, type: 'ClientException', message: 'Rate exceeded' }, { status: 200, body: { taskArns: ['arn:t'] } });
    const output = await gateway.listTasks({ cluster: 'c1' }, { wait: true });
    assert.deepEqual(output.taskArns, ['arn:t']);
    assert.deepEqual(received, ['ListTasks', 'ListTasks']);
    assert.ok(sleeps.length >= 1);
  });

  test('a transient failure of a non-idempotent call is not retried even with wait', async () => {
    const { gateway } = setup();
    script.push({ status: 500, type: 'ServerException', message: 'boom' });
    await assert.rejects(gateway.registerTaskDefinition({ family: 'f', containerDefinitions: [] }, { wait: true }), (e: unknown) => e instanceof GatewayError && e.kind === 'transient');
    assert.deepEqual(received, ['RegisterTaskDefinition']);
  });

  test('an exhausted budget refuses without calling AWS, or waits for a token', async () => {
    const table: BudgetTable = { ...DEFAULT_BUDGETS, taskDefinitionRead: { burst: 1, refillPerSecond: 20 } };
    const { gateway, sleeps, count } = setup(table);
    await gateway.describeTaskDefinition({ taskDefinition: 'f:1' });
    const refused = await gateway.describeTaskDefinition({ taskDefinition: 'f:1' }).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof BudgetExhaustedError);
    assert.equal(refused.category, 'taskDefinitionRead');
    assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 50);
    assert.deepEqual(received, ['DescribeTaskDefinition']);
    await gateway.describeTaskDefinition({ taskDefinition: 'f:1' }, { wait: true });
    assert.deepEqual(received, ['DescribeTaskDefinition', 'DescribeTaskDefinition']);
    assert.ok(sleeps.length >= 1, 'waited for the token');
    assert.equal(await count('longshore_budget_exhausted_total', { category: 'taskDefinitionRead' }), sleeps.length + 1);
  });

  test('a Fargate RunTask spends the API, Fargate call and launch buckets', async () => {
    const { gateway, budgets } = setup();
    script.push({ status: 200, body: { tasks: [], failures: [] } });
    await gateway.runTask({ cluster: 'c1', taskDefinition: 'f:1', count: 3, capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] });
    assert.equal((await budgets.level('clusterResourceModify')).tokens, 99);
    assert.equal((await budgets.level('fargateRunTaskCalls')).tokens, 19);
    assert.equal((await budgets.level('fargateSpotLaunches')).tokens, 97, 'three spot launch tokens spent');
    assert.equal((await budgets.level('fargateLaunches')).tokens, 100);
  });

  test('an EC2 launch spends no Fargate tokens', async () => {
    const { gateway, budgets } = setup();
    await gateway.runTask({ cluster: 'c1', taskDefinition: 'f:1', launchType: 'EC2' });
    assert.equal((await budgets.level('fargateRunTaskCalls')).tokens, 20);
    assert.equal((await budgets.level('fargateLaunches')).tokens, 100);
  });

  test('a missing cluster is notFound and keeps AWS\'s message', async () => {
    const { gateway } = setup();
    script.push({ status: 400, type: 'ClusterNotFoundException', message: 'Cluster not found.' });
    await assert.rejects(gateway.describeTasks({ cluster: 'nope', tasks: ['t'] }, { wait: true }), (e: unknown) =>
      e instanceof GatewayError && e.kind === 'notFound' && e.message.includes('Cluster not found.'));
    assert.equal(received.length, 1);
  });
});
