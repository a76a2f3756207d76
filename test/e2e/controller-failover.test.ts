/**
 * Any replica can die at any moment: one of two replicas is killed (SIGKILL) in the middle of a burst;
 * the survivor takes over its jobs and unacknowledged change-feed entries, every run still succeeds,
 * and no run gets a second task.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, QUICK_PHASES, allRuns, pool, run, startHarness, waitStopped } from './controller-harness.js';
import { until } from '../helpers/until.js';

const RUNS = 150;

describe('replica failover', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
  });
  after(async () => {
    await h.close();
  });

  test('a replica killed mid-burst leaves no run behind and no duplicate task', async () => {
    const lock = { LONGSHORE_JOB_LOCK_SECONDS: '2' };
    const [doomed] = await Promise.all([h.startReplica('doomed', lock), h.startReplica('survivor', lock)]);
    await h.store.submit([pool('failover')], { mode: 'apply' });
    const names = Array.from({ length: RUNS }, (_, i) => `failover-${i}`);
    await h.store.submit(names.map((name, i) => run(name, { pool: 'failover', deployment: `d${i % 3}`, env: { SIM_RUN_SECONDS: '2' } })), { mode: 'create' });

    // Kill once the burst is under way: some runs launched, most not yet finished.
    await until(async () => (await allRuns(h.store)).filter((r) => r.status.attempts.length > 0).length >= 20, {
      timeoutMs: 30_000, intervalMs: 50, what: 'the burst to get under way (20 runs launched)',
    });
    await doomed.kill();

    const runs = await waitStopped(h.store, names, 90_000);
    assert.deepEqual([...runs.values()].filter((r) => r.status.outcome !== 'succeeded').map((r) => r.metadata.name), []);
    const attempts = [...runs.values()].flatMap((r) => r.status.attempts);
    assert.equal(attempts.length, RUNS, 'no run needed a second attempt');
    const audit = h.sim.audit();
    assert.equal(audit.tasks.length, RUNS, 'one ECS task per run');
    assert.equal(new Set(audit.tasks.map((t) => t.startedBy)).size, RUNS, 'no run launched twice');
  });
});
