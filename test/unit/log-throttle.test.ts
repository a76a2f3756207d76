/**
 * The log throttle: the same key is logged once per interval, and the line that ends a quiet interval
 * counts the repeats left out; different keys do not hold each other back.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogThrottle, errorSummary, throttledLogger } from '../../controller/log-throttle.js';
import { createLogger } from '../../controller/logger.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('log throttle', () => {
  test('logs a key once per interval and counts the repeats left out', () => {
    const time = clock();
    const throttle = createLogThrottle({ intervalMs: 10_000, now: time.now });
    assert.deepEqual(throttle.admit('redis:ECONNREFUSED'), { log: true, suppressed: 0 });
    for (let i = 0; i < 5; i++) {
      time.advance(1000);
      assert.deepEqual(throttle.admit('redis:ECONNREFUSED'), { log: false });
    }
    time.advance(5000);
    assert.deepEqual(throttle.admit('redis:ECONNREFUSED'), { log: true, suppressed: 5 });
    time.advance(10_000);
    assert.deepEqual(throttle.admit('redis:ECONNREFUSED'), { log: true, suppressed: 0 });
  });

  test('keys are independent', () => {
    const time = clock();
    const throttle = createLogThrottle({ intervalMs: 10_000, now: time.now });
    assert.equal(throttle.admit('a').log, true);
    assert.equal(throttle.admit('b').log, true);
    assert.equal(throttle.admit('a').log, false);
    assert.equal(throttle.admit('b').log, false);
  });

  test('beyond maxKeys, keys quiet for an interval are forgotten', () => {
    const time = clock();
    const throttle = createLogThrottle({ intervalMs: 10_000, now: time.now, maxKeys: 2 });
    throttle.admit('a');
    throttle.admit('b');
    time.advance(10_000);
    throttle.admit('c');
    // 'a' was forgotten: it logs again, with no repeats to report.
    assert.deepEqual(throttle.admit('a'), { log: true, suppressed: 0 });
  });

  test('the pino shell writes one JSON line per logged occurrence with its repeats', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (text: string) => lines.push(...text.split('\n').filter(Boolean)) } });
    const time = clock();
    const log = throttledLogger(logger, createLogThrottle({ intervalMs: 10_000, now: time.now }));
    for (let i = 0; i < 3; i++) log.log('warn', 'k', { error: 'boom' }, 'redis connection error');
    time.advance(10_000);
    log.log('warn', 'k', { error: 'boom' }, 'redis connection error');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(parsed.map((p) => [p.level, p.msg, p.error, p.repeats]), [
      ['warn', 'redis connection error', 'boom', 0],
      ['warn', 'redis connection error', 'boom', 2],
    ]);
  });

  test('errorSummary keeps the first line of the message and the code', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1\n    at stack'), { code: 'ECONNREFUSED' });
    assert.deepEqual(errorSummary(error), { message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' });
    assert.deepEqual(errorSummary('plain'), { message: 'plain' });
  });
});
