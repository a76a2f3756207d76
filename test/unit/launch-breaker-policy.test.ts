import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  admit, breakerResultOf, record, BREAKER_SETTINGS, type BreakerState,
} from '../../reconcilers/launch/breaker-policy.js';

const settings = { ...BREAKER_SETTINGS, failureThreshold: 3, coolDown: { baseMs: 2_000, factor: 2, capMs: 10_000 }, probeLeaseMs: 45_000, probePollMs: 1_000 };

/** Applies a record decision, the way the shell stores it. */
function after(state: BreakerState | undefined, result: 'success' | 'failure' | 'neutral', nowMs: number, probe?: string, error = 'ServerException: boom'): BreakerState | undefined {
  return record(state, result, nowMs, probe, error, settings).next ?? state;
}

function failures(count: number, nowMs = 0): BreakerState | undefined {
  let state: BreakerState | undefined;
  for (let i = 0; i < count; i++) state = after(state, 'failure', nowMs);
  return state;
}

describe('RunTask breaker decisions', () => {
  test('a healthy cluster: everyone calls, and nothing is written', () => {
    assert.deepEqual(admit(undefined, 0, 'p'), { answer: { allowed: true } });
    assert.equal(record(undefined, 'success', 0, undefined, undefined, settings).next, undefined);
  });

  test('opens after the threshold of failures in a row; a success in between starts the count again', () => {
    assert.equal(failures(2)?.position, 'closed');
    assert.equal(after(failures(2), 'success', 0)?.failures, 0);
    const open = failures(3, 1_000);
    assert.equal(open?.position, 'open');
    assert.equal(open?.openUntil, 3_000);
    assert.equal(open?.lastError, 'ServerException: boom');
  });

  test('while open everyone waits for the cool-down, with the last error to show', () => {
    const open = failures(3, 1_000);
    assert.deepEqual(admit(open, 2_000, 'p', settings).answer, { allowed: false, retryAfterMs: 1_000, lastError: 'ServerException: boom', position: 'open' });
  });

  test('after the cool-down exactly one run gets the probe lease; the others poll until it reports', () => {
    const open = failures(3, 1_000);
    const first = admit(open, 3_000, 'probe-1', settings);
    assert.deepEqual(first.answer, { allowed: true, probe: 'probe-1' });
    assert.equal(first.next?.position, 'half-open');
    const second = admit(first.next, 3_100, 'probe-2', settings);
    assert.deepEqual(second.answer, { allowed: false, retryAfterMs: 1_000, lastError: 'ServerException: boom', position: 'half-open' });
  });

  test('a failed probe opens again for a longer cool-down, growing to its cap; a successful one closes', () => {
    let state = failures(3, 0);
    const coolDowns: number[] = [];
    let nowMs = 0;
    for (let i = 0; i < 5; i++) {
      nowMs = state?.openUntil ?? nowMs;
      const probe = admit(state, nowMs, `p${i}`, settings);
      assert.equal(probe.answer.allowed, true);
      state = after(probe.next, 'failure', nowMs, `p${i}`);
      coolDowns.push((state?.openUntil ?? 0) - nowMs);
    }
    assert.deepEqual(coolDowns, [4_000, 8_000, 10_000, 10_000, 10_000]);
    const probe = admit(state, state?.openUntil ?? 0, 'last', settings);
    const closed = after(probe.next, 'success', 0, 'last');
    assert.deepEqual([closed?.position, closed?.failures, closed?.openings], ['closed', 0, 0]);
    assert.deepEqual(admit(closed, 0, 'x', settings).answer, { allowed: true });
  });

  test('a probe that learned nothing (throttled, our budget) frees the lease at once', () => {
    const probe = admit(failures(3, 0), 2_000, 'p', settings);
    const freed = after(probe.next, 'neutral', 2_100, 'p');
    assert.equal(freed?.probe, undefined);
    assert.deepEqual(admit(freed, 2_200, 'q', settings).answer, { allowed: true, probe: 'q' });
  });

  test("a crashed prober's lease lapses and another run probes", () => {
    const probe = admit(failures(3, 0), 2_000, 'p', settings);
    assert.equal(admit(probe.next, 2_000 + 44_999, 'q', settings).answer.allowed, false);
    assert.deepEqual(admit(probe.next, 2_000 + 45_000, 'q', settings).answer, { allowed: true, probe: 'q' });
  });

  test('a late failure of a call that is not the probe neither reopens nor extends anything', () => {
    const probe = admit(failures(3, 0), 2_000, 'p', settings);
    const late = after(probe.next, 'failure', 2_050, undefined, 'ServerException: late');
    assert.deepEqual([late?.position, late?.probe?.id, late?.lastError], ['half-open', 'p', 'ServerException: late']);
  });

  test('every write moves the version on (the compare-and-set token)', () => {
    const one = failures(1);
    const two = after(one, 'failure', 0);
    assert.ok((two?.version ?? 0) > (one?.version ?? 0));
  });

  test('only transient answers count as failures; throttles and our pacing are neutral; any ECS answer is success', () => {
    assert.equal(breakerResultOf({ kind: 'retry', cause: 'transient' }), 'failure');
    assert.equal(breakerResultOf({ kind: 'retry', cause: 'throttled' }), 'neutral');
    assert.equal(breakerResultOf({ kind: 'retry', cause: 'pacing' }), 'neutral');
    for (const kind of ['launched', 'infrastructure', 'terminal', 'conflict', 'stale-task-definition']) assert.equal(breakerResultOf({ kind }), 'success');
  });
});
