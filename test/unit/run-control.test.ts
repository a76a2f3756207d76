import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControlReply } from '../../controller/api/control.js';
import type { RunRecord } from '../../controller/api/run.js';
import { GatewayError } from '../../controller/aws/errors.js';
import { KILL_REASON, createControlHandler, planKill, type ControlDeps } from '../../reconcilers/control/control.js';
import { newRunRecord } from './run-builders.js';

const TASK = 'arn:aws:ecs:us-east-1:000000000000:task/prod/t1';
const CLUSTER = 'arn:aws:ecs:us-east-1:000000000000:cluster/prod';

function runWithTask(): RunRecord {
  const run = newRunRecord();
  return { ...run, status: { ...run.status, phase: 'running', attempts: [{ number: 1, taskArn: TASK, clusterArn: CLUSTER }] } };
}

describe('planKill', () => {
  test('by run: its live task', () => {
    assert.deepEqual(planKill({ type: 'kill', run: 'run-a' }, runWithTask()), { kind: 'stop', taskArn: TASK, cluster: CLUSTER, reason: KILL_REASON, run: 'run-a' });
  });

  test('by run without a live task, or unknown: nothing', () => {
    assert.equal(planKill({ type: 'kill', run: 'run-a' }, newRunRecord()).kind, 'nothing');
    assert.equal(planKill({ type: 'kill', run: 'ghost' }, null).kind, 'nothing');
  });

  test('by task ARN of an orphan: the cluster comes from the ARN', () => {
    assert.deepEqual(planKill({ type: 'kill', taskArn: TASK, reason: 'stuck' }, null), { kind: 'stop', taskArn: TASK, cluster: CLUSTER, reason: 'stuck' });
  });
});

describe('control handler', () => {
  function deps(overrides: Partial<ControlDeps> = {}) {
    const calls = { cancels: [] as string[], cancelArgs: [] as unknown[][], stops: [] as string[], woken: [] as string[], replies: [] as Array<[string, ControlReply]> };
    const run = runWithTask();
    const base: ControlDeps = {
      store: {
        getRun: async (name) => (name === 'run-a' ? run : null),
        requestCancel: async (name, known, options) => { calls.cancels.push(name); calls.cancelArgs.push([known, options]); return run; },
        runNameForTask: async (arn) => (arn === TASK ? 'run-a' : null),
      },
      gateway: { stopTask: async (input) => { calls.stops.push(`${input.cluster}|${input.task}`); return { $metadata: {}, task: { lastStatus: 'RUNNING' } }; } },
      wake: async (_q, key) => { calls.woken.push(key); },
      reply: async (id, answer) => { calls.replies.push([id, answer]); },
    };
    return { calls, deps: { ...base, ...overrides } };
  }

  test('cancel marks the run and wakes it; unknown runs are ignored', async () => {
    const { calls, deps: d } = deps();
    const handle = createControlHandler(d);
    await handle({ id: '1', message: { type: 'cancel', run: 'run-a' } });
    await handle({ id: '2', message: { type: 'cancel', run: 'ghost' } });
    assert.deepEqual([calls.cancels, calls.woken], [['run-a'], ['run-a']]);
  });

  test('cancel hands the store the record it read and says it wakes the run itself (no second read, no feed wake-up)', async () => {
    const { calls, deps: d } = deps();
    const run = await d.store.getRun('run-a');
    await createControlHandler(d)({ id: '1', message: { type: 'cancel', run: 'run-a' } });
    assert.deepEqual(calls.cancelArgs, [[run, { wokenByCaller: true }]]);
    assert.deepEqual(calls.woken, ['run-a']);
  });

  test('kill by task ARN stops it and wakes its run', async () => {
    const { calls, deps: d } = deps();
    await createControlHandler(d)({ id: '1', message: { type: 'kill', taskArn: TASK } });
    assert.deepEqual([calls.stops, calls.woken], [[`${CLUSTER}|${TASK}`], ['run-a']]);
    assert.deepEqual(calls.replies, [['1', { outcome: 'done', message: `StopTask accepted for ${TASK} (last status RUNNING)` }]]);
  });

  test('kill of a task that had already stopped answers "nothing", not "done" (StopTask accepts it all the same)', async () => {
    const stoppedAt = new Date('2026-01-01T00:05:00.000Z');
    const { calls, deps: d } = deps({
      gateway: { stopTask: async () => ({ $metadata: {}, task: { lastStatus: 'STOPPED', stoppedAt, stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' } }) },
    });
    await createControlHandler(d)({ id: '3', message: { type: 'kill', taskArn: TASK } });
    assert.deepEqual(calls.replies, [['3', { outcome: 'nothing', message: `task ${TASK} had already stopped at 2026-01-01T00:05:00.000Z (EssentialContainerExited: Essential container in task exited)` }]]);
  });

  test('kill with nothing to stop answers why', async () => {
    const { calls, deps: d } = deps();
    await createControlHandler(d)({ id: '7-0', message: { type: 'kill', run: 'ghost' } });
    assert.deepEqual(calls.stops, []);
    assert.deepEqual(calls.replies, [['7-0', { outcome: 'nothing', message: 'run "ghost" not found' }]]);
  });

  test('throttles are redelivered, a vanished task is not', async () => {
    const throttled = new GatewayError('throttled', 'StopTask', 'ThrottlingException', 'Rate exceeded', null);
    const gone = new GatewayError('client', 'StopTask', 'InvalidParameterException', 'The referenced task was not found.', null);
    const failing = (error: Error) => deps({ gateway: { stopTask: async () => { throw error; } } });
    const onThrottle = failing(throttled);
    await assert.rejects(createControlHandler(onThrottle.deps)({ id: '1', message: { type: 'kill', run: 'run-a' } }), GatewayError);
    assert.deepEqual(onThrottle.calls.replies, [], 'not settled yet: no answer until the redelivery');
    const onGone = failing(gone);
    await createControlHandler(onGone.deps)({ id: '2', message: { type: 'kill', run: 'run-a' } });
    assert.deepEqual(onGone.calls.replies, [['2', { outcome: 'failed', message: 'The referenced task was not found.' }]]);
  });
});
