/**
 * SIGTERM after work: two replicas work a few runs, then each is sent SIGTERM and must exit 0 on its own
 * (every connection it opened closed, no timer left) within a bound. Runs against the single node and,
 * in scripts/test-redis-cluster.sh, against the local Redis Cluster, where a replica once stayed alive
 * with one idle connection open (issue 11).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, QUICK_PHASES, pool, run, startHarness, waitStopped } from './controller-harness.js';
import { until } from '../helpers/until.js';

const RUNS = 20;

describe('controller replicas shut down after work', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
  });
  after(async () => {
    await h.close();
  });

  test('each replica exits 0 on SIGTERM once its runs are done', async () => {
    await Promise.all([h.startReplica('replica-a', { LONGSHORE_LOG_LEVEL: 'info' }), h.startReplica('replica-b', { LONGSHORE_LOG_LEVEL: 'info' })]);
    await h.store.submit([pool('quick')], { mode: 'apply' });
    const names = Array.from({ length: RUNS }, (_, i) => `quick-${i}`);
    await h.store.submit(names.map((name) => run(name, { pool: 'quick', env: { SIM_RUN_SECONDS: '1' } })), { mode: 'create' });
    const runs = await waitStopped(h.store, names, 60_000);
    assert.deepEqual([...runs.values()].filter((r) => r.status.outcome !== 'succeeded').map((r) => r.metadata.name), [], 'every run succeeded');

    const codes = new Map<string, number | null>();
    for (const replica of h.replicas) void replica.stop().then((code) => codes.set(replica.name, code));
    // The bound is far above the shutdown grace (5 s in the harness) plus the controller's own deadline.
    await until(() => codes.size === h.replicas.length, {
      timeoutMs: 40_000, intervalMs: 100,
      what: () => `every replica to exit after SIGTERM (${[...codes.keys()].join(', ') || 'none'} did):\n${h.replicas.filter((r) => !codes.has(r.name)).map((r) => r.output().slice(-4000)).join('\n')}`,
    });
    for (const replica of h.replicas) assert.equal(codes.get(replica.name), 0, `${replica.name} exits 0:\n${replica.output().slice(-4000)}`);
  });
});
