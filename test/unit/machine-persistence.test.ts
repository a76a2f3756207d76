import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LifecycleRestoreError, eventsAcceptedIn, nextDeadline, persistLifecycle, restoreLifecycle, standingActions, stateOf, step,
  type RunSnapshot,
} from '../../machines/run-lifecycle.js';
import type { LifecycleEvent } from '../../machines/run-types.js';
import { EPOCH_MS, at, drive, exited, newRun, observed, runIn, spotInterrupted, submittedEvent, resolved } from '../../machines/fixtures.js';

const roundTrip = (snapshot: RunSnapshot) => restoreLifecycle(JSON.parse(JSON.stringify(persistLifecycle(snapshot))));

function everyState(): Record<string, RunSnapshot> {
  return {
    pending: newRun(),
    launching: runIn('launching'),
    submitted: runIn('submitted'),
    running: runIn('running', { timeouts: { runSeconds: 60 } }),
    stopping: drive(runIn('running'), { type: 'CANCEL_REQUESTED', now: at(30) }).snapshot,
    backoff: drive(runIn('running', { retry: { backoff: { initialMs: 5000, factor: 2, maxMs: 60_000 } } }), spotInterrupted({ now: at(20) })).snapshot,
    stopped: drive(runIn('running'), exited(0)).snapshot,
  };
}

describe('snapshot persistence', () => {
  for (const [name, snapshot] of Object.entries(everyState())) {
    test(`${name}: survives JSON and continues exactly like the original`, () => {
      const restored = roundTrip(snapshot);
      assert.equal(stateOf(restored), name);
      assert.deepEqual(JSON.parse(JSON.stringify(restored.context)), JSON.parse(JSON.stringify(snapshot.context)));
      assert.equal(restored.status, snapshot.status);
      const probes: LifecycleEvent[] = [
        resolved(at(40)), submittedEvent(1, at(40)), observed({ now: at(40), version: 9 }), exited(0, { now: at(41), version: 10 }),
        { type: 'CANCEL_REQUESTED', now: at(42) }, { type: 'RETRY', now: at(100) },
      ];
      for (const probe of probes) {
        const a = step(snapshot, probe);
        const b = step(restored, probe);
        assert.equal(a.ok, b.ok, probe.type);
        if (a.ok && b.ok) {
          assert.deepEqual(b.actions, a.actions, probe.type);
          assert.deepEqual(JSON.parse(JSON.stringify(b.snapshot.context)), JSON.parse(JSON.stringify(a.snapshot.context)));
        }
      }
    });
  }

  test('restore rejects what is not a lifecycle', () => {
    const valid = persistLifecycle(newRun());
    const broken: unknown[] = [
      null, 'x', { ...valid, machine: 'other' }, { ...valid, version: 2 }, { ...valid, state: 'flying' },
      { ...valid, context: { ...valid.context, status: { phase: 'nowhere' } } },
    ];
    for (const input of broken) assert.throws(() => restoreLifecycle(input), LifecycleRestoreError);
  });
});

describe('illegal events are rejected without change', () => {
  const cases: [string, LifecycleEvent][] = [
    ['pending', submittedEvent()],
    ['pending', observed()],
    ['pending', { type: 'START_TIMEOUT', now: at(400) }],
    ['pending', { type: 'RETRY', now: at(400) }],
    ['launching', resolved()],
    ['launching', observed()],
    ['launching', { type: 'RUN_TIMEOUT', now: at(400) }],
    ['submitted', submittedEvent()],
    ['submitted', { type: 'SUBMIT_FAILED', retryable: true, reason: 'RESOURCE:CPU', message: 'x', now: at(3) }],
    ['running', resolved()],
    ['running', { type: 'RETRY', now: at(400) }],
    ['running', observed({ version: 1, now: at(30) })],
    ['running', observed({ taskArn: 'arn:someone-else' })],
    ['stopping', { type: 'START_TIMEOUT', now: at(400) }],
    ['stopping', submittedEvent()],
    ['backoff', observed()],
    ['backoff', submittedEvent()],
    ['stopped', observed()],
    ['stopped', { type: 'RETRY', now: at(400) }],
  ];
  for (const [state, event] of cases) {
    test(`${event.type} in ${state}${event.type === 'TASK_OBSERVED' ? ` (${event.taskArn.slice(-12)} v${event.version ?? '-'})` : ''}`, () => {
      const snapshot = everyState()[state];
      const before = JSON.stringify(persistLifecycle(snapshot));
      const r = step(snapshot, event);
      assert.equal(r.ok, false);
      if (!r.ok) assert.ok(r.reason.includes(event.type), r.reason);
      assert.equal(JSON.stringify(persistLifecycle(snapshot)), before);
    });
  }

  test('an event without a valid timestamp is rejected', () => {
    const r = step(newRun(), { type: 'CANCEL_REQUESTED', now: 'yesterday' });
    assert.equal(r.ok, false);
  });

  test('stopped accepts only FINALIZED, and only once', () => {
    assert.deepEqual(eventsAcceptedIn('stopped'), ['FINALIZED']);
    const stopped = everyState().stopped;
    const once = step(stopped, { type: 'FINALIZED', now: at(30) });
    assert.ok(once.ok);
    assert.deepEqual([once.to, once.actions, once.snapshot.context.finalized], ['stopped', [], true]);
    assert.equal(step(once.snapshot, { type: 'FINALIZED', now: at(31) }).ok, false);
  });
});

describe('standing actions and deadlines (level-triggered reconcile)', () => {
  test('each state names the work it still needs', () => {
    const states = everyState();
    const now = at(22);
    assert.deepEqual(standingActions(states.pending, now), [{ type: 'resolveTaskDefinition' }]);
    assert.deepEqual(standingActions(states.launching, now), [{ type: 'runTask', attempt: 1 }]);
    assert.deepEqual(standingActions(states.submitted, now), []);
    assert.deepEqual(standingActions(states.running, now), []);
    assert.deepEqual(standingActions(states.stopping, now).map((a) => a.type), ['stopTask']);
    assert.deepEqual(standingActions(states.backoff, now), [{ type: 'scheduleRetry', attempt: 2, delayMs: 3000, retryAt: at(25) }]);
    assert.deepEqual(standingActions(states.stopped, now), [{ type: 'finalize', outcome: 'succeeded' }]);
    assert.deepEqual(standingActions(drive(states.stopped, { type: 'FINALIZED', now }).snapshot, now), []);
  });

  test('deadlines come from condition transition times', () => {
    const states = everyState();
    assert.deepEqual(nextDeadline(states.submitted), { event: 'START_TIMEOUT', at: EPOCH_MS + 2_000 + 300_000 });
    assert.deepEqual(nextDeadline(states.running), { event: 'RUN_TIMEOUT', at: EPOCH_MS + 5_000 + 60_000 });
    assert.equal(nextDeadline(runIn('running')), undefined);
    assert.deepEqual(nextDeadline(states.backoff), { event: 'RETRY', at: EPOCH_MS + 25_000 });
    for (const name of ['pending', 'launching', 'stopping', 'stopped']) assert.equal(nextDeadline(states[name]), undefined, name);
  });
});
