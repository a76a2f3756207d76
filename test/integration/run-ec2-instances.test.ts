/**
 * EC2 pools against the simulator's container instances, through the real SDK, gateway and run reconciler:
 * on a cluster with no registered instances every RunTask is AWS's InvalidParameterException "No Container
 * Instances were found in your cluster.", which the launch classifies as an infrastructure failure, so each
 * attempt fails, is retried within the pool's infrastructure budget, and the run ends crashed; on a
 * cluster with an instance the run succeeds and its task is placed on that instance.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeTasksCommand, ListContainerInstancesCommand } from '@aws-sdk/client-ecs';
import { allStopped, fargatePool, QUICK_SCENARIO, startRunHarness, type RunHarness } from './run-harness.js';

const retryFast = { retry: { infrastructureAttempts: 2, backoff: { initialSeconds: 0.05, maxSeconds: 0.1 } } };

describe('EC2 pools and container instances', () => {
  let h: RunHarness;

  before(async () => {
    h = await startRunHarness({
      timeScale: 60,
      // Both clusters exist; only `ec2` has a (4 vCPU / 16 GiB) container instance.
      scenario: { ...QUICK_SCENARIO, clusters: { bare: {}, ec2: { containerInstances: 1 } } },
      pools: [
        fargatePool('ec2-bare', { ...retryFast, launchType: 'EC2', cluster: 'bare' }),
        fargatePool('ec2-ready', { ...retryFast, launchType: 'EC2', cluster: 'ec2' }),
      ],
    });
  });

  after(async () => {
    await h.close();
  });

  test('a cluster without container instances: each attempt is an infrastructure failure, retried per policy, then the run crashes', async () => {
    await h.submitRun('bare-1', 'ec2-bare');
    const [run] = await h.driveUntil(['bare-1'], allStopped);
    assert.equal(run.status.outcome, 'crashed', run.status.message);
    assert.deepEqual(run.status.attempts.map((a) => [a.number, a.failureReason, a.taskArn]), [
      [1, 'NoContainerInstances', undefined],
      [2, 'NoContainerInstances', undefined],
    ]);
    assert.match(run.status.message ?? '', /cluster 'bare' does not appear to have any container instances/);
    assert.match(run.status.message ?? '', /budget of 2/);
    // Both attempts reached ECS and were refused there; nothing was launched.
    assert.equal(h.sim.audit().calls.RunTask?.error, 2);
    assert.equal(h.tasksOf('bare-1').length, 0);
  });

  test('a cluster with a container instance: the run succeeds and its task is placed on that instance', async () => {
    await h.submitRun('ready-1', 'ec2-ready');
    const [run] = await h.driveUntil(['ready-1'], allStopped);
    assert.equal(run.status.outcome, 'succeeded', run.status.message);
    assert.equal(run.status.attempts.length, 1);
    const taskArn = run.status.attempts[0].taskArn;
    assert.ok(taskArn);
    const [instance] = (await h.clients.ecs.send(new ListContainerInstancesCommand({ cluster: 'ec2' }))).containerInstanceArns ?? [];
    const [task] = (await h.clients.ecs.send(new DescribeTasksCommand({ cluster: 'ec2', tasks: [taskArn] }))).tasks ?? [];
    assert.deepEqual([task.launchType, task.containerInstanceArn, task.lastStatus], ['EC2', instance, 'STOPPED']);
  });
});
