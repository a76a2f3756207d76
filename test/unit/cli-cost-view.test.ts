/**
 * How cost reads on `run describe` and `pool describe` (cmd/cli/cost-view.ts): a run whose Fargate attempts
 * could not be priced says why instead of showing a bare "-", and a pool's sum says how many of its runs it
 * leaves out.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attempt, RunRecord } from '../../controller/api/index.js';
import { DEFAULT_PRICES, runCost } from '../../controller/pricing.js';
import { poolCostLines, runCostLines } from '../../cmd/cli/cost-view.js';
import { newRunRecord } from './run-builders.js';

const attempt: Attempt = {
  number: 1, launchType: 'FARGATE', capacityProvider: 'FARGATE', cpu: '1024', memory: '2048',
  pullStartedAt: '2026-01-01T00:00:00.000Z', stoppedAt: '2026-01-01T00:10:00.000Z',
};

function stoppedIn(region: string, name: string): RunRecord {
  const run = newRunRecord({}, name);
  run.status = { ...run.status, phase: 'stopped', outcome: 'succeeded', attempts: [attempt], cost: runCost([attempt], region, DEFAULT_PRICES) };
  return run;
}

describe('cost on describe', () => {
  test('a run in a Region without prices says it is not priced and why', () => {
    const text = runCostLines(stoppedIn('ap-south-1', 'far')).join('\n');
    assert.match(text, /Estimated: - {3}On-demand would be: -/);
    assert.match(text, /Not priced: no Fargate price is configured for Region ap-south-1 \(the price table has eu-west-1, us-east-1, us-east-2, us-west-2; add it with LONGSHORE_FARGATE_PRICES/);
    assert.doesNotMatch(runCostLines(stoppedIn('us-east-1', 'near')).join('\n'), /Not priced/);
  });

  test("a pool's sum counts the runs it could not price", () => {
    const text = poolCostLines([stoppedIn('us-east-1', 'near'), stoppedIn('ap-south-1', 'far')]).join('\n');
    assert.match(text, /Estimated: \$0\.\d{6}/);
    assert.match(text, /Runs not priced: 1 \(no Fargate price is configured for Region ap-south-1 /);
    assert.doesNotMatch(poolCostLines([stoppedIn('us-east-1', 'near')]).join('\n'), /not priced/);
  });
});
