import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStatus } from '../../controller/api/run-status.js';
import { nextDeadline, stateOf, step, toRunStatus } from '../../machines/run-lifecycle.js';
import { STALE_TASK_DEFINITION_BACKOFF, STALE_TASK_DEFINITIONS_FREE } from '../../machines/run-logic.js';
import { backoffMs } from '../../controller/backoff.js';
import { startLifecycle } from '../../machines/run-lifecycle.js';
import {
  CLUSTER_ARN, TASKDEF_ARN, TASK_ARN, at, drive, exited, newRun, observed, resolved, runIn, submittedEvent,
} from '../../machines/fixtures.js';

const condition = (snapshot: Parameters<typeof toRunStatus>[0], type: string) =>
  toRunStatus(snapshot).conditions.find((c) => c.type === type);

describe('happy path', () => {
  test('a new run is pending and asks for its task definition', () => {
    const { snapshot, actions } = startLifecycle({ runUid: 'u', now: at(0) });
    assert.equal(stateOf(snapshot), 'pending');
    assert.deepEqual(actions, [{ type: 'resolveTaskDefinition' }]);
    const status = toRunStatus(snapshot);
    assert.equal(status.phase, 'pending');
    assert.deepEqual(status.attempts, []);
    assert.equal(condition(snapshot, 'TaskDefinitionResolved')?.status, 'False');
    assert.ok(status.message);
  });

  test('TASKDEF_RESOLVED opens attempt 1 and asks for RunTask of attempt 1', () => {
    const r = step(newRun({ runUid: 'abc' }), resolved(at(1)));
    assert.ok(r.ok);
    assert.equal(r.to, 'launching');
    assert.deepEqual(r.actions, [{ type: 'runTask', attempt: 1 }]);
    const status = toRunStatus(r.snapshot);
    assert.equal(status.phase, 'taskdef-resolved');
    assert.equal(status.taskDefinitionArn, TASKDEF_ARN);
    assert.deepEqual(status.attempts, [{ number: 1 }]);
    assert.equal(condition(r.snapshot, 'TaskDefinitionResolved')?.lastTransitionTime, at(1));
  });

  test('TASKDEF_FAILED ends the run failed with the reason', () => {
    const r = step(newRun(), { type: 'TASKDEF_FAILED', message: 'family name invalid', now: at(1) });
    assert.ok(r.ok);
    assert.equal(r.to, 'stopped');
    assert.equal(toRunStatus(r.snapshot).outcome, 'failed');
    assert.match(toRunStatus(r.snapshot).message ?? '', /family name invalid/);
  });

  test('SUBMITTED records the task and the Submitted transition time', () => {
    const r = step(runIn('launching'), submittedEvent(1, at(2)));
    assert.ok(r.ok);
    assert.equal(r.to, 'submitted');
    assert.deepEqual(r.actions, []);
    const attempt = toRunStatus(r.snapshot).attempts[0];
    assert.deepEqual([attempt.taskArn, attempt.clusterArn, attempt.submittedAt], [TASK_ARN, CLUSTER_ARN, at(2)]);
    assert.equal(toRunStatus(r.snapshot).phase, 'submitted');
    assert.deepEqual([condition(r.snapshot, 'Submitted')?.status, condition(r.snapshot, 'Submitted')?.lastTransitionTime], ['True', at(2)]);
  });

  test('a PENDING observation stays submitted and records lastStatus', () => {
    const r = step(runIn('submitted'), observed({ lastStatus: 'PENDING', now: at(3) }));
    assert.ok(r.ok);
    assert.equal(r.to, 'submitted');
    assert.equal(toRunStatus(r.snapshot).attempts[0].lastStatus, 'PENDING');
  });

  test('a RUNNING observation moves to running with startedAt and the Running condition', () => {
    const r = step(runIn('submitted'), observed({ startedAt: at(4), now: at(5) }));
    assert.ok(r.ok);
    assert.equal(r.to, 'running');
    const status = toRunStatus(r.snapshot);
    assert.equal(status.phase, 'running');
    assert.equal(status.attempts[0].startedAt, at(4));
    assert.deepEqual([condition(r.snapshot, 'Running')?.status, condition(r.snapshot, 'Running')?.lastTransitionTime], ['True', at(5)]);
  });

  test('repeated RUNNING observations keep the Running transition time', () => {
    const { snapshot } = drive(runIn('running'), observed({ now: at(30), version: 4 }));
    assert.equal(stateOf(snapshot), 'running');
    assert.equal(condition(snapshot, 'Running')?.lastTransitionTime, at(5));
  });

  test('exit code 0 ends the run succeeded', () => {
    const r = step(runIn('running'), exited(0, { stoppedAt: at(19) }));
    assert.ok(r.ok);
    assert.equal(r.to, 'stopped');
    const status = toRunStatus(r.snapshot);
    assert.deepEqual([status.phase, status.outcome], ['stopped', 'succeeded']);
    assert.deepEqual([status.attempts[0].exitCode, status.attempts[0].stoppedAt], [0, at(19)]);
    assert.equal(condition(r.snapshot, 'Stopped')?.reason, 'Succeeded');
    assert.deepEqual(r.actions, [{ type: 'finalize', outcome: 'succeeded' }]);
  });

  test('a non-zero exit code ends the run failed with the code, without retry', () => {
    const r = step(runIn('running'), exited(3));
    assert.ok(r.ok);
    const status = toRunStatus(r.snapshot);
    assert.deepEqual([status.outcome, status.attempts.length, status.attempts[0].exitCode, status.attempts[0].failureReason], ['failed', 1, 3, 'ExitCode']);
    assert.match(status.message ?? '', /exited with code 3/);
  });

  test('a task that stops straight from submitted is concluded too', () => {
    const r = step(runIn('submitted'), exited(0));
    assert.ok(r.ok);
    assert.equal(toRunStatus(r.snapshot).outcome, 'succeeded');
  });

  test('every status the machine writes satisfies the RunStatus schema', () => {
    const { snapshot } = drive(newRun(), resolved(), submittedEvent(), observed({ now: at(5) }), exited(0));
    assert.ok(RunStatus.safeParse(toRunStatus(snapshot)).success);
  });
});

describe('stale task definition', () => {
  test('TASKDEF_STALE in launching drops the unlaunched attempt and resolves again', () => {
    const r = step(runIn('launching'), { type: 'TASKDEF_STALE', message: 'TaskDefinition is inactive', now: at(3) });
    assert.ok(r.ok);
    assert.equal(r.to, 'pending');
    assert.deepEqual(r.actions, [{ type: 'resolveTaskDefinition' }]);
    const status = toRunStatus(r.snapshot);
    assert.deepEqual([status.phase, status.attempts.length, status.taskDefinitionArn], ['pending', 0, undefined]);
    const again = drive(r.snapshot, resolved(at(4)));
    assert.deepEqual(again.actions, [{ type: 'runTask', attempt: 1 }]);
  });
});

describe('a stale task definition that keeps coming back', () => {
  const stale = (now: string) => ({ type: 'TASKDEF_STALE' as const, message: 'ClientException: TaskDefinition not found.', now });

  test('the first refusals of an attempt resolve again at once; beyond them the resolve waits, longer each time, and says so', () => {
    let snapshot = runIn('launching');
    for (let i = 1; i <= STALE_TASK_DEFINITIONS_FREE; i += 1) {
      const r = step(snapshot, stale(at(10 * i)));
      assert.ok(r.ok);
      assert.deepEqual(r.actions, [{ type: 'resolveTaskDefinition' }], `refusal ${i} resolves at once`);
      assert.equal(nextDeadline(r.snapshot), undefined);
      snapshot = drive(r.snapshot, resolved(at(10 * i + 1))).snapshot;
    }
    const waits: number[] = [];
    for (let i = STALE_TASK_DEFINITIONS_FREE + 1; i <= STALE_TASK_DEFINITIONS_FREE + 3; i += 1) {
      const now = at(100 * i);
      const r = step(snapshot, stale(now));
      assert.ok(r.ok);
      assert.deepEqual([r.to, r.actions], ['pending', []], `refusal ${i} waits`);
      const deadline = nextDeadline(r.snapshot);
      assert.equal(deadline?.event, 'RETRY');
      waits.push((deadline?.at ?? 0) - Date.parse(now));
      const status = toRunStatus(r.snapshot);
      assert.match(status.message ?? '', new RegExp(`refused ${i} times for attempt 1; next resolve in \\d+s\\): ClientException: TaskDefinition not found\\.`));
      assert.equal(condition(r.snapshot, 'TaskDefinitionResolved')?.reason, 'Stale');

      const early = step(r.snapshot, { type: 'RETRY', now });
      assert.equal(early.ok, false, 'no resolve before the wait is over');
      const due = step(r.snapshot, { type: 'RETRY', now: new Date(deadline?.at ?? 0).toISOString() });
      assert.ok(due.ok);
      assert.deepEqual([due.to, due.actions], ['pending', [{ type: 'resolveTaskDefinition' }]]);
      snapshot = drive(due.snapshot, resolved(new Date((deadline?.at ?? 0) + 1).toISOString())).snapshot;
    }
    assert.deepEqual(waits, [1, 2, 3].map((n) => backoffMs(STALE_TASK_DEFINITION_BACKOFF, n)));
    assert.ok(waits[0] > 0 && waits[1] > waits[0] && waits[2] > waits[1]);
  });

  test('a later attempt counts its own refusals', () => {
    let snapshot = runIn('launching');
    for (let i = 1; i <= STALE_TASK_DEFINITIONS_FREE; i += 1) snapshot = drive(snapshot, stale(at(i)), resolved(at(i))).snapshot;
    // Attempt 1 launches and ends in an infrastructure failure; attempt 2 starts after the backoff.
    const ended = drive(snapshot, submittedEvent(1, at(20)), observed({ now: at(21), lastStatus: 'STOPPED', stopCode: 'SpotInterruption', containers: [] }));
    assert.equal(stateOf(ended.snapshot), 'backoff');
    const retryAt = nextDeadline(ended.snapshot)?.at ?? 0;
    const second = drive(ended.snapshot, { type: 'RETRY', now: new Date(retryAt).toISOString() });
    assert.equal(stateOf(second.snapshot), 'launching');
    const r = step(second.snapshot, stale(new Date(retryAt + 1).toISOString()));
    assert.ok(r.ok);
    assert.deepEqual(r.actions, [{ type: 'resolveTaskDefinition' }], 'attempt 2\'s first refusal resolves at once');
  });
});

describe('waiting', () => {
  test('WAITING in pending and launching explains the wait on the step\'s condition, without actions', () => {
    const pending = step(newRun(), { type: 'WAITING', reason: 'Registering', message: 'waiting for registration', now: at(1) });
    assert.ok(pending.ok);
    assert.deepEqual([pending.to, pending.actions], ['pending', []]);
    assert.equal(toRunStatus(pending.snapshot).message, 'waiting for registration');
    assert.equal(condition(pending.snapshot, 'TaskDefinitionResolved')?.reason, 'Registering');

    const launching = step(runIn('launching'), { type: 'WAITING', reason: 'PoolLimit', message: 'no slot', now: at(3) });
    assert.ok(launching.ok);
    assert.deepEqual([launching.to, launching.actions], ['launching', []]);
    assert.deepEqual([condition(launching.snapshot, 'Submitted')?.reason, toRunStatus(launching.snapshot).message], ['PoolLimit', 'no slot']);
  });

  test('WAITING once the task exists is refused', () => {
    assert.equal(step(runIn('submitted'), { type: 'WAITING', reason: 'PoolLimit', message: 'x', now: at(3) }).ok, false);
  });
});
