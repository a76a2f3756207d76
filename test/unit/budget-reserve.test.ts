/** The reserve a controller keeps below each AWS bucket: a share of the burst, or enough refill to absorb jitter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BURST_RESERVE_FRACTION, DEFAULT_BUDGETS, JITTER_ALLOWANCE_SECONDS, scaleBudgets, usableBurst } from '../../controller/aws/budgets.js';

test('no reserve asked: the whole burst', () => {
  assert.equal(usableBurst({ burst: 20, refillPerSecond: 20 }, 0, 0), 20);
});

test('the fraction alone keeps at least one token', () => {
  assert.equal(usableBurst({ burst: 20, refillPerSecond: 20 }, 0.05), 19);
  assert.equal(usableBurst({ burst: 100, refillPerSecond: 20 }, 0.05), 95);
  assert.equal(usableBurst({ burst: 3, refillPerSecond: 1 }, 0.05), 2);
});

test('the jitter allowance keeps that much refill back when it is more than the fraction', () => {
  const { fargateRunTaskCalls, fargateLaunches, clusterResourceModify, taskDefinitionModify } = DEFAULT_BUDGETS;
  // AWS's 20 RunTask calls a second: 0.1 s is 2 tokens, more than 5 % of 20 (1).
  assert.equal(usableBurst(fargateRunTaskCalls, BURST_RESERVE_FRACTION, JITTER_ALLOWANCE_SECONDS), 18);
  // Where 5 % of the burst is already more, the fraction decides.
  assert.equal(usableBurst(fargateLaunches, BURST_RESERVE_FRACTION, JITTER_ALLOWANCE_SECONDS), 95);
  assert.equal(usableBurst(clusterResourceModify, BURST_RESERVE_FRACTION, JITTER_ALLOWANCE_SECONDS), 95);
  assert.equal(usableBurst(taskDefinitionModify, BURST_RESERVE_FRACTION, JITTER_ALLOWANCE_SECONDS), 19);
  // A faster clock (LONGSHORE_BUDGET_TIME_SCALE=2: 40 a real second) needs more tokens for the same real jitter.
  assert.equal(usableBurst(scaleBudgets(DEFAULT_BUDGETS, 2).fargateRunTaskCalls, BURST_RESERVE_FRACTION, JITTER_ALLOWANCE_SECONDS), 16);
});

test('the reserve never takes more than half the burst, and one token is always usable', () => {
  assert.equal(usableBurst(scaleBudgets(DEFAULT_BUDGETS, 10).fargateRunTaskCalls, BURST_RESERVE_FRACTION, JITTER_ALLOWANCE_SECONDS), 10);
  assert.equal(usableBurst({ burst: 1, refillPerSecond: 100 }, BURST_RESERVE_FRACTION, JITTER_ALLOWANCE_SECONDS), 1);
});
