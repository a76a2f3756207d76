/**
 * Each ECS throttle category with AWS's default burst (docs/ecs-facts.md#throttling): on a clock that stands still the
 * bucket holds exactly its burst, the next call is a ThrottlingException "Rate exceeded" (HTTP 400) as the
 * SDK sees it, and one simulated second later exactly the sustained rate is available again.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateClusterCommand, DescribeClustersCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand,
  ListClustersCommand, ListTaskDefinitionsCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { EC2Client, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CREDENTIALS, container, failure, fargateRun, registerFargate, startHarness, steppedClock, type SimHarness,
} from './helpers/ecs-sim.js';

const open: SimHarness[] = [];
after(async () => {
  await Promise.all(open.map((h) => h.close()));
});

async function harness(timeScale = 1): Promise<{ h: SimHarness; advance(ms: number): void }> {
  const clock = steppedClock();
  // One container instance on the default cluster, so EC2 RunTask (no Fargate buckets) can launch.
  const h = await startHarness({ scheduler: clock.scheduler, timeScale, registrationDelayMs: 0, scenario: { clusters: { default: { containerInstances: 1 } } } });
  open.push(h);
  return { h, advance: clock.advance };
}

/** Calls `call` until it is throttled; answers how many succeeded first (bounded). */
async function successesBeforeThrottle(call: (i: number) => Promise<unknown>, limit = 500): Promise<number> {
  for (let i = 0; i < limit; i += 1) {
    try {
      await call(i);
    } catch (error) {
      const e = error as Error & { $metadata?: { httpStatusCode?: number } };
      assert.equal(e.name, 'ThrottlingException');
      assert.equal(e.message, 'Rate exceeded');
      assert.equal(e.$metadata?.httpStatusCode, 400);
      return i;
    }
  }
  throw new Error(`not throttled after ${limit} calls`);
}

async function ec2Task(ecs: ECSClient): Promise<string> {
  await ecs.send(new RegisterTaskDefinitionCommand({ family: 'ec2-task', containerDefinitions: [container({ memory: 16 })] }));
  const run = await ecs.send(new RunTaskCommand({ taskDefinition: 'ec2-task', launchType: 'EC2' }));
  return run.tasks![0].taskArn!;
}

describe('ECS API throttling (AWS default buckets)', () => {
  test('cluster modify: CreateCluster bursts 20, refills 1/s', async () => {
    const { h, advance } = await harness();
    assert.equal(await successesBeforeThrottle((i) => h.ecs.send(new CreateClusterCommand({ clusterName: `c${i}` }))), 20);
    advance(1000);
    assert.equal(await successesBeforeThrottle((i) => h.ecs.send(new CreateClusterCommand({ clusterName: `d${i}` }))), 1);
    assert.equal(h.sim.audit().calls.CreateCluster.throttled, 2);
  });

  test('cluster read: DescribeClusters and ListClusters share one 50/20 bucket', async () => {
    const { h, advance } = await harness();
    const n = await successesBeforeThrottle((i) =>
      i % 2 === 0 ? h.ecs.send(new DescribeClustersCommand({})) : h.ecs.send(new ListClustersCommand({})),
    );
    assert.equal(n, 50);
    advance(1000);
    assert.equal(await successesBeforeThrottle(() => h.ecs.send(new ListClustersCommand({}))), 20);
  });

  test('task definition modify: RegisterTaskDefinition bursts 20, refills 1/s', async () => {
    const { h, advance } = await harness();
    assert.equal(await successesBeforeThrottle((i) => registerFargate(h.ecs, { family: `fam${i}` })), 20);
    advance(3000);
    assert.equal(await successesBeforeThrottle((i) => registerFargate(h.ecs, { family: `again${i}` })), 3);
  });

  test('task definition read: DescribeTaskDefinition and ListTaskDefinitions share 50/20', async () => {
    const { h } = await harness();
    await registerFargate(h.ecs);
    const n = await successesBeforeThrottle((i) =>
      i % 2 === 0 ? h.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'sim-test' })) : h.ecs.send(new ListTaskDefinitionsCommand({})),
    );
    assert.equal(n, 50);
  });

  test('cluster resource modify: RunTask and StopTask share one 100/40 bucket', async () => {
    const { h, advance } = await harness();
    const task = await ec2Task(h.ecs); // one RunTask spent
    const n = await successesBeforeThrottle(() => h.ecs.send(new StopTaskCommand({ task })));
    assert.equal(n, 99);
    const runThrottled = await failure(() => h.ecs.send(new RunTaskCommand({ taskDefinition: 'ec2-task', launchType: 'EC2' })));
    assert.equal(runThrottled.name, 'ThrottlingException');
    advance(1000);
    assert.equal(await successesBeforeThrottle(() => h.ecs.send(new StopTaskCommand({ task }))), 40);
  });

  test('cluster resource read: DescribeTasks and ListTasks share one 100/20 bucket', async () => {
    const { h } = await harness();
    const task = await ec2Task(h.ecs);
    const n = await successesBeforeThrottle((i) =>
      i % 2 === 0 ? h.ecs.send(new DescribeTasksCommand({ tasks: [task] })) : h.ecs.send(new ListTasksCommand({})),
    );
    assert.equal(n, 100);
  });

  test('Fargate RunTask calls: 20 per second on top of the cluster-resource bucket', async () => {
    const { h, advance } = await harness();
    await registerFargate(h.ecs);
    assert.equal(await successesBeforeThrottle(() => h.ecs.send(new RunTaskCommand(fargateRun('sim-test')))), 20);
    advance(1000);
    assert.equal(await successesBeforeThrottle(() => h.ecs.send(new RunTaskCommand(fargateRun('sim-test')))), 20);
  });

  test('Fargate launches: 100 tasks burst, separately for on-demand and Spot; an oversized RunTask is throttled whole', async () => {
    const { h } = await harness();
    await registerFargate(h.ecs);
    for (let i = 0; i < 9; i += 1) await h.ecs.send(new RunTaskCommand(fargateRun('sim-test', { count: 10 })));
    await h.ecs.send(new RunTaskCommand(fargateRun('sim-test', { count: 5 })));
    // 95 launched: a count-10 call does not fit and launches nothing; a count-5 call still fits.
    assert.equal((await failure(() => h.ecs.send(new RunTaskCommand(fargateRun('sim-test', { count: 10 }))))).name, 'ThrottlingException');
    assert.equal((await h.ecs.send(new RunTaskCommand(fargateRun('sim-test', { count: 5 })))).tasks?.length, 5);
    assert.equal((await failure(() => h.ecs.send(new RunTaskCommand(fargateRun('sim-test'))))).name, 'ThrottlingException');
    const spot = await h.ecs.send(
      new RunTaskCommand(fargateRun('sim-test', { launchType: undefined, capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }], count: 10 })),
    );
    assert.equal(spot.tasks?.length, 10);
    assert.equal(h.sim.audit().tasks.length, 110);
  });

  test('EC2 describe calls: 100 burst, answered RequestLimitExceeded (503)', async () => {
    const { h } = await harness();
    const ec2 = new EC2Client({ endpoint: h.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    let ok = 0;
    for (;;) {
      try {
        await ec2.send(new DescribeSubnetsCommand({}));
        ok += 1;
      } catch (error) {
        const e = error as Error & { $metadata?: { httpStatusCode?: number } };
        assert.equal(e.name, 'RequestLimitExceeded');
        assert.equal(e.$metadata?.httpStatusCode, 503);
        break;
      }
    }
    ec2.destroy();
    assert.equal(ok, 100);
  });

  test('CloudWatch Logs GetLogEvents: 10 burst', async () => {
    const { h } = await harness();
    const logs = new CloudWatchLogsClient({ endpoint: h.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    const n = await successesBeforeThrottle(async () => {
      try {
        await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's' }));
      } catch (error) {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      }
    });
    logs.destroy();
    assert.equal(n, 10);
  });

  test('throttling can be switched off, and single categories overridden', async () => {
    const off = await startHarness({ throttling: false, registrationDelayMs: 0 });
    open.push(off);
    for (let i = 0; i < 30; i += 1) await off.ecs.send(new CreateClusterCommand({ clusterName: `c${i}` }));
    const clock = steppedClock();
    const tuned = await startHarness({ scheduler: clock.scheduler, throttling: { clusterModify: { capacity: 3 } } });
    open.push(tuned);
    assert.equal(await successesBeforeThrottle((i) => tuned.ecs.send(new CreateClusterCommand({ clusterName: `c${i}` }))), 3);
  });

  test('the time scale multiplies refill rates, not bursts', async () => {
    const { h, advance } = await harness(10);
    assert.equal(await successesBeforeThrottle((i) => h.ecs.send(new CreateClusterCommand({ clusterName: `c${i}` }))), 20);
    advance(1000);
    assert.equal(await successesBeforeThrottle((i) => h.ecs.send(new CreateClusterCommand({ clusterName: `d${i}` }))), 10);
  });
});
