/**
 * RunTask's passthrough members through the real SDK: each rule refuses with ECS's InvalidParameterException
 * and message (docs/simulator.md "RunTask passthrough"; GPUs on Fargate included), and what was accepted
 * shows in DescribeTasks (platformVersion, enableExecuteCommand, ephemeralStorage, group, tags).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type RunTaskCommandInput } from '@aws-sdk/client-ecs';
import { failure, fargateRun, registerFargate, startHarness, type SimHarness } from './helpers/ecs-sim.js';

describe('RunTask passthrough members', () => {
  let h: SimHarness;
  let fargate: string;
  let ec2: string;

  before(async () => {
    h = await startHarness({ registrationDelayMs: 0, scenario: { clusters: { ec2: { containerInstances: 1 } } } });
    fargate = await registerFargate(h.ecs, { tags: [{ key: 'team', value: 'data' }] });
    const out = await h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'on-ec2', containerDefinitions: [{ name: 'main', image: 'busybox', memory: 128 }] }));
    ec2 = out.taskDefinition?.taskDefinitionArn ?? '';
  });

  after(async () => {
    await h.close();
  });

  const refused = async (input: RunTaskCommandInput, message: string | RegExp): Promise<void> => {
    const error = await failure(() => h.ecs.send(new RunTaskCommand(input)));
    assert.equal(error.name, 'InvalidParameterException', error.message);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
  };

  test('Fargate refuses placement constraints and strategies', async () => {
    await refused(fargateRun(fargate, { placementConstraints: [{ type: 'distinctInstance' }] }), 'Placement constraints are not supported with FARGATE launch type.');
    await refused(fargateRun(fargate, { placementStrategy: [{ type: 'spread', field: 'instanceId' }] }), 'Placement strategies are not supported with FARGATE launch type.');
  });

  test('EC2 refuses a platform version and ephemeral storage; placement rules are checked', async () => {
    const onEc2 = (extra: Partial<RunTaskCommandInput>): RunTaskCommandInput => ({ cluster: 'ec2', taskDefinition: ec2, launchType: 'EC2', ...extra });
    await refused(onEc2({ platformVersion: '1.4.0' }), 'The platform version must be null when specifying an EC2 launch type.');
    await refused(onEc2({ overrides: { ephemeralStorage: { sizeInGiB: 30 } } }), /only supported for tasks hosted on Fargate/);
    await refused(onEc2({ placementConstraints: [{ type: 'memberOf' }] }), /memberOf placement constraint requires an expression/);
    await refused(onEc2({ placementStrategy: [{ type: 'binpack', field: 'disk' }] }), /binpack placement strategy field must be cpu or memory/);
    await refused(onEc2({ placementConstraints: Array.from({ length: 11 }, () => ({ type: 'distinctInstance' as const })) }), /up to 10 constraints per task/);
    const out = await h.ecs.send(new RunTaskCommand(onEc2({
      placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.instance-type =~ m5.*' }],
      placementStrategy: [{ type: 'binpack', field: 'memory' }],
    })));
    assert.equal(out.tasks?.length, 1);
    assert.equal(out.tasks?.[0]?.platformVersion, undefined);
  });

  test('the platform version, propagateTags and ephemeral storage are validated', async () => {
    await refused(fargateRun(fargate, { platformVersion: '9.9.9' }), 'The specified platform version (9.9.9) does not exist.');
    await refused(fargateRun(fargate, { propagateTags: 'SERVICE' }), /only supported for tasks launched by a service/);
    await refused(fargateRun(fargate, { overrides: { ephemeralStorage: { sizeInGiB: 20 } } }), /between 21 and 200 GiB/);
    await refused(fargateRun(fargate, { overrides: { ephemeralStorage: { sizeInGiB: 201 } } }), /between 21 and 200 GiB/);
    await refused(fargateRun(fargate, { platformVersion: '1.3.0', overrides: { ephemeralStorage: { sizeInGiB: 30 } } }), /1\.4\.0 or later/);
    await refused(fargateRun(fargate, { overrides: { inferenceAcceleratorOverrides: [{ deviceName: 'd', deviceType: 'eia2.medium' }] } }), /not supported with FARGATE/);
    await refused(fargateRun(fargate, { referenceId: 'x'.repeat(1025) }), /referenceId must be at most 1024/);
  });

  test("Fargate (on-demand or Spot) refuses GPU resource requirements in a container's override; EC2 takes them", async () => {
    const gpu = { containerOverrides: [{ name: 'main', resourceRequirements: [{ type: 'GPU' as const, value: '1' }] }] };
    const message = 'GPU resource requirements are not supported with FARGATE launch type.';
    await refused(fargateRun(fargate, { overrides: gpu }), message);
    const spot = fargateRun(fargate, { overrides: gpu, capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] });
    delete spot.launchType;
    await refused(spot, message);
    // The same override without a GPU is accepted on Fargate: the refusal is about the GPU, not the override.
    const plain = await h.ecs.send(new RunTaskCommand(fargateRun(fargate, { overrides: { containerOverrides: [{ name: 'main', command: ['true'] }] } })));
    assert.equal(plain.tasks?.length, 1);
    const onEc2 = await h.ecs.send(new RunTaskCommand({ cluster: 'ec2', taskDefinition: ec2, launchType: 'EC2', overrides: gpu }));
    assert.equal(onEc2.tasks?.length, 1, JSON.stringify(onEc2.failures));
  });

  test('accepted members show in DescribeTasks', async () => {
    const out = await h.ecs.send(new RunTaskCommand(fargateRun(fargate, {
      platformVersion: 'LATEST', enableExecuteCommand: true, group: 'batch:nightly', referenceId: 'ref-1',
      propagateTags: 'TASK_DEFINITION', enableECSManagedTags: true, overrides: { ephemeralStorage: { sizeInGiB: 50 } },
    })));
    const taskArn = out.tasks?.[0]?.taskArn ?? '';
    const described = await h.ecs.send(new DescribeTasksCommand({ tasks: [taskArn], include: ['TAGS'] }));
    const task = described.tasks?.[0];
    assert.equal(task?.platformVersion, '1.4.0');
    assert.equal(task?.enableExecuteCommand, true);
    assert.equal(task?.group, 'batch:nightly');
    assert.deepEqual(task?.ephemeralStorage, { sizeInGiB: 50 });
    assert.deepEqual(task?.overrides?.ephemeralStorage, { sizeInGiB: 50 });
    const tags = Object.fromEntries((task?.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(tags.team, 'data');
    assert.equal(tags['aws:ecs:clusterName'], 'default');
  });
});
