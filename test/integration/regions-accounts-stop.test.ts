/**
 * Stopping tasks of a pool in another account and Region (eu-west-1, through a role): a cancel and a kill
 * send StopTask to that account-region, and the orphan sweep finds and stops a task of ours there that no
 * run records. Every outcome is checked on the task itself, described in that account-region by a client
 * of the test's own (the SDK's STS provider, not the controller's clients), so a StopTask sent anywhere
 * else leaves the task running and fails the test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeTasksCommand, ECSClient, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { ControlReply } from '../../controller/api/control.js';
import { KILL_REASON, createControlHandler } from '../../reconcilers/control/control.js';
import { startedByFor } from '../../reconcilers/launch/identity.js';
import { CLEANUP_KEYS, createCleanupReconciler } from '../../reconcilers/cleanup/sweeps.js';
import { ORPHAN_JOB_PREFIX, orphanSweepStore, parseSweepKey, type OrphanSweepDeps } from '../../reconcilers/cleanup/orphan-sweep.js';
import { allStopped, fargatePool, silent, startRunHarness, type RunHarness } from './run-harness.js';

const ctx = { logger: silent, reconcileId: 'test', jobTry: 1 };
const ROLE_ACCOUNT = '210987654321';
const ROLE_ARN = `arn:aws:iam::${ROLE_ACCOUNT}:role/longshore-launcher`;
const REGION = 'eu-west-1';
const TARGET = { region: REGION, roleArn: ROLE_ARN, externalId: 'team-a' };
const TASK_THERE = new RegExp(`^arn:aws:ecs:${REGION}:${ROLE_ACCOUNT}:task/`);
/** Long enough that only a StopTask ends the task within the test. */
const LONG = { env: { SIM_RUN_SECONDS: '600' } };

describe('stopping tasks in another account-region', () => {
  let h: RunHarness;
  let ecs: ECSClient;
  let ec2: EC2Client;
  const replies: ControlReply[] = [];
  let control: ReturnType<typeof createControlHandler>;

  before(async () => {
    h = await startRunHarness({ timeScale: 20, pools: [fargatePool('partner', TARGET)], accounts: [ROLE_ACCOUNT] });
    const config = {
      region: REGION, endpoint: h.sim.url, maxAttempts: 1,
      credentials: fromTemporaryCredentials({
        params: { RoleArn: ROLE_ARN, RoleSessionName: 'test-checker', ExternalId: 'team-a' },
        masterCredentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        clientConfig: { region: REGION, endpoint: h.sim.url },
      }),
    };
    ecs = new ECSClient(config);
    ec2 = new EC2Client(config);
    // The controller's wiring (controller/main.ts): a kill finds its task's account-region from the ARN.
    control = createControlHandler({
      store: h.store, gateway: h.gateway, wake: async () => undefined, targetOf: h.resyncDeps.targetOf,
      reply: async (_id, reply) => { replies.push(reply); },
    });
  });
  after(async () => {
    ecs.destroy();
    ec2.destroy();
    await h.close();
  });

  const describeThere = async (taskArn: string): Promise<Task> => {
    const out = await ecs.send(new DescribeTasksCommand({ cluster: 'default', tasks: [taskArn] }));
    const task = out.tasks?.[0];
    assert.ok(task, `${taskArn} is described in ${ROLE_ACCOUNT}/${REGION}: ${JSON.stringify(out.failures)}`);
    return task;
  };
  const startRunning = async (name: string): Promise<string> => {
    await h.submitRun(name, 'partner', LONG);
    const [run] = await h.driveUntil([name], (runs) => runs[0]?.status.phase === 'running');
    const taskArn = run.status.attempts.at(-1)?.taskArn ?? '';
    assert.match(taskArn, TASK_THERE);
    assert.equal((await describeThere(taskArn)).lastStatus, 'RUNNING');
    return taskArn;
  };

  test('a cancelled run stops its task in the pool\'s account-region', async () => {
    const taskArn = await startRunning('cancel-1');
    await control({ id: '1-0', message: { type: 'cancel', run: 'cancel-1' } });
    const [run] = await h.driveUntil(['cancel-1'], allStopped);
    assert.equal(run.status.outcome, 'cancelled', run.status.message);
    const task = await describeThere(taskArn);
    assert.deepEqual([task.lastStatus, task.desiredStatus, task.stopCode, task.stoppedReason], ['STOPPED', 'STOPPED', 'UserInitiated', 'Longshore: run cancelled']);
  });

  test('a killed run\'s task is stopped in the pool\'s account-region', async () => {
    const taskArn = await startRunning('kill-1');
    replies.length = 0;
    await control({ id: '2-0', message: { type: 'kill', run: 'kill-1' } });
    assert.equal(replies[0]?.outcome, 'done', replies[0]?.message);
    const task = await describeThere(taskArn);
    assert.deepEqual([task.desiredStatus, task.stopCode, task.stoppedReason], ['STOPPED', 'UserInitiated', KILL_REASON]);
    const [run] = await h.driveUntil(['kill-1'], allStopped);
    assert.equal((await describeThere(taskArn)).lastStatus, 'STOPPED', run.status.message);
  });

  test('the orphan sweep stops a task of ours that no run records there, and nothing else', async () => {
    // A task definition (the one cancel-1 registered) and a subnet of the role's account-region, each
    // account-region having its own.
    const taskDefinition = (await h.store.getRun('cancel-1'))?.status.taskDefinitionArn;
    assert.match(taskDefinition ?? '', new RegExp(`^arn:aws:ecs:${REGION}:${ROLE_ACCOUNT}:task-definition/`));
    const subnet = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets?.[0]?.SubnetId;
    assert.ok(subnet);
    const launch = async (startedBy: string): Promise<string> => {
      const out = await ecs.send(new RunTaskCommand({
        taskDefinition, launchType: 'FARGATE', startedBy, networkConfiguration: { awsvpcConfiguration: { subnets: [subnet] } },
      }));
      const arn = out.tasks?.[0]?.taskArn;
      assert.match(arn ?? '', TASK_THERE, `launched ${startedBy}: ${JSON.stringify(out.failures)}`);
      return arn ?? '';
    };
    const ghost = await launch(startedByFor(h.namespace, 'ghost-1'));
    const neighbour = await launch(startedByFor('someone-elses-namespace', 'ghost-1'));

    const causes: string[] = [];
    const wakes: string[] = [];
    // The controller's wiring (controller/main.ts).
    const orphans: OrphanSweepDeps = {
      namespace: h.namespace, store: orphanSweepStore(h.store), gateway: h.gateway, targetOf: h.resyncDeps.targetOf, defaultRegion: 'us-east-1',
      wake: async (queue, key) => { wakes.push(`${queue}/${key}`); },
      onStopped: (cause) => causes.push(cause),
    };
    const cleanup = createCleanupReconciler({ store: h.store, orphans });
    await cleanup(CLEANUP_KEYS.orphans, ctx);
    const jobs = wakes.filter((w) => w.startsWith(`resync/${ORPHAN_JOB_PREFIX}`)).map((w) => w.slice(`resync/${ORPHAN_JOB_PREFIX}`.length));
    // The pool's cluster is swept where the pool's calls go.
    assert.deepEqual(jobs.map(parseSweepKey), [{ cluster: 'default', target: TARGET }]);
    for (const key of jobs) await cleanup(`${ORPHAN_JOB_PREFIX}${key}`, ctx);

    const swept = await describeThere(ghost);
    assert.deepEqual([swept.desiredStatus, swept.stopCode, swept.stoppedReason], ['STOPPED', 'UserInitiated', 'Longshore: orphaned task (run ghost-1 does not exist)']);
    assert.equal((await describeThere(neighbour)).desiredStatus, 'RUNNING');
    assert.deepEqual(causes, ['run-missing']);
  });
});
