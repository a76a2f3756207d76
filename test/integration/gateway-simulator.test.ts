/**
 * The gateway through the real SDK against the ECS simulator (AWS-default throttles, time-scaled), with
 * budgets in real Redis: paced at the defaults it is never throttled; paced above them it is throttled,
 * lowers its rate, retries and still completes; errors arrive classified.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../controller/redis.js';
import { testRedis } from '../helpers/redis-namespace.js';
import { startSimulator, RunningSimulator } from '@longshore/simulator';
import { createAwsClients, AwsClients } from '../../controller/aws/clients.js';
import { GatewayError, createAwsGateway } from '../../controller/aws/gateway.js';
import { taskDefinitionProblem } from '../../controller/aws/errors.js';
import { RedisBudgets } from '../../controller/aws/redis-budgets.js';
import { BudgetTable, DEFAULT_BUDGETS, THROTTLE_CATEGORIES, ThrottleCategory, scaleBudgets } from '../../controller/aws/budgets.js';
import { createMetrics } from '../../controller/metrics.js';

const TIME_SCALE = 5;

describe('AWS gateway against the simulator', () => {
  let sim: RunningSimulator;
  let redis: RedisClient;
  let clients: AwsClients;
  const prefixes: string[] = [];

  before(async () => {
    sim = await startSimulator({ timeScale: TIME_SCALE, seed: 7 });
    redis = testRedis();
    clients = createAwsClients({ region: 'us-east-1', endpointUrl: sim.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });

  after(async () => {
    for (const prefix of prefixes) await redis.del(...THROTTLE_CATEGORIES.map((c) => prefix + c));
    await redis.quit();
    clients.destroy();
    await sim.close();
  });

  function gatewayWith(table: BudgetTable) {
    sim.reset();
    const prefix = `longshore:{test-${randomUUID()}}:budget:`;
    prefixes.push(prefix);
    const budgets = new RedisBudgets({ redis, bucketKey: (c: ThrottleCategory) => prefix + c, budgets: table, burstReserveFraction: 0.05 });
    const metrics = createMetrics();
    return { gateway: createAwsGateway({ clients, budgets, metrics, maxWaitMs: 20_000, maxCallTries: 8 }), budgets, metrics };
  }

  test('paced at AWS defaults, a burst beyond the bucket completes with at most a jitter throttle or two', async () => {
    const { gateway } = gatewayWith(scaleBudgets(DEFAULT_BUDGETS, TIME_SCALE));
    const registrations = Array.from({ length: 30 }, (_, i) =>
      gateway.registerTaskDefinition({
        family: `fam-${i}`,
        requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512',
        containerDefinitions: [{ name: 'main', image: 'busybox' }],
      }, { wait: true }));
    const outputs = await Promise.all(registrations);
    assert.equal(outputs.length, 30);
    assert.ok(outputs.every((o) => o.taskDefinition?.revision === 1));
    // Unpaced, 30 registrations against a 20-token bucket draw at least 10 throttles. Paced, only event-loop
    // jitter between our grant and the simulator's count can cost a token (at 5x, one token is 200 ms).
    const calls = sim.audit().calls.RegisterTaskDefinition;
    assert.equal(calls.ok, 30);
    assert.equal(calls.error, 0);
    assert.ok(calls.throttled <= 2, `throttled ${calls.throttled} times`);
  });

  test('paced above the real bucket, it is throttled, slows down, retries and completes', async () => {
    const greedy: BudgetTable = { ...scaleBudgets(DEFAULT_BUDGETS, TIME_SCALE), clusterRead: { burst: 200, refillPerSecond: 2000 } };
    const { gateway, budgets, metrics } = gatewayWith(greedy);
    const results = await Promise.all(Array.from({ length: 150 }, () => gateway.describeClusters({ clusters: ['default'] }, { wait: true })));
    assert.equal(results.length, 150);
    assert.ok(results.every((r) => r.clusters?.[0]?.clusterName === 'default'));
    const calls = sim.audit().calls.DescribeClusters;
    assert.equal(calls.ok, 150);
    assert.ok(calls.throttled > 0, 'the simulator throttled the greedy burst');
    const text = await metrics.registry.metrics();
    assert.ok(text.includes(`longshore_ecs_api_throttles_total{action="DescribeClusters"} ${calls.throttled}`));
    assert.ok((await budgets.level('clusterRead')).rateFactor < 1, 'the shared rate was lowered');
  });

  test('errors from the simulator arrive classified with AWS\'s message', async () => {
    const { gateway } = gatewayWith(scaleBudgets(DEFAULT_BUDGETS, TIME_SCALE));
    const missing = await gateway.describeTasks({ cluster: 'no-such-cluster', tasks: ['abc'] }).then(() => undefined, (e: unknown) => e);
    assert.ok(missing instanceof GatewayError);
    assert.equal(missing.kind, 'notFound');
    assert.equal(missing.code, 'ClusterNotFoundException');
    const invalid = await gateway.runTask({ cluster: 'default', taskDefinition: 'never-registered:1', launchType: 'FARGATE' }).then(() => undefined, (e: unknown) => e);
    assert.ok(invalid instanceof GatewayError);
    // ECS's ClientException for a task definition it does not know: a missing thing, not a wrong request.
    assert.equal(invalid.kind, 'notFound');
    assert.equal(invalid.code, 'ClientException');
    assert.equal(taskDefinitionProblem(invalid), 'missing');
    const invalidParameter = await gateway.runTask({ cluster: 'default', taskDefinition: 'never-registered:1', launchType: 'FARGATE', count: 11 }).then(() => undefined, (e: unknown) => e);
    assert.ok(invalidParameter instanceof GatewayError);
    assert.equal(invalidParameter.kind, 'client');
  });
});
