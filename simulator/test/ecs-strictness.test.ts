/**
 * Rules where ECS rejects what a lax simulator would accept (issue 7): each answered with ECS's exception
 * type through the real SDK. Sources are in docs/simulator.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteTaskDefinitionsCommand, DeregisterTaskDefinitionCommand, DescribeTaskDefinitionCommand, ListTasksCommand,
  RegisterTaskDefinitionCommand, StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { container, env, failure, registerFargate, runFargate, startHarness, untilStopped, type SimHarness } from './helpers/ecs-sim.js';

/** Keeps a task RUNNING for the whole test (the default run is 10 simulated seconds, 10 ms at scale 1000). */
const LONG_RUN = { containerOverrides: [{ name: 'main', environment: env({ SIM_RUN_SECONDS: '3600' }) }] };

let h: SimHarness;
before(async () => {
  h = await startHarness({ registrationDelayMs: 0, throttling: false });
  await registerFargate(h.ecs);
});
after(() => h.close());

describe('ListTasks: startedBy must be the only filter', () => {
  test('startedBy with desiredStatus, family or launchType is an InvalidParameterException; alone (with cluster and paging) it lists', async () => {
    const arn = (await runFargate(h.ecs, 'sim-test', { startedBy: 'strict/alone', overrides: LONG_RUN })).tasks![0].taskArn!;
    for (const extra of [{ desiredStatus: 'RUNNING' as const }, { family: 'sim-test' }, { launchType: 'FARGATE' as const }]) {
      const error = await failure(() => h.ecs.send(new ListTasksCommand({ startedBy: 'strict/alone', ...extra })));
      assert.equal(error.name, 'InvalidParameterException', JSON.stringify(extra));
      assert.equal(error.status, 400);
    }
    const alone = await h.ecs.send(new ListTasksCommand({ cluster: 'default', startedBy: 'strict/alone', maxResults: 10 }));
    assert.deepEqual(alone.taskArns, [arn]);
  });
});

describe('RegisterTaskDefinition: EC2 needs memory somewhere', () => {
  test('no task memory and a container without memory or memoryReservation is a ClientException naming the container', async () => {
    const error = await failure(() => h.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'no-memory', containerDefinitions: [container({ name: 'sized', memory: 64 }), container({ name: 'bare' })],
    })));
    assert.equal(error.name, 'ClientException');
    assert.equal(error.message, "Invalid setting for container 'bare'. At least one of 'memory' or 'memoryReservation' must be specified.");
    for (const ok of [
      { family: 'soft-memory', containerDefinitions: [container({ memoryReservation: 64 })] },
      { family: 'task-memory', memory: '512', containerDefinitions: [container()] },
    ]) {
      const out = await h.ecs.send(new RegisterTaskDefinitionCommand(ok));
      assert.equal(out.taskDefinition?.status, 'ACTIVE');
    }
  });
});

describe('RunTask: task-level overrides.cpu / overrides.memory', () => {
  test('numbers are a SerializationException: the API types them as strings', async () => {
    const error = await failure(() => runFargate(h.ecs, 'sim-test', { overrides: { cpu: 512 as unknown as string } }));
    assert.equal(error.name, 'SerializationException');
  });

  test('on Fargate the overridden pair must be a Fargate size; a valid one becomes the task size', async () => {
    for (const overrides of [{ cpu: '1024' }, { cpu: '256', memory: '4096' }, { memory: '3GB' }]) {
      const error = await failure(() => runFargate(h.ecs, 'sim-test', { overrides }));
      assert.equal(error.name, 'ClientException', JSON.stringify(overrides));
      assert.match(error.message, /^No Fargate configuration exists for given values: \d+ CPU, \d+ memory\./);
    }
    const task = (await runFargate(h.ecs, 'sim-test', { overrides: { cpu: '1024', memory: '2048' } })).tasks![0];
    assert.equal(task.cpu, '1024');
    assert.equal(task.memory, '2048');
  });
});

describe('DeleteTaskDefinitions', () => {
  test('an ACTIVE revision is refused; an INACTIVE one becomes DELETE_IN_PROGRESS, then is gone once no task uses it', async () => {
    const arn = await registerFargate(h.ecs, { family: 'to-delete' });
    const refused = await h.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [arn] }));
    assert.deepEqual(refused.taskDefinitions, []);
    assert.equal(refused.failures?.[0].arn, arn);
    const running = (await runFargate(h.ecs, arn, { overrides: LONG_RUN })).tasks![0].taskArn!;
    await h.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
    const deleted = await h.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [arn] }));
    assert.equal(deleted.taskDefinitions?.[0].status, 'DELETE_IN_PROGRESS');
    // While a task still uses it, the revision is describable but cannot run.
    assert.equal((await h.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition?.status, 'DELETE_IN_PROGRESS');
    assert.equal((await failure(() => runFargate(h.ecs, arn))).name, 'InvalidParameterException');
    await h.ecs.send(new StopTaskCommand({ task: running }));
    await untilStopped(h.ecs, running);
    const describe = await failure(() => h.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })));
    assert.deepEqual([describe.name, describe.message], ['ClientException', 'Unable to describe task definition.']);
    const run = await failure(() => runFargate(h.ecs, arn));
    assert.deepEqual([run.name, run.message], ['ClientException', 'TaskDefinition not found.']);
    // The family keeps counting: the next registration is revision 2.
    assert.match(await registerFargate(h.ecs, { family: 'to-delete' }), /:task-definition\/to-delete:2$/);
  });
});
