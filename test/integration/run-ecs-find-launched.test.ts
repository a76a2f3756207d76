/**
 * The cancel-during-launch lookup (findLaunched) against the ECS simulator through the real SDK: ListTasks
 * with startedBy must use no other filter (API_ListTasks), and the simulator rejects a request that does.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DescribeTasksCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { startSimulator, type RunningSimulator } from '@longshore/simulator';
import type { PoolRecord } from '../../controller/api/pool.js';
import type { RunRecord } from '../../controller/api/run.js';
import { startedByFor } from '../../reconcilers/launch/identity.js';
import { createRunEcsPort } from '../../reconcilers/run/ecs-adapter.js';

const NAMESPACE = 'find-launched';
const SUBNET = 'subnet-0a1b2c3d4e5f60001';

describe('findLaunched against the simulator', () => {
  let sim: RunningSimulator;
  let ecs: ECSClient;
  before(async () => {
    sim = await startSimulator({ timeScale: 1000, seed: 3, throttling: false, registrationDelayMs: 0 });
    ecs = new ECSClient({ endpoint: sim.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  });
  after(async () => {
    ecs.destroy();
    await sim.close();
  });

  test('finds the task a run launched by its startedBy alone', async () => {
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'find-launched', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512',
      containerDefinitions: [{ name: 'main', image: 'busybox', environment: [{ name: 'SIM_RUN_SECONDS', value: '3600' }] }],
    }));
    const launched = await ecs.send(new RunTaskCommand({
      taskDefinition: 'find-launched', launchType: 'FARGATE', startedBy: startedByFor(NAMESPACE, 'run-a'),
      networkConfiguration: { awsvpcConfiguration: { subnets: [SUBNET] } },
    }));
    const taskArn = launched.tasks?.[0].taskArn ?? '';
    const port = createRunEcsPort({
      namespace: NAMESPACE,
      gateway: {
        runTask: (input) => ecs.send(new RunTaskCommand(input)),
        describeTasks: (input) => ecs.send(new DescribeTasksCommand(input)),
        stopTask: (input) => ecs.send(new StopTaskCommand(input)),
        listTasks: (input) => ecs.send(new ListTasksCommand(input)),
      },
      launchDetails: () => Promise.reject(new Error('not used by findLaunched')),
    });
    const pool = { metadata: { name: 'pool-f' }, spec: {} } as unknown as PoolRecord;
    const run = (name: string): RunRecord => ({ metadata: { name }, spec: { pool: 'pool-f' } }) as unknown as RunRecord;
    assert.deepEqual(await port.findLaunched({ pool, run: run('run-a'), attempt: 1 }), {
      kind: 'found', taskArn, clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
    });
    assert.deepEqual(await port.findLaunched({ pool, run: run('run-b'), attempt: 1 }), { kind: 'none' });
    await ecs.send(new StopTaskCommand({ task: taskArn }));
  });
});
