import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffCeilingMs,
  backoffMs,
  equalJitterBackoffMs,
  fullJitterBackoffMs,
  type ExponentialBackoff,
} from '../../controller/backoff.js';

const doubling: ExponentialBackoff = { baseMs: 200, capMs: 10_000 };
const tripling: ExponentialBackoff = { baseMs: 1000, factor: 3, capMs: 5000 };
/** The extremes and the middle of Math.random's range [0, 1). */
const RANDOMS = [0, 0.25, 0.5, 0.999999];

describe('backoff', () => {
  test('the first failure waits the base, each further one factor times longer (default 2)', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs(doubling, n)), [200, 400, 800, 1600]);
    assert.deepEqual([1, 2].map((n) => backoffMs(tripling, n)), [1000, 3000]);
  });

  test('no wait exceeds the cap, however many failures (no overflow to NaN or Infinity)', () => {
    assert.equal(backoffMs(tripling, 3), 5000);
    assert.equal(backoffMs(doubling, 30), 10_000);
    assert.equal(backoffMs(doubling, 5000), 10_000);
  });

  test('fewer than one failure counts as the first', () => {
    assert.equal(backoffMs(doubling, 0), 200);
    assert.equal(backoffMs(doubling, -3), 200);
  });

  test('a factor of 1 waits the same every time', () => {
    const constant: ExponentialBackoff = { baseMs: 700, factor: 1, capMs: 10_000 };
    assert.deepEqual([1, 5, 50].map((n) => backoffMs(constant, n)), [700, 700, 700]);
  });

  test('rounds a fractional ceiling to a whole millisecond', () => {
    assert.equal(backoffMs({ baseMs: 1, factor: 1.5, capMs: 100 }, 2), 2);
  });

  test('the ceiling never shrinks as failures grow', () => {
    for (const policy of [doubling, tripling, { baseMs: 3, factor: 1.1, capMs: 1000 }]) {
      let previous = 0;
      for (let failures = 1; failures <= 100; failures++) {
        const ceiling = backoffCeilingMs(policy, failures);
        assert.ok(ceiling >= previous, `failure ${failures}: ${ceiling} < ${previous}`);
        previous = ceiling;
      }
    }
  });

  test('full jitter is uniform in [0, ceiling): the random share of the ceiling, floored', () => {
    assert.equal(fullJitterBackoffMs(doubling, 3, () => 0), 0);
    assert.equal(fullJitterBackoffMs(doubling, 3, () => 0.5), 400);
    assert.equal(fullJitterBackoffMs(doubling, 3, () => 0.999999), 799);
    for (const failures of [1, 2, 6, 40]) {
      const ceiling = backoffCeilingMs(doubling, failures);
      for (const r of RANDOMS) {
        const delay = fullJitterBackoffMs(doubling, failures, () => r);
        assert.ok(delay >= 0 && delay < ceiling, `failures ${failures}, random ${r}: ${delay} outside [0, ${ceiling})`);
      }
    }
  });

  test('equal jitter is in [ceiling/2, ceiling] and stops at the cap', () => {
    assert.equal(equalJitterBackoffMs(doubling, 1, () => 0), 100);
    assert.equal(equalJitterBackoffMs(doubling, 1, () => 1), 200);
    assert.equal(equalJitterBackoffMs(doubling, 4, () => 1), 1600);
    assert.equal(equalJitterBackoffMs(doubling, 30, () => 1), 10_000);
    assert.equal(equalJitterBackoffMs(doubling, 30, () => 0), 5_000);
    for (const failures of [1, 3, 9]) {
      const ceiling = backoffCeilingMs(doubling, failures);
      for (const r of RANDOMS) {
        const delay = equalJitterBackoffMs(doubling, failures, () => r);
        assert.ok(delay >= ceiling / 2 && delay <= ceiling, `failures ${failures}, random ${r}: ${delay} outside [${ceiling / 2}, ${ceiling}]`);
      }
    }
  });
});
