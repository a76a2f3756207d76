/**
 * The run metrics' label vocabulary: transitions are phase changes, pre-initialised with exactly the ones
 * the lifecycle machine allows; retry reasons are a bounded set whatever failure reason an attempt carries,
 * pre-initialised per pool.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PHASES } from '../../controller/api/run-status.js';
import { RETRY_REASONS, createMetrics, retryReasonLabel } from '../../controller/metrics.js';
import { possiblePhaseTransitions } from '../../machines/run-phases.js';
import { failureReasonCode } from '../../reconcilers/launch/outcome.js';

async function labelSets(metric: string): Promise<Record<string, string | number | undefined>[]> {
  const metrics = createMetrics();
  metrics.poolLabel('jobs');
  const json = await metrics.registry.getSingleMetric(metric)?.get();
  return json?.values.map((v) => ({ ...v.labels })) ?? [];
}

describe('run metric labels', () => {
  test('transitions are pre-initialised per pool with the phase changes the machine allows, in phase names only', async () => {
    const sets = await labelSets('longshore_run_transitions_total');
    assert.deepEqual(sets, possiblePhaseTransitions().map(({ from, to }) => ({ from, to, pool: 'jobs' })));
    for (const { from, to } of sets) assert.ok(PHASES.some((p) => p === from) && PHASES.some((p) => p === to) && from !== to);
  });

  test('rejected transitions are pre-initialised for every event type the machine handles', async () => {
    const events = (await labelSets('longshore_run_transitions_rejected_total')).map((s) => s.event);
    assert.ok(events.includes('TASK_OBSERVED') && events.includes('CANCEL_REQUESTED') && events.includes('FINALIZED'));
    assert.equal(events.length, 19);
  });

  test('retry reasons are pre-initialised once each per pool', async () => {
    const sets = await labelSets('longshore_run_retries_total');
    assert.deepEqual(sets, RETRY_REASONS.map((reason) => ({ reason, pool: 'jobs' })));
    assert.equal(new Set(sets.map((s) => s.reason)).size, sets.length);
  });

  test('failure reasons map onto the bounded set: known ones as they are, RESOURCE:* and the rest folded', () => {
    for (const reason of ['SpotInterruption', 'TaskFailedToStart', 'MissingExitCode', 'TaskMissing', 'StartTimeout', 'ExitCode', 'CapacityUnavailable', 'ClientTokenConflict']) {
      assert.equal(retryReasonLabel(reason), reason);
    }
    assert.equal(retryReasonLabel(failureReasonCode('RESOURCE:MEMORY')), 'RESOURCE:MEMORY');
    assert.equal(retryReasonLabel(failureReasonCode('RESOURCE:PORTS_TCP')), 'RESOURCE:OTHER');
    assert.equal(retryReasonLabel(failureReasonCode('Capacity is unavailable at this time.')), 'CapacityUnavailable');
    assert.equal(retryReasonLabel('SomethingNew'), 'Other');
    assert.equal(retryReasonLabel(undefined), 'Other');
  });
});
