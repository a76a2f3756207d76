/**
 * Every lifecycle path a task can take, observed through the real SDK (DescribeTasks) and through the
 * change stream the simulator publishes (the onTaskChange hook sees exactly what goes to the event queue).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeTasksCommand, ListTasksCommand, RunTaskCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { TaskWire } from '../lifecycle/task-wire.js';
import {
  CREDENTIALS, container, env, eventually, fargateRun, registerFargate, runFargate, startHarness, type SimHarness,
  untilStopped as untilStoppedIn,
} from './helpers/ecs-sim.js';

let h: SimHarness;
const changes = new Map<string, TaskWire[]>();

before(async () => {
  h = await startHarness({
    stoppedTaskRetentionMs: 60_000,
    onTaskChange: (task) => {
      const arn = String(task.taskArn);
      changes.set(arn, [...(changes.get(arn) ?? []), task]);
    },
  });
  await registerFargate(h.ecs, { containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '5', SIM_EXIT_CODE: '0' }) })] });
});
after(() => h.close());

async function describeTask(arn: string): Promise<Task> {
  const out = await h.ecs.send(new DescribeTasksCommand({ tasks: [arn] }));
  assert.deepEqual(out.failures, []);
  return out.tasks![0];
}

async function untilStopped(arn: string): Promise<Task> {
  return eventually(async () => {
    const task = await describeTask(arn);
    return task.lastStatus === 'STOPPED' ? task : undefined;
  });
}

function statusTrail(arn: string): string[] {
  return (changes.get(arn) ?? []).map((c) => `${String(c.lastStatus)}/${String(c.desiredStatus)}`);
}

function versions(arn: string): number[] {
  return (changes.get(arn) ?? []).map((c) => Number(c.version));
}

const NATURAL = [
  'PROVISIONING/RUNNING', 'PENDING/RUNNING', 'ACTIVATING/RUNNING', 'RUNNING/RUNNING',
  'DEACTIVATING/STOPPED', 'STOPPING/STOPPED', 'DEPROVISIONING/STOPPED', 'STOPPED/STOPPED',
];

describe('task lifecycle', () => {
  test('a task that exits 0 walks every state, with timestamps in order and version +1 per change', async () => {
    const run = await runFargate(h.ecs, 'sim-test');
    const first = run.tasks![0];
    assert.equal(first.lastStatus, 'PROVISIONING');
    assert.equal(first.desiredStatus, 'RUNNING');
    assert.equal(first.version, 1);
    const task = await untilStopped(first.taskArn!);
    assert.deepEqual(statusTrail(first.taskArn!), NATURAL);
    assert.deepEqual(versions(first.taskArn!), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(task.version, 8);
    assert.equal(task.stopCode, 'EssentialContainerExited');
    assert.equal(task.stoppedReason, 'Essential container in task exited');
    assert.equal(task.containers![0].exitCode, 0);
    assert.equal(task.containers![0].lastStatus, 'STOPPED');
    const times = [task.createdAt, task.pullStartedAt, task.pullStoppedAt, task.startedAt, task.stoppingAt, task.stoppedAt];
    for (const time of times) assert.ok(time instanceof Date, 'every lifecycle timestamp is set');
    const ms = times.map((t) => (t as Date).getTime());
    assert.deepEqual([...ms].sort((a, b) => a - b), ms);
    assert.ok(task.executionStoppedAt instanceof Date && task.connectivityAt instanceof Date);
    assert.equal(task.group, 'family:sim-test');
    assert.ok(task.availabilityZone?.startsWith('us-east-1'));
  });

  test('RunTask container overrides win over the task definition environment (SIM_EXIT_CODE)', async () => {
    const run = await runFargate(h.ecs, 'sim-test', {
      overrides: { containerOverrides: [{ name: 'main', environment: env({ SIM_EXIT_CODE: '3' }) }] },
    });
    const task = await untilStopped(run.tasks![0].taskArn!);
    assert.equal(task.containers![0].exitCode, 3);
    assert.equal(task.stopCode, 'EssentialContainerExited');
  });

  test('StopTask on a running task: UserInitiated with the given reason, then the shutdown states', async () => {
    const run = await runFargate(h.ecs, 'sim-test', {
      overrides: { containerOverrides: [{ name: 'main', environment: env({ SIM_RUN_SECONDS: '3600' }) }] },
    });
    const arn = run.tasks![0].taskArn!;
    await eventually(async () => ((await describeTask(arn)).lastStatus === 'RUNNING' ? true : undefined));
    const stopped = await h.ecs.send(new StopTaskCommand({ task: arn, reason: 'cancelled by longshore' }));
    assert.equal(stopped.task?.desiredStatus, 'STOPPED');
    assert.equal(stopped.task?.lastStatus, 'RUNNING');
    const task = await untilStopped(arn);
    assert.equal(task.stopCode, 'UserInitiated');
    assert.equal(task.stoppedReason, 'cancelled by longshore');
    assert.deepEqual(statusTrail(arn), [
      'PROVISIONING/RUNNING', 'PENDING/RUNNING', 'ACTIVATING/RUNNING', 'RUNNING/RUNNING', 'RUNNING/STOPPED',
      'DEACTIVATING/STOPPED', 'STOPPING/STOPPED', 'DEPROVISIONING/STOPPED', 'STOPPED/STOPPED',
    ]);
    assert.equal(task.containers![0].exitCode, 143);
  });

  test('StopTask before the task runs: no exit code, default reason "Task stopped by user"', async () => {
    const run = await runFargate(h.ecs, 'sim-test');
    const arn = run.tasks![0].taskArn!;
    await h.ecs.send(new StopTaskCommand({ task: arn }));
    const task = await untilStopped(arn);
    assert.equal(task.stopCode, 'UserInitiated');
    assert.equal(task.stoppedReason, 'Task stopped by user');
    assert.equal(task.containers![0].exitCode, undefined);
    // The stop lands in whichever pre-RUNNING state the task has reached by then.
    const trail = statusTrail(arn);
    assert.equal(trail[0], 'PROVISIONING/RUNNING');
    assert.match(trail[trail.length - 3], /^(PROVISIONING|PENDING|ACTIVATING)\/STOPPED$/);
    assert.deepEqual(trail.slice(-2), ['DEPROVISIONING/STOPPED', 'STOPPED/STOPPED']);
    assert.ok(!trail.some((step) => step.startsWith('RUNNING/')), `never RUNNING: ${trail.join(', ')}`);
  });

  test('Spot interruption: a TerminationNotice change while RUNNING, then STOPPED with SpotInterruption and no exit code', async () => {
    const run = await h.ecs.send(
      new RunTaskCommand(
        fargateRun('sim-test', {
          launchType: undefined,
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
          overrides: { containerOverrides: [{ name: 'main', environment: env({ SIM_RUN_SECONDS: '3600', SIM_SPOT_INTERRUPT_AFTER_SECONDS: '1' }) }] },
        }),
      ),
    );
    const arn = run.tasks![0].taskArn!;
    assert.equal(run.tasks![0].capacityProviderName, 'FARGATE_SPOT');
    const task = await untilStopped(arn);
    const notice = (changes.get(arn) ?? []).find((c) => c.stopCode === 'TerminationNotice');
    assert.ok(notice, 'a TerminationNotice change was published');
    assert.equal(notice.lastStatus, 'RUNNING');
    assert.equal(notice.desiredStatus, 'STOPPED');
    assert.equal(notice.stoppedReason, 'Your Spot Task was interrupted.');
    assert.equal(task.stopCode, 'SpotInterruption');
    assert.equal(task.stoppedReason, 'Your Spot Task was interrupted.');
    assert.equal(task.containers![0].exitCode, undefined);
    assert.deepEqual(statusTrail(arn).slice(3), [
      'RUNNING/RUNNING', 'RUNNING/STOPPED', 'DEACTIVATING/STOPPED', 'STOPPING/STOPPED', 'DEPROVISIONING/STOPPED', 'STOPPED/STOPPED',
    ]);
  });

  test('SIM_SPOT_INTERRUPT_AFTER_SECONDS does nothing to on-demand Fargate tasks', async () => {
    const run = await runFargate(h.ecs, 'sim-test', {
      overrides: { containerOverrides: [{ name: 'main', environment: env({ SIM_SPOT_INTERRUPT_AFTER_SECONDS: '1' }) }] },
    });
    const task = await untilStopped(run.tasks![0].taskArn!);
    assert.equal(task.stopCode, 'EssentialContainerExited');
  });

  test('failed start with CannotPullContainerError: TaskFailedToStart from PENDING', async () => {
    const run = await runFargate(h.ecs, 'sim-test', {
      overrides: { containerOverrides: [{ name: 'main', environment: env({ SIM_FAIL_START: 'CannotPullContainerError' }) }] },
    });
    const arn = run.tasks![0].taskArn!;
    const task = await untilStopped(arn);
    assert.equal(task.stopCode, 'TaskFailedToStart');
    assert.match(task.stoppedReason ?? '', /^CannotPullContainerError: /);
    assert.match(task.containers![0].reason ?? '', /^CannotPullContainerError: /);
    assert.equal(task.containers![0].exitCode, undefined);
    assert.equal(task.startedAt, undefined);
    assert.deepEqual(statusTrail(arn), ['PROVISIONING/RUNNING', 'PENDING/RUNNING', 'DEPROVISIONING/STOPPED', 'STOPPED/STOPPED']);
  });

  test('failed start with ResourceInitializationError keeps the containers, STOPPED with the reason', async () => {
    const run = await runFargate(h.ecs, 'sim-test', {
      overrides: { containerOverrides: [{ name: 'main', environment: env({ SIM_FAIL_START: 'ResourceInitializationError' }) }] },
    });
    const task = await untilStopped(run.tasks![0].taskArn!);
    assert.equal(task.stopCode, 'TaskFailedToStart');
    assert.match(task.stoppedReason ?? '', /^ResourceInitializationError: /);
    assert.equal(task.containers?.length, 1);
    assert.equal(task.containers![0].lastStatus, 'STOPPED');
    assert.equal(task.containers![0].reason, task.stoppedReason);
    assert.equal(task.containers![0].exitCode, undefined);
  });

  test('a task prints SIM_LOG_LINES on <prefix>/<container>/<task id> of its awslogs group', async () => {
    await registerFargate(h.ecs, {
      family: 'logging',
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
      containerDefinitions: [
        container({
          environment: env({ SIM_RUN_SECONDS: '1', SIM_LOG_LINES: 'hello\nworld' }),
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/longshore/test', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'run' } },
        }),
      ],
    });
    const run = await runFargate(h.ecs, 'logging');
    const arn = run.tasks![0].taskArn!;
    await untilStopped(arn);
    const taskId = arn.split('/').pop();
    const logs = new CloudWatchLogsClient({ endpoint: h.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    const out = await logs.send(new GetLogEventsCommand({ logGroupName: '/longshore/test', logStreamName: `run/main/${taskId}`, startFromHead: true }));
    logs.destroy();
    assert.deepEqual(out.events?.map((e) => e.message), ['hello', 'world']);
  });

  test('ListTasks filters by desiredStatus (default RUNNING), family and startedBy', async () => {
    const long = { overrides: { containerOverrides: [{ name: 'main', environment: env({ SIM_RUN_SECONDS: '3600' }) }] } };
    const a = await runFargate(h.ecs, 'sim-test', { ...long, startedBy: 'longshore/list-a' });
    const b = await runFargate(h.ecs, 'sim-test', { startedBy: 'longshore/list-b' });
    await untilStopped(b.tasks![0].taskArn!);
    const running = await h.ecs.send(new ListTasksCommand({ startedBy: 'longshore/list-a' }));
    assert.deepEqual(running.taskArns, [a.tasks![0].taskArn]);
    // startedBy must be the only filter (API_ListTasks), so stopped tasks are found by desiredStatus and family.
    const stopped = await h.ecs.send(new ListTasksCommand({ family: 'sim-test', desiredStatus: 'STOPPED' }));
    assert.ok(stopped.taskArns?.includes(b.tasks![0].taskArn!));
    assert.ok(!stopped.taskArns?.includes(a.tasks![0].taskArn!));
    assert.deepEqual((await h.ecs.send(new ListTasksCommand({ startedBy: 'longshore/list-b' }))).taskArns, []);
    assert.deepEqual((await h.ecs.send(new ListTasksCommand({ family: 'no-such-family' }))).taskArns, []);
    assert.deepEqual((await h.ecs.send(new ListTasksCommand({ desiredStatus: 'PENDING' }))).taskArns, []);
    await h.ecs.send(new StopTaskCommand({ task: a.tasks![0].taskArn! }));
  });
});

describe('retention of stopped tasks', () => {
  test('a STOPPED task stays describable for the retention period, then DescribeTasks answers MISSING', async () => {
    const short = await startHarness({ stoppedTaskRetentionMs: 100 });
    try {
      await registerFargate(short.ecs, { containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '1' }) })] });
      const arn = (await runFargate(short.ecs, 'sim-test')).tasks![0].taskArn!;
      const gone = await eventually(async () => {
        const out = await short.ecs.send(new DescribeTasksCommand({ tasks: [arn] }));
        return out.failures?.length ? out : undefined;
      });
      assert.deepEqual(gone.tasks, []);
      assert.deepEqual(gone.failures, [{ arn, reason: 'MISSING' }]);
    } finally {
      await short.close();
    }
  });
});

describe('time scale', () => {
  test('simulated durations are divided by the time scale', async () => {
    // At 100x, each 1 s phase lasts 10 ms and the 3 s run 30 ms: the whole life fits well inside the
    // 5 s the test waits, which an unscaled run (9 s) would not.
    const scaled = await startHarness({
      timeScale: 100,
      scenario: { phases: { provisioning: 1, pending: 1, activating: 1, running: 3, deactivating: 1, stopping: 1, deprovisioning: 1 } },
    });
    try {
      await registerFargate(scaled.ecs);
      const arn = (await runFargate(scaled.ecs, 'sim-test')).tasks![0].taskArn!;
      const task = await untilStoppedIn(scaled.ecs, arn);
      const ms = (d: Date | undefined): number => (d as Date).getTime();
      assert.ok(ms(task.startedAt) - ms(task.createdAt) >= 29, 'three 10 ms phases before RUNNING');
      assert.ok(ms(task.stoppingAt) - ms(task.startedAt) >= 29, 'a 30 ms run');
    } finally {
      await scaled.close();
    }
  });
});
