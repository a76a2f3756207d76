/**
 * Container instances through the real SDK: EC2 and EXTERNAL tasks need registered instances of their kind
 * (AWS: InvalidParameterException "No Container Instances were found in your cluster."), are placed on one
 * (containerInstanceArn on RunTask, DescribeTasks and the task events) and hold its cpu/memory until they
 * stop; a task that fits nowhere is a RESOURCE:* failure naming the instance. Instances come from the
 * scenario's `clusters`, `sim.containerInstances.register` or POST /_sim/container-instances.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateClusterCommand, DescribeClustersCommand, DescribeContainerInstancesCommand, DescribeTasksCommand, ListContainerInstancesCommand,
  ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type ContainerInstance,
} from '@aws-sdk/client-ecs';
import { container, env, eventually, failure, registerFargate, runFargate, startHarness, type SimHarness } from './helpers/ecs-sim.js';
import { DEFAULT_CLUSTER_EXTERNAL_INSTANCES } from '../ecs/container-instances.js';

const NO_INSTANCES = 'No Container Instances were found in your cluster.';
const INSTANCE_ARN = /^arn:aws:ecs:us-east-1:123456789012:container-instance\/(?<cluster>[\w-]+)\/[0-9a-f]{32}$/;

function resource(instance: ContainerInstance | undefined, which: 'registeredResources' | 'remainingResources', name: string): number | undefined {
  return instance?.[which]?.find((r) => r.name === name)?.integerValue;
}

describe('container instances', () => {
  let h: SimHarness;
  const changes: Array<{ taskArn?: unknown; containerInstanceArn?: unknown }> = [];

  before(async () => {
    h = await startHarness({
      registrationDelayMs: 0,
      throttling: false,
      scenario: { clusters: { ec2: { containerInstances: 1, cpu: 1024, memory: 4096 }, edge: { externalInstances: 1 }, empty: {} } },
      onTaskChange: (task) => changes.push(task),
    });
    // Runs for an hour (simulated) unless stopped, so reservations stay put while the test looks.
    await h.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'ec2', requiresCompatibilities: ['EC2', 'EXTERNAL'],
      containerDefinitions: [container({ cpu: 512, memory: 1024, environment: env({ SIM_RUN_SECONDS: '3600' }) })],
    }));
    await h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'ec2-big', containerDefinitions: [container({ cpu: 0, memory: 4096 })] }));
  });
  after(() => h.close());

  test('EC2 RunTask on a cluster without instances (the default one, a created one, a scenario one) is InvalidParameterException', async () => {
    await h.ecs.send(new CreateClusterCommand({ clusterName: 'fresh' }));
    for (const cluster of [undefined, 'fresh', 'empty']) {
      const error = await failure(() => h.ecs.send(new RunTaskCommand({ cluster, taskDefinition: 'ec2', launchType: 'EC2' })));
      assert.deepEqual([error.name, error.message, error.status], ['InvalidParameterException', NO_INSTANCES, 400], `cluster ${cluster ?? 'default'}`);
    }
    // Neither launchType nor strategy means EC2, so the same rule applies.
    assert.equal((await failure(() => h.ecs.send(new RunTaskCommand({ cluster: 'empty', taskDefinition: 'ec2' })))).message, NO_INSTANCES);
    assert.equal(h.sim.audit().tasks.length, 0);
    // Fargate brings its own capacity.
    await registerFargate(h.ecs);
    assert.equal((await runFargate(h.ecs, 'sim-test', { cluster: 'empty' })).tasks?.length, 1);
  });

  test('EXTERNAL tasks need EXTERNAL instances: EC2 instances do not count, and EC2 tasks do not use EXTERNAL ones', async () => {
    const onEc2 = await failure(() => h.ecs.send(new RunTaskCommand({ cluster: 'ec2', taskDefinition: 'ec2', launchType: 'EXTERNAL' })));
    assert.deepEqual([onEc2.name, onEc2.message], ['InvalidParameterException', NO_INSTANCES]);
    const onEdge = await failure(() => h.ecs.send(new RunTaskCommand({ cluster: 'edge', taskDefinition: 'ec2', launchType: 'EC2' })));
    assert.equal(onEdge.message, NO_INSTANCES);
    const out = await h.ecs.send(new RunTaskCommand({ cluster: 'edge', taskDefinition: 'ec2', launchType: 'EXTERNAL' }));
    const [arn] = (await h.ecs.send(new ListContainerInstancesCommand({ cluster: 'edge' }))).containerInstanceArns ?? [];
    assert.equal(out.tasks?.[0].containerInstanceArn, arn);
    const described = await h.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'edge', containerInstances: [arn] }));
    assert.match(described.containerInstances?.[0].ec2InstanceId ?? '', /^mi-[0-9a-f]{17}$/);
    await h.ecs.send(new StopTaskCommand({ cluster: 'edge', task: out.tasks?.[0].taskArn }));
  });

  test('the scenario registers its instances: listed, described with registered and remaining resources, counted by DescribeClusters', async () => {
    const listed = await h.ecs.send(new ListContainerInstancesCommand({ cluster: 'ec2' }));
    assert.equal(listed.containerInstanceArns?.length, 1);
    const arn = listed.containerInstanceArns![0];
    assert.equal(INSTANCE_ARN.exec(arn)?.groups?.cluster, 'ec2');
    const out = await h.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'ec2', containerInstances: [arn, 'f'.repeat(32)] }));
    const instance = out.containerInstances?.[0];
    assert.deepEqual([instance?.status, instance?.agentConnected, instance?.runningTasksCount], ['ACTIVE', true, 0]);
    assert.match(instance?.ec2InstanceId ?? '', /^i-[0-9a-f]{17}$/);
    assert.ok(instance?.registeredAt instanceof Date);
    assert.deepEqual([resource(instance, 'registeredResources', 'CPU'), resource(instance, 'registeredResources', 'MEMORY')], [1024, 4096]);
    assert.deepEqual(out.failures, [{ arn: `arn:aws:ecs:us-east-1:123456789012:container-instance/ec2/${'f'.repeat(32)}`, reason: 'MISSING' }]);
    const clusters = await h.ecs.send(new DescribeClustersCommand({ clusters: ['ec2', 'empty'] }));
    assert.deepEqual(clusters.clusters?.map((c) => c.registeredContainerInstancesCount), [1, 0]);
    assert.deepEqual((await h.ecs.send(new ListContainerInstancesCommand({ cluster: 'ec2', status: 'DRAINING' }))).containerInstanceArns, []);
    const empty = await failure(() => h.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'ec2', containerInstances: [] })));
    assert.equal(empty.name, 'InvalidParameterException');
  });

  test('an EC2 task names its instance everywhere and holds its resources until STOPPED; one that fits nowhere is a RESOURCE:* failure naming the instance', async () => {
    const [arn] = (await h.ecs.send(new ListContainerInstancesCommand({ cluster: 'ec2' }))).containerInstanceArns ?? [];
    const out = await h.ecs.send(new RunTaskCommand({ cluster: 'ec2', taskDefinition: 'ec2', launchType: 'EC2', count: 3 }));
    assert.equal(out.tasks?.length, 2);
    assert.deepEqual(out.failures, [{ arn, reason: 'RESOURCE:CPU' }]);
    const taskArns = out.tasks!.map((t) => t.taskArn!);
    assert.deepEqual(out.tasks!.map((t) => t.containerInstanceArn), [arn, arn]);
    const described = await h.ecs.send(new DescribeTasksCommand({ cluster: 'ec2', tasks: taskArns }));
    assert.deepEqual(described.tasks?.map((t) => t.containerInstanceArn), [arn, arn]);
    assert.ok(changes.some((c) => c.taskArn === taskArns[0] && c.containerInstanceArn === arn), 'the task events carry the instance');
    assert.deepEqual((await h.ecs.send(new ListTasksCommand({ cluster: 'ec2', containerInstance: arn }))).taskArns?.sort(), [...taskArns].sort());

    const busy = (await h.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'ec2', containerInstances: [arn] }))).containerInstances?.[0];
    assert.deepEqual([resource(busy, 'remainingResources', 'CPU'), resource(busy, 'remainingResources', 'MEMORY')], [0, 2048]);
    assert.equal((busy?.runningTasksCount ?? 0) + (busy?.pendingTasksCount ?? 0), 2);
    const big = await h.ecs.send(new RunTaskCommand({ cluster: 'ec2', taskDefinition: 'ec2-big', launchType: 'EC2' }));
    assert.deepEqual(big.failures, [{ arn, reason: 'RESOURCE:MEMORY' }]);

    for (const task of taskArns) await h.ecs.send(new StopTaskCommand({ cluster: 'ec2', task }));
    await eventually(async () => {
      const tasks = (await h.ecs.send(new DescribeTasksCommand({ cluster: 'ec2', tasks: taskArns }))).tasks ?? [];
      return tasks.every((t) => t.lastStatus === 'STOPPED') ? true : undefined;
    });
    const free = (await h.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'ec2', containerInstances: [arn] }))).containerInstances?.[0];
    assert.deepEqual([resource(free, 'remainingResources', 'CPU'), resource(free, 'remainingResources', 'MEMORY')], [1024, 4096]);
    assert.equal((await h.ecs.send(new RunTaskCommand({ cluster: 'ec2', taskDefinition: 'ec2-big', launchType: 'EC2' }))).tasks?.[0].containerInstanceArn, arn);
  });
});

describe('provisioning container instances', () => {
  test('sim.containerInstances.register and POST /_sim/container-instances add instances to an existing cluster; reset keeps only the scenario\'s', async () => {
    const h = await startHarness({ registrationDelayMs: 0, scenario: { clusters: { ec2: { containerInstances: 2 } } } });
    try {
      const added = h.sim.containerInstances.register({ cluster: 'default', count: 2, cpu: 2048, memory: 8192 });
      assert.deepEqual(added.map((i) => [INSTANCE_ARN.exec(i.containerInstanceArn)?.groups?.cluster, i.kind, i.cpu, i.memory]), [
        ['default', 'EC2', 2048, 8192], ['default', 'EC2', 2048, 8192],
      ]);
      const response = await fetch(`${h.sim.url}/_sim/container-instances`, { method: 'POST', body: JSON.stringify({ cluster: 'ec2', kind: 'EXTERNAL' }) });
      assert.equal(response.status, 200);
      const body = await response.json() as { containerInstances: Array<{ kind: string; cpu: number; memory: number }> };
      assert.deepEqual(body.containerInstances.map((i) => [i.kind, i.cpu, i.memory]), [['EXTERNAL', 4096, 16384]]);
      const missing = await fetch(`${h.sim.url}/_sim/container-instances`, { method: 'POST', body: JSON.stringify({ cluster: 'nowhere' }) });
      assert.equal(missing.status, 400);
      assert.match(((await missing.json()) as { message: string }).message, /cluster nowhere not found/);
      const bad = await fetch(`${h.sim.url}/_sim/container-instances`, { method: 'POST', body: JSON.stringify({ cluster: 'ec2', count: -1 }) });
      assert.equal(bad.status, 400);
      // The default cluster's own EXTERNAL instances (the scenario does not name it) plus the two added.
      assert.equal((await h.ecs.send(new ListContainerInstancesCommand({}))).containerInstanceArns?.length, DEFAULT_CLUSTER_EXTERNAL_INSTANCES + 2);
      assert.equal((await h.ecs.send(new ListContainerInstancesCommand({ cluster: 'ec2' }))).containerInstanceArns?.length, 3);

      h.sim.reset();
      assert.equal((await h.ecs.send(new ListContainerInstancesCommand({}))).containerInstanceArns?.length, DEFAULT_CLUSTER_EXTERNAL_INSTANCES);
      assert.equal((await h.ecs.send(new ListContainerInstancesCommand({ cluster: 'ec2' }))).containerInstanceArns?.length, 2);
    } finally {
      await h.close();
    }
  });

  test('the default cluster has EXTERNAL instances unless the scenario names it; with none, EXTERNAL RunTask answers as ECS does', async () => {
    const h = await startHarness({ registrationDelayMs: 0, scenario: { clusters: { default: { externalInstances: 0 } } } });
    try {
      assert.equal((await h.ecs.send(new ListContainerInstancesCommand({}))).containerInstanceArns?.length, 0);
      await h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'anywhere', requiresCompatibilities: ['EXTERNAL'], containerDefinitions: [{ name: 'c', image: 'busybox', memory: 128 }] }));
      const error = await failure(() => h.ecs.send(new RunTaskCommand({ taskDefinition: 'anywhere', launchType: 'EXTERNAL' })));
      assert.deepEqual([error.name, error.message], ['InvalidParameterException', NO_INSTANCES]);
    } finally {
      await h.close();
    }
    const d = await startHarness({ registrationDelayMs: 0 });
    try {
      const listed = await d.ecs.send(new ListContainerInstancesCommand({}));
      assert.equal(listed.containerInstanceArns?.length, DEFAULT_CLUSTER_EXTERNAL_INSTANCES);
      await d.ecs.send(new RegisterTaskDefinitionCommand({ family: 'anywhere', requiresCompatibilities: ['EXTERNAL'], containerDefinitions: [{ name: 'c', image: 'busybox', memory: 128 }] }));
      const out = await d.ecs.send(new RunTaskCommand({ taskDefinition: 'anywhere', launchType: 'EXTERNAL' }));
      assert.equal(out.tasks?.[0]?.launchType, 'EXTERNAL');
      assert.match(out.tasks?.[0]?.containerInstanceArn ?? '', /container-instance\/default\//);
    } finally {
      await d.close();
    }
  });

  test('a scenario cluster name must be a valid cluster name', async () => {
    await assert.rejects(startHarness({ scenario: { clusters: { 'bad name': { containerInstances: 1 } } } }), /clusters/);
  });
});
