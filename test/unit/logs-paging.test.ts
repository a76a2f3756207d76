import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { afterCaughtUp, idleDelayMs, lastLines, MAX_PAGE_EVENTS, pageStep, readStart } from '../../controller/logs/paging.js';

describe('log paging decisions', () => {
  test('a page with events means read on', () => {
    assert.equal(pageStep('f/1', { events: [{}], nextForwardToken: 'f/2' }), 'more');
    assert.equal(pageStep(undefined, { events: [{}], nextForwardToken: 'f/1' }), 'more');
  });

  test('the same token handed back means the end of the stream for now', () => {
    assert.equal(pageStep('f/7', { events: [], nextForwardToken: 'f/7' }), 'caught-up');
  });

  test('an empty page with a new token means more may follow: read on at once', () => {
    assert.equal(pageStep('f/7', { events: [], nextForwardToken: 'f/9' }), 'more');
    assert.equal(pageStep(undefined, { events: [], nextForwardToken: 'f/0' }), 'more');
  });

  test('a page without a forward token cannot be continued', () => {
    assert.equal(pageStep('f/7', { events: [] }), 'caught-up');
    assert.equal(pageStep('f/7', {}), 'caught-up');
  });

  test('a caught-up follower backs off from 0.5 s, doubling, to a 10 s cap', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 9].map(idleDelayMs), [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  test('caught up: a reader that does not follow ends; a follower ends only after a read begun once stopped', () => {
    assert.equal(afterCaughtUp(false, false), 'end');
    assert.equal(afterCaughtUp(true, false), 'wait');
    assert.equal(afterCaughtUp(true, true), 'end');
  });

  test('tail selection keeps the last n lines, all without n, none for 0', () => {
    const lines = ['a', 'b', 'c', 'd'];
    assert.deepEqual(lastLines(lines, 2), ['c', 'd']);
    assert.deepEqual(lastLines(lines, 10), lines);
    assert.deepEqual(lastLines(lines, undefined), lines);
    assert.deepEqual(lastLines(lines, 0), []);
  });

  test('a tail is one backward page, at most GetLogEvents\' page size', () => {
    assert.deepEqual(readStart(undefined), { from: 'head' });
    assert.deepEqual(readStart(25), { from: 'tail', lines: 25 });
    assert.deepEqual(readStart(1e9), { from: 'tail', lines: MAX_PAGE_EVENTS });
    assert.deepEqual(readStart(-3), { from: 'tail', lines: 0 });
  });
});
