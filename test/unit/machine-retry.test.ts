import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stateOf, step, toRunStatus } from '../../machines/run-lifecycle.js';
import { at, drive, exited, observed, runIn, spotInterrupted, submittedEvent, taskArnFor } from '../../machines/fixtures.js';

const retryEvent = (seconds: number) => ({ type: 'RETRY' as const, now: at(seconds) });
/** The first retry waits 5 s. */
const fiveSecondBackoff = { retry: { backoff: { initialMs: 5000, factor: 2, maxMs: 60_000 } } };

describe('infrastructure failures retry within the budget', () => {
  test('spot interruption by stopCode schedules attempt 2 after the backoff', () => {
    const r = step(runIn('running', fiveSecondBackoff), spotInterrupted({ now: at(20) }));
    assert.ok(r.ok);
    assert.equal(r.to, 'backoff');
    assert.deepEqual(r.actions, [{ type: 'scheduleRetry', attempt: 2, delayMs: 5000, retryAt: at(25) }]);
    const status = toRunStatus(r.snapshot);
    assert.equal(status.phase, 'taskdef-resolved');
    assert.equal(status.outcome, undefined);
    assert.deepEqual([status.attempts[0].failureReason, status.attempts[0].stopCode], ['SpotInterruption', 'SpotInterruption']);
    assert.equal(status.conditions.find((c) => c.type === 'Submitted')?.status, 'False');
    assert.match(status.message ?? '', /attempt 2 starts in 5s/);
  });

  test('spot interruption by stoppedReason only (no stopCode) retries too', () => {
    const r = step(runIn('running'), spotInterrupted({ stopCode: undefined }));
    assert.ok(r.ok);
    assert.equal(r.to, 'backoff');
    assert.equal(toRunStatus(r.snapshot).attempts[0].failureReason, 'SpotInterruption');
  });

  test('a TerminationNotice seen while RUNNING still counts when the STOPPED report omits it', () => {
    const notice = observed({ desiredStatus: 'STOPPED', stopCode: 'TerminationNotice', stoppedReason: 'Your Spot Task was interrupted.', now: at(10), version: 5 });
    const { snapshot } = drive(runIn('running'), notice);
    assert.equal(stateOf(snapshot), 'running');
    const r = step(snapshot, exited(143, { stopCode: undefined, stoppedReason: undefined, version: 6 }));
    assert.ok(r.ok);
    assert.equal(r.to, 'backoff');
    assert.equal(toRunStatus(r.snapshot).attempts[0].failureReason, 'SpotInterruption');
  });

  test('TaskFailedToStart with empty containers retries', () => {
    const r = step(runIn('submitted'), observed({ lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: no such image', containers: [] }));
    assert.ok(r.ok);
    assert.equal(r.to, 'backoff');
    assert.equal(toRunStatus(r.snapshot).attempts[0].failureReason, 'TaskFailedToStart');
  });

  test('a missing exit code retries', () => {
    const r = step(runIn('running'), exited(null));
    assert.ok(r.ok);
    assert.equal(r.to, 'backoff');
    assert.equal(toRunStatus(r.snapshot).attempts[0].failureReason, 'MissingExitCode');
  });

  test('RETRY before the backoff ends is rejected; after it, RunTask of attempt 2 is asked for', () => {
    const { snapshot } = drive(runIn('running', { runUid: 'r9', ...fiveSecondBackoff }), spotInterrupted({ now: at(20) }));
    const early = step(snapshot, retryEvent(24));
    assert.equal(early.ok, false);
    const r = step(snapshot, retryEvent(25));
    assert.ok(r.ok);
    assert.equal(r.to, 'launching');
    assert.deepEqual(r.actions, [{ type: 'runTask', attempt: 2 }]);
    const status = toRunStatus(r.snapshot);
    assert.deepEqual(status.attempts.map((a) => a.number), [1, 2]);
    assert.equal(status.taskDefinitionArn !== undefined, true);
  });

  test('attempt 2 observations are matched by its own task, attempt 1 reports are refused', () => {
    const { snapshot } = drive(runIn('running', fiveSecondBackoff), spotInterrupted({ now: at(20) }), retryEvent(25), submittedEvent(2, at(26)));
    assert.equal(step(snapshot, observed({ attempt: 1, now: at(27) })).ok, false);
    const r = step(snapshot, observed({ attempt: 2, now: at(27) }));
    assert.ok(r.ok);
    assert.equal(r.to, 'running');
    assert.equal(toRunStatus(r.snapshot).attempts[1].taskArn, taskArnFor(2));
  });

  test('the backoff grows by its factor and is capped', () => {
    const input = { retry: { infrastructureAttempts: 5, backoff: { initialMs: 1000, factor: 3, maxMs: 5000 } } };
    let snapshot = runIn('running', input);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const base = attempt * 100;
      const r = step(snapshot, spotInterrupted({ attempt, now: at(base) }));
      assert.ok(r.ok);
      const action = r.actions[0];
      assert.equal(action.type, 'scheduleRetry');
      if (action.type === 'scheduleRetry') delays.push(action.delayMs);
      snapshot = drive(r.snapshot, retryEvent(base + 10), submittedEvent(attempt + 1, at(base + 11)), observed({ attempt: attempt + 1, now: at(base + 12) })).snapshot;
    }
    assert.deepEqual(delays, [1000, 3000, 5000]);
  });

  test('the infrastructure budget spent ends the run crashed with the last reason', () => {
    const { snapshot } = drive(
      runIn('running', { retry: { infrastructureAttempts: 2 } }),
      spotInterrupted({ now: at(20) }), retryEvent(100), submittedEvent(2, at(101)),
    );
    const r = step(snapshot, observed({ attempt: 2, lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: denied', containers: [], now: at(110) }));
    assert.ok(r.ok);
    assert.equal(r.to, 'stopped');
    const status = toRunStatus(r.snapshot);
    assert.equal(status.outcome, 'crashed');
    assert.match(status.message ?? '', /CannotPullContainerError: denied.*budget of 2/);
    assert.deepEqual(status.attempts.map((a) => a.failureReason), ['SpotInterruption', 'TaskFailedToStart']);
  });

  test('a task stopped outside Longshore crashes without retry', () => {
    const r = step(runIn('running'), exited(143, { stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' }));
    assert.ok(r.ok);
    assert.deepEqual([r.to, toRunStatus(r.snapshot).outcome], ['stopped', 'crashed']);
  });
});

describe('exit codes listed in the retry policy', () => {
  const policy = { retry: { onExitCodes: [42], exitCodeAttempts: 2 } };

  test('a listed exit code retries', () => {
    const r = step(runIn('running', policy), exited(42));
    assert.ok(r.ok);
    assert.equal(r.to, 'backoff');
    assert.equal(r.snapshot.context.exitCodeFailures, 1);
    assert.equal(r.snapshot.context.infrastructureFailures, 0);
  });

  test('its own budget spent ends the run failed with the exit code', () => {
    const { snapshot } = drive(runIn('running', policy), exited(42), retryEvent(100), submittedEvent(2, at(101)));
    const r = step(snapshot, exited(42, { attempt: 2, now: at(120) }));
    assert.ok(r.ok);
    const status = toRunStatus(r.snapshot);
    assert.deepEqual([status.outcome, status.attempts[1].exitCode], ['failed', 42]);
    assert.match(status.message ?? '', /exit-code retry budget of 2/);
  });

  test('an exit code not listed fails at once', () => {
    const r = step(runIn('running', policy), exited(1));
    assert.ok(r.ok);
    assert.equal(toRunStatus(r.snapshot).outcome, 'failed');
  });
});

describe('RunTask failures', () => {
  const capacity = { type: 'SUBMIT_FAILED' as const, retryable: true, reason: 'RESOURCE:CPU', message: 'no capacity', now: at(3) };

  test('a retryable failure (capacity, RESOURCE:*) is an infrastructure attempt', () => {
    const r = step(runIn('launching'), capacity);
    assert.ok(r.ok);
    assert.equal(r.to, 'backoff');
    assert.equal(toRunStatus(r.snapshot).attempts[0].failureReason, 'RESOURCE:CPU');
    assert.equal(r.snapshot.context.infrastructureFailures, 1);
  });

  test('retryable failures past the budget crash the run', () => {
    const r = step(runIn('launching', { retry: { infrastructureAttempts: 1 } }), capacity);
    assert.ok(r.ok);
    assert.deepEqual([r.to, toRunStatus(r.snapshot).outcome], ['stopped', 'crashed']);
  });

  test('an invalid request fails the run with the message', () => {
    const r = step(runIn('launching'), { type: 'SUBMIT_FAILED', retryable: false, reason: 'ClusterNotFound', message: 'cluster "x" does not exist', now: at(3) });
    assert.ok(r.ok);
    const status = toRunStatus(r.snapshot);
    assert.deepEqual([r.to, status.outcome], ['stopped', 'failed']);
    assert.match(status.message ?? '', /cluster "x" does not exist/);
  });
});

describe('tasks ECS no longer knows', () => {
  test('TASK_MISSING without anything known retries as TaskMissing', () => {
    const r = step(runIn('submitted'), { type: 'TASK_MISSING', taskArn: taskArnFor(1), now: at(30) });
    assert.ok(r.ok);
    assert.equal(r.to, 'backoff');
    assert.equal(toRunStatus(r.snapshot).attempts[0].failureReason, 'TaskMissing');
  });

  test('TASK_MISSING after a termination notice concludes as a spot interruption', () => {
    const { snapshot } = drive(runIn('running'), observed({ desiredStatus: 'STOPPED', stopCode: 'TerminationNotice', now: at(10), version: 5 }));
    const r = step(snapshot, { type: 'TASK_MISSING', taskArn: taskArnFor(1), now: at(30) });
    assert.ok(r.ok);
    assert.equal(toRunStatus(r.snapshot).attempts[0].failureReason, 'SpotInterruption');
  });

  test('TASK_MISSING on the last attempt of the budget crashes the run', () => {
    const r = step(runIn('submitted', { retry: { infrastructureAttempts: 1 } }), { type: 'TASK_MISSING', taskArn: taskArnFor(1), now: at(30) });
    assert.ok(r.ok);
    assert.deepEqual([r.to, toRunStatus(r.snapshot).outcome], ['stopped', 'crashed']);
    assert.match(toRunStatus(r.snapshot).message ?? '', /no longer knows the task/);
  });

  test('TASK_MISSING for another task is refused', () => {
    assert.equal(step(runIn('running'), { type: 'TASK_MISSING', taskArn: 'arn:other', now: at(30) }).ok, false);
  });
});
