/**
 * Run metrics are recorded at the status write that makes the change: a new attempt is a retry labelled
 * with why the one before ended and the run's pool, and an attempt first seen started gives one submit → running latency.
 * Writes that change neither count nothing, so a run reconciled many times is counted once.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { attemptChanges, recordStatusWrite } from '../../controller/run-metrics.js';
import { createMetrics } from '../../controller/metrics.js';

const submitted = { number: 1, taskArn: 'arn:1', submittedAt: '2026-01-01T00:00:00.000Z' };
const started = { ...submitted, startedAt: '2026-01-01T00:00:12.500Z' };
const interrupted = { ...started, stoppedAt: '2026-01-01T00:01:00.000Z', failureReason: 'SpotInterruption' };
const second = { number: 2 };

describe('attempt changes between two stored statuses', () => {
  test('an attempt first seen started gives its submit → running time, once', () => {
    assert.deepEqual(attemptChanges({ attempts: [submitted] }, { attempts: [started] }), { retries: [], submitToRunningSeconds: [12.5] });
    assert.deepEqual(attemptChanges({ attempts: [started] }, { attempts: [interrupted] }), { retries: [], submitToRunningSeconds: [] });
  });

  test('a new attempt after the first is a retry labelled with why the one before ended', () => {
    assert.deepEqual(attemptChanges({ attempts: [interrupted] }, { attempts: [interrupted, second] }), { retries: ['SpotInterruption'], submitToRunningSeconds: [] });
    assert.deepEqual(attemptChanges({ attempts: [] }, { attempts: [{ number: 1 }] }), { retries: [], submitToRunningSeconds: [] });
    assert.deepEqual(attemptChanges({ attempts: [interrupted, second] }, { attempts: [interrupted, second] }), { retries: [], submitToRunningSeconds: [] });
  });

  test('recorded into the registry as it happens, retries by pool', async () => {
    const metrics = createMetrics();
    recordStatusWrite(metrics, 'spot', { attempts: [submitted] }, { attempts: [started] });
    recordStatusWrite(metrics, 'spot', { attempts: [interrupted] }, { attempts: [interrupted, second] });
    const text = await metrics.registry.metrics();
    assert.match(text, /^longshore_run_retries_total\{reason="SpotInterruption",pool="spot"\} 1$/m);
    // The pool's first retry created its other reasons at 0, as a pool's first sight does.
    assert.match(text, /^longshore_run_retries_total\{reason="TaskFailedToStart",pool="spot"\} 0$/m);
    assert.match(text, /^longshore_run_submit_to_running_seconds_count 1$/m);
    assert.match(text, /^longshore_run_submit_to_running_seconds_sum 12.5$/m);
  });

  test('a Spot fallback counts once, at the write that opens the first on-demand attempt', () => {
    const fallback = { reason: 'capacity' as const, fromAttempt: 2 };
    const noCapacity = { number: 1, failureReason: 'CapacityUnavailable' };
    const onDemand = { number: 2, requestedCapacity: 'on-demand' as const };
    // The failure that decides the fallback: recorded, but no on-demand attempt yet.
    assert.equal(attemptChanges({ attempts: [noCapacity] }, { attempts: [noCapacity], spotFallback: fallback }).spotFallback, undefined);
    // The on-demand attempt opened: this write is the fallback.
    assert.equal(attemptChanges({ attempts: [noCapacity], spotFallback: fallback }, { attempts: [noCapacity, onDemand], spotFallback: fallback }).spotFallback, 'capacity');
    // Decision and attempt in one write count as well.
    assert.equal(attemptChanges({ attempts: [noCapacity] }, { attempts: [noCapacity, onDemand], spotFallback: fallback }).spotFallback, 'capacity');
    // Later writes of the same run (the attempt seen running, a reconcile run twice) do not count it again.
    const running = { ...onDemand, taskArn: 'arn:2', submittedAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:05.000Z' };
    assert.equal(attemptChanges({ attempts: [noCapacity, onDemand], spotFallback: fallback }, { attempts: [noCapacity, running], spotFallback: fallback }).spotFallback, undefined);
    assert.equal(attemptChanges({ attempts: [noCapacity, onDemand], spotFallback: fallback }, { attempts: [noCapacity, onDemand], spotFallback: fallback }).spotFallback, undefined);
    // A fallback decided by the failure that spent the retry budget never opens an on-demand attempt.
    assert.equal(attemptChanges({ attempts: [interrupted] }, { attempts: [interrupted], spotFallback: { reason: 'interruptions', fromAttempt: 2 } }).spotFallback, undefined);
  });

  test('the fallback is counted by pool and reason as it happens', async () => {
    const metrics = createMetrics();
    const fallback = { reason: 'interruptions' as const, fromAttempt: 2 };
    const before = { attempts: [interrupted], spotFallback: fallback };
    const after = { attempts: [interrupted, { number: 2, requestedCapacity: 'on-demand' as const }], spotFallback: fallback };
    recordStatusWrite(metrics, 'nightly', before, after);
    recordStatusWrite(metrics, 'nightly', after, after);
    const text = await metrics.registry.metrics();
    assert.match(text, /^longshore_spot_fallbacks_total\{pool="nightly",reason="interruptions"\} 1$/m);
    assert.match(text, /^longshore_spot_fallbacks_total\{pool="nightly",reason="capacity"\} 0$/m);
  });
});
