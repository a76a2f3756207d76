/**
 * Spot → on-demand fallback in the lifecycle: after N Spot interruptions, or at once on Spot capacity failure,
 * the next attempt's RunTask asks for on-demand; exitCodeAttempts is its own budget; FINALIZED records cost.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { step, toRunStatus, type RunSnapshot } from '../../machines/run-lifecycle.js';
import { at, drive, exited, runIn, spotInterrupted, submittedEvent } from '../../machines/fixtures.js';
import type { LifecycleEvent } from '../../machines/run-types.js';

const fast = { backoff: { initialMs: 0, factor: 1, maxMs: 0 }, infrastructureAttempts: 5 };
const retry = (seconds: number): LifecycleEvent => ({ type: 'RETRY', now: at(seconds) });

function interruptAndRetry(snapshot: RunSnapshot, attempt: number, t: number): ReturnType<typeof step> {
  const running = drive(snapshot, submittedEvent(attempt, at(t)), spotInterrupted({ attempt, now: at(t + 1) })).snapshot;
  return step(running, retry(t + 2));
}

describe('spot fallback', () => {
  test('after afterInterruptions interruptions the next attempt launches on-demand, and status says why', () => {
    let snapshot = runIn('launching', { retry: { ...fast, spotFallback: { afterInterruptions: 2, onCapacityUnavailable: false } } });
    const first = interruptAndRetry(snapshot, 1, 10);
    assert.ok(first.ok);
    assert.deepEqual(first.actions, [{ type: 'runTask', attempt: 2 }]);
    snapshot = first.snapshot;
    const second = interruptAndRetry(snapshot, 2, 20);
    assert.ok(second.ok);
    assert.deepEqual(second.actions, [{ type: 'runTask', attempt: 3, onDemand: true }]);
    const status = toRunStatus(second.snapshot);
    assert.deepEqual(status.spotFallback, { reason: 'interruptions', fromAttempt: 3 });
    assert.equal(status.attempts[2].requestedCapacity, 'on-demand');
    assert.equal(status.attempts[1].requestedCapacity, undefined);
  });

  test('Spot capacity unavailable falls back at once when onCapacityUnavailable is set, not otherwise', () => {
    const failed: LifecycleEvent = { type: 'SUBMIT_FAILED', retryable: true, reason: 'CapacityUnavailable', message: 'Failed to run ECS task: Capacity is unavailable at this time', now: at(3) };
    const on = drive(runIn('launching', { retry: { ...fast, spotFallback: { onCapacityUnavailable: true } } }), failed).snapshot;
    const r = step(on, retry(4));
    assert.ok(r.ok);
    assert.deepEqual(r.actions, [{ type: 'runTask', attempt: 2, onDemand: true }]);
    assert.deepEqual(toRunStatus(r.snapshot).spotFallback, { reason: 'capacity', fromAttempt: 2 });
    const off = drive(runIn('launching', { retry: { ...fast, spotFallback: { afterInterruptions: 3, onCapacityUnavailable: false } } }), failed).snapshot;
    const r2 = step(off, retry(4));
    assert.ok(r2.ok);
    assert.deepEqual(r2.actions, [{ type: 'runTask', attempt: 2 }]);
  });

  test('without spotFallback interruptions never move a run on-demand', () => {
    let snapshot = runIn('launching', { retry: fast });
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const r = interruptAndRetry(snapshot, attempt, attempt * 10);
      assert.ok(r.ok);
      assert.deepEqual(r.actions, [{ type: 'runTask', attempt: attempt + 1 }]);
      snapshot = r.snapshot;
    }
    assert.equal(toRunStatus(snapshot).spotFallback, undefined);
  });
});

describe('exit-code retry budget', () => {
  test('exitCodeAttempts bounds retries of listed exit codes apart from infrastructureAttempts', () => {
    let snapshot = runIn('launching', { retry: { ...fast, infrastructureAttempts: 1, onExitCodes: [42], exitCodeAttempts: 3 } });
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      snapshot = drive(snapshot, submittedEvent(attempt, at(attempt * 10)), exited(42, { attempt, now: at(attempt * 10 + 1) }), retry(attempt * 10 + 2)).snapshot;
    }
    const last = drive(snapshot, submittedEvent(3, at(40)), exited(42, { attempt: 3, now: at(41) })).snapshot;
    const status = toRunStatus(last);
    assert.equal(status.outcome, 'failed');
    assert.equal(status.attempts.length, 3);
    assert.match(status.message ?? '', /exit-code retry budget of 3 attempt\(s\) spent/);
  });
});

describe('finalize', () => {
  test('FINALIZED writes the cost estimate into status', () => {
    const stopped = drive(runIn('running'), exited(0)).snapshot;
    const cost = { estimate: true as const, region: 'us-east-1', vcpuSeconds: 60, gbSeconds: 120, estimatedUsd: 0.0008, onDemandUsd: 0.0008, attempts: [] };
    const r = step(stopped, { type: 'FINALIZED', cost, now: at(30) });
    assert.ok(r.ok);
    assert.deepEqual(toRunStatus(r.snapshot).cost, cost);
  });
});
