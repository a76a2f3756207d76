/** DescribeTasks and ListTasks details: tags on request, paging, cluster scoping, ARN or id references. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateClusterCommand, DescribeTasksCommand, ListTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import {
  container, env, registerFargate, runFargate, startHarness, SUBNET_A, SUBNET_B, type SimHarness,
} from './helpers/ecs-sim.js';

let h: SimHarness;
before(async () => {
  h = await startHarness({ throttling: false, registrationDelayMs: 0 });
  await registerFargate(h.ecs, { containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '3600' }) })] });
  await h.ecs.send(new CreateClusterCommand({ clusterName: 'elsewhere' }));
});
after(() => h.close());

describe('DescribeTasks', () => {
  test('tags only with include TAGS; tasks found by id or ARN; StopTask deletes the tags', async () => {
    const arn = (await runFargate(h.ecs, 'sim-test', { tags: [{ key: 'run', value: 'r-1' }] })).tasks![0].taskArn!;
    const id = arn.split('/').pop()!;
    const plain = await h.ecs.send(new DescribeTasksCommand({ tasks: [id] }));
    assert.equal(plain.tasks?.[0].taskArn, arn);
    assert.equal(plain.tasks?.[0].tags, undefined);
    const tagged = await h.ecs.send(new DescribeTasksCommand({ tasks: [arn], include: ['TAGS'] }));
    assert.deepEqual(tagged.tasks?.[0].tags, [{ key: 'run', value: 'r-1' }]);
    await h.ecs.send(new StopTaskCommand({ task: arn }));
    const after = await h.ecs.send(new DescribeTasksCommand({ tasks: [arn], include: ['TAGS'] }));
    assert.deepEqual(after.tasks?.[0].tags, []);
  });

  test('task-level cpu/memory overrides show on the task', async () => {
    const task = (await runFargate(h.ecs, 'sim-test', { overrides: { cpu: '512', memory: '1024' } })).tasks![0];
    assert.equal(task.cpu, '512');
    assert.equal(task.memory, '1024');
  });

  test('an awsvpc task sits in one of its subnets, in that subnet\'s Availability Zone', async () => {
    const zones: Record<string, string> = { [SUBNET_A]: 'us-east-1a', [SUBNET_B]: 'us-east-1b' };
    const tasks = (await runFargate(h.ecs, 'sim-test', { count: 10 })).tasks!;
    for (const task of tasks) {
      const subnet = task.attachments?.[0].details?.find((d) => d.name === 'subnetId')?.value ?? '';
      assert.ok(subnet in zones, `subnet ${subnet}`);
      assert.equal(task.availabilityZone, zones[subnet]);
    }
  });

  test('a task of another cluster is MISSING in this one', async () => {
    const arn = (await runFargate(h.ecs, 'sim-test', { cluster: 'elsewhere' })).tasks![0].taskArn!;
    const here = await h.ecs.send(new DescribeTasksCommand({ tasks: [arn] }));
    assert.deepEqual(here.failures, [{ arn, reason: 'MISSING' }]);
    const there = await h.ecs.send(new DescribeTasksCommand({ cluster: 'elsewhere', tasks: [arn] }));
    assert.equal(there.tasks?.[0].clusterArn, 'arn:aws:ecs:us-east-1:123456789012:cluster/elsewhere');
  });
});

describe('ListTasks', () => {
  test('pages with maxResults and nextToken until every task was listed once', async () => {
    const launched: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const out = await runFargate(h.ecs, 'sim-test', { count: 10, startedBy: 'pager' });
      launched.push(...out.tasks!.map((t) => t.taskArn!));
    }
    const listed: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await h.ecs.send(new ListTasksCommand({ startedBy: 'pager', maxResults: 7, nextToken }));
      listed.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken !== undefined);
    assert.equal(pages, 5);
    assert.deepEqual(listed, launched);
  });

  test('maxResults outside 1..100 is rejected', async () => {
    await assert.rejects(h.ecs.send(new ListTasksCommand({ maxResults: 101 })), { name: 'InvalidParameterException' });
  });
});
