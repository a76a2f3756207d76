/**
 * Events are hints, DescribeTasks is the authority (issue 7): an EventBridge event can move a run only to
 * non-terminal knowledge, never ends an attempt, and its version never makes an API observation stale.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { persistLifecycle, restoreLifecycle, stateOf, step, toRunStatus } from '../../machines/run-lifecycle.js';
import { at, drive, exited, observed, runIn } from '../../machines/fixtures.js';

describe('events are hints', () => {
  test('a forged version-999999 event does not make the real STOPPED DescribeTasks stale: the run concludes from it', () => {
    const forged = observed({ source: 'event', lastStatus: 'RUNNING', version: 999_999, now: at(12) });
    const { snapshot } = drive(runIn('running'), forged);
    const real = step(snapshot, exited(0, { version: 6, now: at(20) }));
    assert.ok(real.ok, real.ok ? '' : real.reason);
    assert.equal(real.to, 'stopped');
    assert.equal(toRunStatus(real.snapshot).outcome, 'succeeded');
  });

  test('an event saying STOPPED with exit 1 ends nothing; DescribeTasks RUNNING, then exit 0, and the run succeeds', () => {
    const fake = exited(1, { source: 'event', version: 50, now: at(12) });
    const afterFake = step(runIn('running'), fake);
    assert.ok(afterFake.ok);
    assert.equal(afterFake.to, 'running');
    const attempt = toRunStatus(afterFake.snapshot).attempts[0];
    assert.equal(attempt.exitCode, undefined);
    assert.equal(attempt.stopCode, undefined, 'no stop fact of an event is recorded');
    assert.notEqual(attempt.lastStatus, 'STOPPED');
    const { snapshot } = drive(afterFake.snapshot, observed({ lastStatus: 'RUNNING', version: 4, now: at(15) }));
    assert.equal(stateOf(snapshot), 'running');
    const done = step(snapshot, exited(0, { version: 6, now: at(30) }));
    assert.ok(done.ok);
    assert.equal(toRunStatus(done.snapshot).outcome, 'succeeded');
    assert.equal(toRunStatus(done.snapshot).attempts[0].exitCode, 0);
  });

  test('an event saying STOPPED does not end a submitted run or a stopping one either', () => {
    const submitted = step(runIn('submitted'), exited(1, { source: 'event', version: 9 }));
    assert.ok(submitted.ok);
    assert.equal(submitted.to, 'submitted');
    const cancelling = drive(runIn('running'), { type: 'CANCEL_REQUESTED', now: at(11) }).snapshot;
    const stopping = step(cancelling, exited(143, { source: 'event', version: 9, now: at(12) }));
    assert.ok(stopping.ok);
    assert.equal(stopping.to, 'stopping');
  });

  test('an event may bring the news that the task runs', () => {
    const r = step(runIn('submitted'), observed({ source: 'event', lastStatus: 'RUNNING', version: 3, now: at(4) }));
    assert.ok(r.ok);
    assert.equal(r.to, 'running');
  });

  test('events are compared with every version seen: duplicates change nothing, older ones are stale', () => {
    const { snapshot } = drive(runIn('submitted'), observed({ source: 'event', lastStatus: 'PENDING', version: 2, now: at(3) }));
    const duplicate = step(snapshot, observed({ source: 'event', lastStatus: 'PENDING', version: 2, now: at(4) }));
    assert.ok(duplicate.ok);
    assert.deepEqual(duplicate.snapshot.context, { ...snapshot.context });
    const afterApi = drive(snapshot, observed({ lastStatus: 'RUNNING', version: 3, now: at(5) })).snapshot;
    const older = step(afterApi, observed({ source: 'event', lastStatus: 'PENDING', version: 2, now: at(6) }));
    assert.equal(older.ok, false);
    assert.match(older.ok ? '' : older.reason, /stale event observation \(version 2 < 3\)/);
  });

  test('API answers are compared only with API answers', () => {
    const { snapshot } = drive(runIn('running'), observed({ version: 5, now: at(11) }));
    const older = step(snapshot, observed({ version: 4, now: at(12) }));
    assert.equal(older.ok, false);
    assert.match(older.ok ? '' : older.reason, /stale describe observation \(version 4 < 5\)/);
  });

  test('a lifecycle persisted with a poisoned observedVersion and no describedVersion still takes the real stop', () => {
    const persisted = persistLifecycle(runIn('running'));
    const { describedVersion: _ignored, ...context } = { ...persisted.context, observedVersion: 999_999 };
    const restored = restoreLifecycle({ ...persisted, context });
    const r = step(restored, exited(0, { version: 7 }));
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(toRunStatus(r.snapshot).outcome, 'succeeded');
  });
});
