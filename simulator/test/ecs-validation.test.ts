/**
 * Each validation rule answers with ECS's exception type and message (docs/ecs-facts.md#quotas, #runtask, #task-definitions), as the
 * real SDK surfaces them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeregisterTaskDefinitionCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
  type RegisterTaskDefinitionCommandInput, type RunTaskCommandInput,
} from '@aws-sdk/client-ecs';
import { container, failure, fargateRun, fargateTaskDefinition, registerFargate, startHarness, type SimHarness } from './helpers/ecs-sim.js';

let h: SimHarness;
before(async () => {
  h = await startHarness({ registrationDelayMs: 0, throttling: false });
  await registerFargate(h.ecs);
});
after(() => h.close());

const ecrImage = '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1';
const awslogs = { logDriver: 'awslogs' as const, options: { 'awslogs-group': 'g', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'p' } };

const registrationCases: Array<[string, Partial<RegisterTaskDefinitionCommandInput>, string, string]> = [
  ['Fargate needs awsvpc', { networkMode: 'bridge' }, 'ClientException', 'Fargate only supports network mode \u2018awsvpc\u2019.'],
  ['Fargate needs task cpu', { cpu: undefined }, 'ClientException', "Fargate requires that 'cpu' be defined at the task level."],
  ['Fargate needs task memory', { memory: undefined }, 'ClientException', "Fargate requires that 'memory' be defined at the task level."],
  ['Fargate cpu/memory pair', { cpu: '1024', memory: '1024' }, 'ClientException',
    'No Fargate configuration exists for given values: 1024 CPU, 1024 memory. See the Amazon ECS documentation for the valid values.'],
  ['Fargate pair from "1 vCPU"/"1GB" strings', { cpu: '1 vCPU', memory: '1GB' }, 'ClientException',
    'No Fargate configuration exists for given values: 1024 CPU, 1024 memory. See the Amazon ECS documentation for the valid values.'],
  ['awslogs needs an execution role', { containerDefinitions: [container({ logConfiguration: awslogs })] }, 'ClientException',
    'Fargate requires task definition to have execution role ARN to support log driver awslogs.'],
  ['ECR images need an execution role', { containerDefinitions: [container({ image: ecrImage })] }, 'ClientException',
    'Fargate requires task definition to have execution role ARN to support ECR images.'],
  ['secrets need an execution role', { containerDefinitions: [container({ secrets: [{ name: 'S', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/s' }] })] },
    'ClientException', "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'"],
  ['family name pattern', { family: 'bad family!' }, 'ClientException', 'Family contains invalid characters.'],
  ['container name pattern', { containerDefinitions: [container({ name: 'bad name' })] }, 'ClientException', 'Container.name contains invalid characters.'],
  ['at least one container', { containerDefinitions: [] }, 'ClientException', 'Container list cannot be empty.'],
  ['at most 10 containers', { containerDefinitions: Array.from({ length: 11 }, (_, i) => container({ name: `c${i}` })) }, 'ClientException',
    'Too many containers.'],
  ['cpu must be units or vCPU', { cpu: 'lots' }, 'InvalidParameterException', "Invalid 'cpu' setting for task."],
  ['at most 64 KiB', { containerDefinitions: [container({ command: ['x'.repeat(70_000)] })] }, 'ClientException',
    'Task definition size exceeds the maximum allowed size of 65536 bytes.'],
  ['at most 50 tags', { tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }, 'InvalidParameterException', 'Tags can have at most 50 items.'],
  ['tag key at most 128', { tags: [{ key: 'k'.repeat(129), value: 'v' }] }, 'InvalidParameterException',
    "1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must have length between 1 and 128"],
  ['tag value at most 256', { tags: [{ key: 'k', value: 'v'.repeat(257) }] }, 'InvalidParameterException',
    "1 validation error detected: Value at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"],
  ['aws: tag prefix reserved', { tags: [{ key: 'aws:owner', value: 'v' }] }, 'InvalidParameterException',
    'Tag keys with the prefix aws: are reserved for AWS use and cannot be used.'],
];

describe('RegisterTaskDefinition validation', () => {
  for (const [rule, overrides, type, message] of registrationCases) {
    test(rule, async () => {
      const error = await failure(() => h.ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition(overrides))));
      assert.equal(error.name, type);
      assert.equal(error.message, message);
      assert.equal(error.status, 400);
    });
  }

  test('valid definitions register, with "1 vCPU"/"2GB" converted to integers', async () => {
    const out = await h.ecs.send(
      new RegisterTaskDefinitionCommand(fargateTaskDefinition({ family: 'strings', cpu: '1 vCPU', memory: '2GB', executionRoleArn: 'arn:aws:iam::123456789012:role/x', containerDefinitions: [container({ image: ecrImage, logConfiguration: awslogs })] })),
    );
    assert.equal(out.taskDefinition?.cpu, '1024');
    assert.equal(out.taskDefinition?.memory, '2048');
    assert.deepEqual(out.taskDefinition?.compatibilities, ['EC2', 'FARGATE']);
  });
});

const runCases: Array<[string, Partial<RunTaskCommandInput>, string, string]> = [
  ['awsvpc needs a network configuration', { networkConfiguration: undefined }, 'InvalidParameterException',
    "Network Configuration must be provided when networkMode 'awsvpc' is specified."],
  ['subnets must exist', { networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-00000000000000000'] } } }, 'InvalidParameterException',
    "Error retrieving subnet information for [subnet-00000000000000000]: The subnet ID 'subnet-00000000000000000' does not exist (ErrorCode: InvalidSubnetID.NotFound)"],
  ['subnets cannot be empty', { networkConfiguration: { awsvpcConfiguration: { subnets: [] } } }, 'InvalidParameterException', 'subnets can not be empty.'],
  ['count at most 10', { count: 11 }, 'InvalidParameterException', 'count must be between 1 and 10.'],
  ['count at least 1', { count: 0 }, 'InvalidParameterException', 'count must be between 1 and 10.'],
  ['launchType and capacityProviderStrategy are exclusive', { capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }] }, 'InvalidParameterException',
    'You may choose a capacity provider or a launch type but not both.'],
  ['FARGATE_SPOT only through a capacity provider strategy', { launchType: 'FARGATE_SPOT' as 'FARGATE' }, 'InvalidParameterException',
    'FARGATE_SPOT is not a launch type. Use a capacityProviderStrategy with the FARGATE_SPOT capacity provider.'],
  ['overrides at most 8192 characters', { overrides: { containerOverrides: [{ name: 'main', command: ['x'.repeat(8200)] }] } }, 'InvalidParameterException',
    'Container Overrides length must be at most 8192'],
  ['overrides name containers of the definition', { overrides: { containerOverrides: [{ name: 'ghost' }] } }, 'InvalidParameterException',
    'Override for container named ghost is not a container in the TaskDefinition.'],
  ['at most 50 tags', { tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }, 'InvalidParameterException', 'Tags can have at most 50 items.'],
  ['unknown task definition', { taskDefinition: 'nope:1' }, 'ClientException', 'TaskDefinition not found.'],
  ['unknown cluster', { cluster: 'nowhere' }, 'ClusterNotFoundException', 'Cluster not found.'],
  ['client token at most 64 characters', { clientToken: 't'.repeat(65) }, 'InvalidParameterException',
    'The client token must be 1 to 64 ASCII characters in the range 33-126.'],
  ['client token printable ASCII', { clientToken: 'has space' }, 'InvalidParameterException',
    'The client token must be 1 to 64 ASCII characters in the range 33-126.'],
];

describe('RunTask validation', () => {
  for (const [rule, overrides, type, message] of runCases) {
    test(rule, async () => {
      const error = await failure(() => h.ecs.send(new RunTaskCommand(fargateRun('sim-test', overrides))));
      assert.equal(error.name, type);
      assert.equal(error.message, message);
      assert.equal(error.status, 400);
    });
  }

  test('an INACTIVE revision cannot run', async () => {
    const arn = await registerFargate(h.ecs, { family: 'retired' });
    await h.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
    const error = await failure(() => h.ecs.send(new RunTaskCommand(fargateRun(arn))));
    assert.equal(error.name, 'InvalidParameterException');
    assert.equal(error.message, 'TaskDefinition is inactive');
    const byFamily = await failure(() => h.ecs.send(new RunTaskCommand(fargateRun('retired'))));
    assert.equal(byFamily.message, 'TaskDefinition not found.');
  });

  test('a definition that is not Fargate-compatible cannot run on FARGATE', async () => {
    await h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'bridge-only', containerDefinitions: [container({ memory: 128 })] }));
    const error = await failure(() => h.ecs.send(new RunTaskCommand(fargateRun('bridge-only'))));
    assert.equal(error.name, 'InvalidParameterException');
    assert.equal(error.message, 'Task definition does not support launch_type FARGATE.');
  });
});

describe('DescribeTasks and StopTask limits', () => {
  test('DescribeTasks takes at most 100 tasks', async () => {
    const tasks = Array.from({ length: 101 }, (_, i) => `task-${i}`);
    const error = await failure(() => h.ecs.send(new DescribeTasksCommand({ tasks })));
    assert.equal(error.name, 'InvalidParameterException');
    assert.equal(error.message, 'taskIds can have at most 100 items.');
  });

  test('DescribeTasks reports unknown tasks as MISSING failures; unknown clusters are ClusterNotFoundException', async () => {
    const arn = 'arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef0123456789abcdef';
    const out = await h.ecs.send(new DescribeTasksCommand({ tasks: [arn, 'fedcba9876543210fedcba9876543210'] }));
    assert.deepEqual(out.failures, [
      { arn, reason: 'MISSING' },
      { arn: 'arn:aws:ecs:us-east-1:123456789012:task/default/fedcba9876543210fedcba9876543210', reason: 'MISSING' },
    ]);
    const error = await failure(() => h.ecs.send(new DescribeTasksCommand({ cluster: 'nowhere', tasks: [arn] })));
    assert.equal(error.name, 'ClusterNotFoundException');
    assert.equal(error.message, 'Cluster not found.');
  });

  test('StopTask on an unknown task', async () => {
    const error = await failure(() => h.ecs.send(new StopTaskCommand({ task: '0123456789abcdef0123456789abcdef' })));
    assert.equal(error.name, 'InvalidParameterException');
    assert.equal(error.message, 'The referenced task was not found');
  });
});
