/**
 * Phase vs state: every state declares its phase (stopping keeps the one it was entered with), the status
 * always shows the declared phase, and the phase changes a run can make are read from the machine.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { step, stateOf, toRunStatus, type RunSnapshot } from '../../machines/run-lifecycle.js';
import { runLifecycleMachine } from '../../machines/run-machine.js';
import { possiblePhaseTransitions } from '../../machines/run-phases.js';
import type { LifecycleEvent } from '../../machines/run-types.js';
import { at, exited, newRun, observed, resolved, spotInterrupted, submittedEvent } from '../../machines/fixtures.js';

const declaredPhase = (snapshot: RunSnapshot) => runLifecycleMachine.states[stateOf(snapshot)].meta?.phase;

/** Applies the events, checking after each accepted one that the status shows the state's phase. */
function walk(events: LifecycleEvent[], retry = {}): { phases: string[]; reported: string[] } {
  let snapshot = newRun({ retry: { infrastructureAttempts: 2, ...retry } });
  const phases = [toRunStatus(snapshot).phase as string];
  const reported: string[] = [];
  for (const event of events) {
    const r = step(snapshot, event);
    assert.ok(r.ok, `${event.type} accepted`);
    const phase = toRunStatus(r.snapshot).phase;
    assert.equal(phase, declaredPhase(r.snapshot) ?? toRunStatus(snapshot).phase, `phase in ${r.to}`);
    assert.deepEqual(r.phase, { from: toRunStatus(snapshot).phase, to: phase });
    if (r.phase.from !== r.phase.to) reported.push(`${r.phase.from}>${r.phase.to}`);
    phases.push(phase);
    snapshot = r.snapshot;
  }
  return { phases, reported };
}

describe('phase vs state', () => {
  test('every resting state but stopping declares a phase; stopping keeps the phase it was entered with', () => {
    const undeclared = Object.entries(runLifecycleMachine.states).filter(([, node]) => node.meta?.phase === undefined).map(([name]) => name);
    assert.deepEqual(undeclared.sort(), ['attemptEnded', 'stopping']);
    const cancel = (seconds: number): LifecycleEvent => ({ type: 'CANCEL_REQUESTED', now: at(seconds) });
    assert.deepEqual(walk([resolved(), cancel(3)]).phases, ['pending', 'taskdef-resolved', 'taskdef-resolved']);
    assert.deepEqual(walk([resolved(), submittedEvent(), cancel(3)]).phases, ['pending', 'taskdef-resolved', 'submitted', 'submitted']);
    const running = walk([resolved(), submittedEvent(), observed({ now: at(3) }), cancel(4), exited(143, { stopCode: 'UserInitiated', now: at(5) })]);
    assert.deepEqual(running.phases, ['pending', 'taskdef-resolved', 'submitted', 'running', 'running', 'stopped']);
  });

  test('a retried attempt goes back to taskdef-resolved; step reports each phase change once', () => {
    const { phases, reported } = walk([
      resolved(), submittedEvent(), observed({ now: at(3) }), spotInterrupted({ now: at(4) }),
      { type: 'RETRY', now: at(100) }, submittedEvent(2, at(101)), exited(0, { attempt: 2, now: at(102) }),
    ]);
    assert.deepEqual(phases, ['pending', 'taskdef-resolved', 'submitted', 'running', 'taskdef-resolved', 'taskdef-resolved', 'submitted', 'stopped']);
    assert.deepEqual(reported, [
      'pending>taskdef-resolved', 'taskdef-resolved>submitted', 'submitted>running', 'running>taskdef-resolved',
      'taskdef-resolved>submitted', 'submitted>stopped',
    ]);
  });

  test('the phase changes the machine allows are read from its definition', () => {
    assert.deepEqual(possiblePhaseTransitions().map((t) => `${t.from}>${t.to}`), [
      'pending>taskdef-resolved', 'pending>stopped',
      'taskdef-resolved>pending', 'taskdef-resolved>submitted', 'taskdef-resolved>stopped',
      'submitted>taskdef-resolved', 'submitted>running', 'submitted>stopped',
      'running>taskdef-resolved', 'running>stopped',
    ]);
  });
});
