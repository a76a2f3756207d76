import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { step, toRunStatus } from '../../machines/run-lifecycle.js';
import { CLUSTER_ARN, at, drive, exited, observed, runIn, spotInterrupted, submittedEvent, taskArnFor, newRun } from '../../machines/fixtures.js';

const cancel = (seconds = 50) => ({ type: 'CANCEL_REQUESTED' as const, now: at(seconds) });

describe('cancel in each phase', () => {
  test('pending: stopped/cancelled at once, no task, only the bookkeeping', () => {
    const r = step(newRun(), cancel());
    assert.ok(r.ok);
    assert.equal(r.to, 'stopped');
    assert.deepEqual(r.actions, [{ type: 'finalize', outcome: 'cancelled' }]);
    const status = toRunStatus(r.snapshot);
    assert.deepEqual([status.outcome, status.attempts.length], ['cancelled', 0]);
    assert.equal(status.conditions.find((c) => c.type === 'CancelRequested')?.status, 'True');
  });

  test('launching (RunTask possibly in flight): stop whatever the attempt launched', () => {
    const r = step(runIn('launching'), cancel());
    assert.ok(r.ok);
    assert.equal(r.to, 'stopping');
    assert.equal(r.actions.length, 1);
    const action = r.actions[0];
    assert.equal(action.type, 'stopTask');
    if (action.type === 'stopTask') {
      assert.equal(action.attempt, 1);
      assert.equal(action.taskArn, undefined);
    }
  });

  test('launching: a task found while stopping is stopped by ARN, then cancelled when STOPPED', () => {
    const { snapshot } = drive(runIn('launching'), cancel());
    const found = step(snapshot, submittedEvent(1, at(51)));
    assert.ok(found.ok);
    assert.equal(found.to, 'stopping');
    assert.deepEqual(found.actions.map((a) => a.type === 'stopTask' && a.taskArn), [taskArnFor(1)]);
    assert.equal(toRunStatus(found.snapshot).phase, 'taskdef-resolved');
    const done = step(found.snapshot, exited(143, { stopCode: 'UserInitiated', now: at(60) }));
    assert.ok(done.ok);
    assert.deepEqual([done.to, toRunStatus(done.snapshot).outcome], ['stopped', 'cancelled']);
  });

  test('launching: no task found (TASK_MISSING without ARN) ends cancelled', () => {
    const { snapshot } = drive(runIn('launching'), cancel());
    const r = step(snapshot, { type: 'TASK_MISSING', now: at(51) });
    assert.ok(r.ok);
    assert.deepEqual([r.to, toRunStatus(r.snapshot).outcome], ['stopped', 'cancelled']);
  });

  for (const state of ['submitted', 'running'] as const) {
    test(`${state}: StopTask by ARN, then cancelled once ECS reports STOPPED`, () => {
      const r = step(runIn(state), cancel());
      assert.ok(r.ok);
      assert.equal(r.to, 'stopping');
      assert.deepEqual(r.actions, [{ type: 'stopTask', attempt: 1, taskArn: taskArnFor(1), clusterArn: CLUSTER_ARN, reason: 'Longshore: run cancelled' }]);
      const stillStopping = step(r.snapshot, observed({ lastStatus: 'DEPROVISIONING', desiredStatus: 'STOPPED', now: at(55), version: 9 }));
      assert.ok(stillStopping.ok);
      assert.equal(stillStopping.to, 'stopping');
      const done = step(stillStopping.snapshot, exited(143, { stopCode: 'UserInitiated', now: at(60), version: 10 }));
      assert.ok(done.ok);
      const status = toRunStatus(done.snapshot);
      assert.deepEqual([done.to, status.outcome, status.attempts[0].exitCode], ['stopped', 'cancelled', 143]);
    });
  }

  test('backoff: cancelled without launching the next attempt', () => {
    const { snapshot } = drive(runIn('running'), spotInterrupted());
    const r = step(snapshot, cancel());
    assert.ok(r.ok);
    assert.deepEqual(r.actions, [{ type: 'finalize', outcome: 'cancelled' }]);
    const status = toRunStatus(r.snapshot);
    assert.deepEqual([r.to, status.outcome, status.attempts.length], ['stopped', 'cancelled', 1]);
  });

  test('a second cancel while cancelling is refused; cancel after stop is refused', () => {
    const { snapshot } = drive(runIn('running'), cancel());
    assert.equal(step(snapshot, cancel(51)).ok, false);
    const stopped = drive(runIn('running'), exited(0)).snapshot;
    const r = step(stopped, cancel());
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, /already stopped/);
  });
});

describe('timeouts', () => {
  test('start timeout: StopTask, then timed-out', () => {
    const r = step(runIn('submitted'), { type: 'START_TIMEOUT', now: at(302) });
    assert.ok(r.ok);
    assert.equal(r.to, 'stopping');
    assert.deepEqual(r.actions.map((a) => a.type), ['stopTask']);
    const done = step(r.snapshot, observed({ lastStatus: 'STOPPED', stopCode: 'UserInitiated', containers: [], now: at(310) }));
    assert.ok(done.ok);
    const status = toRunStatus(done.snapshot);
    assert.deepEqual([done.to, status.outcome, status.attempts[0].failureReason], ['stopped', 'timed-out', 'StartTimeout']);
    assert.match(status.message ?? '', /not running 300s after it was submitted/);
  });

  test('start timeout retries when the policy says so, within the infrastructure budget', () => {
    const input = { retry: { retryStartTimeout: true, infrastructureAttempts: 2 } };
    const { snapshot } = drive(runIn('submitted', input), { type: 'START_TIMEOUT', now: at(302) });
    const r = step(snapshot, { type: 'TASK_MISSING', taskArn: taskArnFor(1), now: at(310) });
    assert.ok(r.ok);
    assert.equal(r.to, 'backoff');
    const second = drive(r.snapshot, { type: 'RETRY', now: at(400) }, submittedEvent(2, at(401)), { type: 'START_TIMEOUT', now: at(702) });
    const end = step(second.snapshot, observed({ attempt: 2, lastStatus: 'STOPPED', containers: [], now: at(710) }));
    assert.ok(end.ok);
    assert.deepEqual([end.to, toRunStatus(end.snapshot).outcome], ['stopped', 'timed-out']);
  });

  test('start timeout with retry: the STOPPED report opens the backoff for the next attempt', () => {
    const { snapshot } = drive(runIn('submitted', { retry: { retryStartTimeout: true } }), { type: 'START_TIMEOUT', now: at(302) });
    const r = step(snapshot, observed({ lastStatus: 'STOPPED', stopCode: 'UserInitiated', containers: [], now: at(310) }));
    assert.ok(r.ok);
    assert.equal(r.to, 'backoff');
    assert.deepEqual([toRunStatus(r.snapshot).attempts[0].failureReason, r.actions.map((a) => a.type)], ['StartTimeout', ['scheduleRetry']]);
  });

  test('run timeout: StopTask, then timed-out regardless of the exit code', () => {
    const { snapshot, actions } = drive(runIn('running', { timeouts: { runSeconds: 60 } }), { type: 'RUN_TIMEOUT', now: at(66) });
    assert.equal(actions[0].type === 'stopTask' && actions[0].reason, 'Longshore: run exceeded 60s');
    const done = step(snapshot, exited(0, { now: at(70) }));
    assert.ok(done.ok);
    const status = toRunStatus(done.snapshot);
    assert.deepEqual([status.outcome, status.attempts[0].failureReason], ['timed-out', 'RunTimeout']);
  });

  test('a cancel during a timeout stop wins and stops again', () => {
    const { snapshot } = drive(runIn('running', { timeouts: { runSeconds: 60 } }), { type: 'RUN_TIMEOUT', now: at(66) });
    const r = step(snapshot, cancel(67));
    assert.ok(r.ok);
    assert.deepEqual(r.actions.map((a) => a.type), ['stopTask']);
    const done = step(r.snapshot, exited(143, { now: at(70) }));
    assert.ok(done.ok);
    assert.equal(toRunStatus(done.snapshot).outcome, 'cancelled');
  });

  test('each timeout is accepted only in its phase', () => {
    assert.equal(step(runIn('running'), { type: 'START_TIMEOUT', now: at(400) }).ok, false);
    assert.equal(step(runIn('submitted'), { type: 'RUN_TIMEOUT', now: at(400) }).ok, false);
  });
});
