/**
 * Two controller replicas work one burst of 300 runs over 5 distinct task definitions at AWS-default
 * budgets (time-scaled): every run succeeds, exactly once; one registration per definition; one ECS task
 * per attempt; no throttling or client error reaches a run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, QUICK_PHASES, metricSum, pool, run, startHarness, waitStopped } from './controller-harness.js';
import { until } from '../helpers/until.js';

const RUNS = 300;
const DEFINITIONS = 5;

describe('controller replicas under a burst', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
  });
  after(async () => {
    await h.close();
  });

  test('300 runs over 5 task definitions all succeed with one registration per definition and one task per attempt', async () => {
    await Promise.all([h.startReplica('replica-a'), h.startReplica('replica-b')]);
    await h.store.submit([pool('burst')], { mode: 'apply' });
    const names = Array.from({ length: RUNS }, (_, i) => `burst-${i}`);
    await h.store.submit(names.map((name, i) => run(name, { pool: 'burst', deployment: `flow-${i % DEFINITIONS}`, env: { SIM_RUN_SECONDS: '2' } })), { mode: 'create' });

    const runs = await waitStopped(h.store, names, 120_000);
    const outcomes = [...runs.values()].map((r) => r.status.outcome);
    assert.deepEqual(outcomes.filter((o) => o !== 'succeeded'), [], 'every run succeeded');

    const audit = h.sim.audit();
    assert.equal(audit.calls.RegisterTaskDefinition?.ok, DEFINITIONS, 'one registration per distinct definition');
    assert.equal(Object.keys(audit.registrations).length, DEFINITIONS);

    const attempts = [...runs.values()].flatMap((r) => r.status.attempts);
    assert.equal(attempts.length, RUNS, 'no run needed a second attempt');
    assert.equal(audit.tasks.length, attempts.length, 'one ECS task per attempt');
    const taskArns = new Set(attempts.map((a) => a.taskArn));
    assert.equal(taskArns.size, RUNS, 'no two attempts share a task');
    assert.deepEqual(audit.tasks.filter((t) => !taskArns.has(t.taskArn)), [], 'no task launched that no attempt records');

    for (const r of runs.values()) {
      const text = `${r.status.message ?? ''} ${r.status.conditions.map((c) => c.message ?? '').join(' ')}`;
      assert.doesNotMatch(text, /ThrottlingException|ClientException|Rate exceeded/, `${r.metadata.name} saw an AWS error`);
    }
    // A run is counted by its finalize step, which follows the stopped status its reconcile wrote: wait for the
    // last finalizes, then require exactly one count per run.
    const completed = () => metricSum(h.replicas, 'longshore_runs_completed_total', 'outcome="succeeded"');
    await until(async () => (await completed()) >= RUNS, { timeoutMs: 30_000, intervalMs: 200, what: async () => `${RUNS} runs counted as completed (${await completed()} so far)` });
    assert.equal(await completed(), RUNS, 'each run concluded once across replicas');
    for (const replica of h.replicas) {
      assert.ok((await metricSum([replica], 'longshore_reconcile_total', 'reconciler="run"')) > 0, `${replica.name} took part`);
    }

    const exitCodes = await Promise.all(h.replicas.map((r) => r.stop()));
    assert.deepEqual(exitCodes, [0, 0], 'replicas exit cleanly on SIGTERM');
  });
});
