/** The shared bounded poll (test/helpers/until.ts) that tests use instead of sleeps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from '../helpers/until.js';

test('until answers the first value that is neither undefined nor false, asking again in between', async () => {
  let asked = 0;
  const answer = await until(() => {
    asked += 1;
    if (asked === 1) return undefined;
    if (asked === 2) return false;
    return `ready after ${asked} asks`;
  }, { intervalMs: 1 });
  assert.equal(answer, 'ready after 3 asks');
  assert.equal(asked, 3);
});

test('until fails with what it waited for once the bound passes', async () => {
  let asked = 0;
  await assert.rejects(until(async () => { asked += 1; return false; }, { timeoutMs: 20, intervalMs: 1, what: () => `the flag (asked ${asked} times)` }),
    /^Error: waited \d+ ms for the flag \(asked \d+ times\), in vain$/);
  assert.ok(asked >= 2, 'it kept asking until the bound');
});

test('until passes on an error the probe throws', async () => {
  await assert.rejects(until(() => { throw new Error('child exited'); }), /child exited/);
});
