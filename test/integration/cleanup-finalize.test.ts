/**
 * Finalize recovery: a run whose stopped status was written by the resync, with the replica dying before the
 * run's reconcile was woken, is found by the sweep and finalized once; the sweep pages through the
 * finished index from its checkpoint, looking at each stopped run about once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../controller/api/run.js';
import { reconcileRun } from '../../reconcilers/run/reconciler.js';
import { resyncCluster } from '../../reconcilers/observe/resync.js';
import { CLEANUP_KEYS, createCleanupReconciler } from '../../reconcilers/cleanup/sweeps.js';
import { finalizeRecoveryFor, needsFinalize, wakeUnfinalizedRuns, type FinalizeRecoveryDeps } from '../../reconcilers/cleanup/finalize-recovery.js';
import { fargatePool, silent, startRunHarness, type RunHarness } from './run-harness.js';
import { until } from '../helpers/until.js';

const ctx = { logger: silent, reconcileId: 'test', jobTry: 1 };

describe('clean-up: finalize recovery', () => {
  let h: RunHarness;
  before(async () => {
    h = await startRunHarness({ timeScale: 60, pools: [fargatePool('p')] });
  });
  after(async () => {
    await h.close();
  });

  test('a run stopped by the resync but never woken is finalized by the sweep, once', async () => {
    await h.submitRun('lost-1', 'p');
    await h.submitRun('fine-1', 'p');
    // Launched by their reconciles; from here on only the resync observes them.
    await h.driveUntil(['lost-1', 'fine-1'], (runs) => runs.every((r) => r.status.phase === 'submitted'), { resync: false });
    // The resync alone observes the stop (its wake-up goes nowhere: the replica "died" after the write).
    const lost = await until(async () => {
      for (const cluster of await h.store.liveTaskClusters()) await resyncCluster(h.resyncDeps, cluster);
      const run = await h.store.getRun('lost-1');
      return run?.status.phase === 'stopped' && run;
    }, { intervalMs: 25, what: 'the resync to observe lost-1 stopped' });
    assert.ok(needsFinalize(lost), 'stopped but not finalized');
    await h.driveUntil(['fine-1'], (runs) => runs[0].status.phase === 'stopped' && !needsFinalize(runs[0]));

    const concluded: string[] = [];
    const woken: string[] = [];
    const runDeps = { ...h.runDeps, observer: { concluded: (outcome: string, run: RunRecord) => concluded.push(`${run.metadata.name}:${outcome}`) } };
    const recovery = finalizeRecoveryFor(h.store, async (name) => {
      woken.push(name);
      await reconcileRun(runDeps, name);
    });
    // Within the grace period the sweep leaves the run to its own reconcile.
    const sweep = createCleanupReconciler({ store: h.store, finalize: recovery });
    await sweep(CLEANUP_KEYS.retention, ctx);
    assert.deepEqual(woken, []);
    const later = createCleanupReconciler({ store: h.store, finalize: recovery, now: () => Date.now() + 120_000 });
    await later(CLEANUP_KEYS.retention, ctx);
    assert.deepEqual(woken, ['lost-1']);
    assert.deepEqual(concluded, ['lost-1:succeeded']);
    const finalized = await h.store.getRun('lost-1');
    assert.ok(finalized && !needsFinalize(finalized));
    await later(CLEANUP_KEYS.retention, ctx);
    assert.deepEqual(woken, ['lost-1'], 'the checkpoint moved on: nothing is looked at twice');
  });

  test('pages through the finished index by stop time, ties across page ends included', async () => {
    const finishedKey = h.store.keyspace.key('test', 'finished');
    const checkpointKey = h.store.keyspace.key('test', 'checkpoint');
    // Stop times with ties that straddle pages of 3; every third run is already finalized.
    const scores = [100, 200, 200, 200, 300, 300, 400, 500, 500, 600];
    const names = scores.map((_, i) => `r${i}`);
    for (const [i, score] of scores.entries()) await h.redis.zadd(finishedKey, score, names[i]);
    const record = (name: string) => ({
      metadata: { name } as RunRecord['metadata'],
      status: { phase: 'stopped' as const, attempts: [], conditions: [], observedGeneration: 1 },
      lifecycle: { context: { finalized: Number(name.slice(1)) % 3 === 0 } },
    });
    const woken: string[] = [];
    const deps: FinalizeRecoveryDeps = {
      redis: h.redis, finishedKey, checkpointKey, pageSize: 3, maxPages: 2,
      getRuns: async (list) => list.map(record),
      wake: async (name) => { woken.push(name); },
    };
    const first = await wakeUnfinalizedRuns(deps, 550);
    assert.ok(first.checkedUntil < 550, 'two pages of three do not reach 550');
    const rest = await wakeUnfinalizedRuns({ ...deps, maxPages: 10 }, 550);
    assert.equal(rest.checkedUntil, 550);
    const expected = names.filter((n, i) => scores[i] <= 550 && Number(n.slice(1)) % 3 !== 0);
    assert.deepEqual([...woken].sort(), expected.sort(), 'each unfinalized run woken exactly once');
    assert.equal(await h.redis.get(checkpointKey), '550');
    woken.length = 0;
    await wakeUnfinalizedRuns(deps, 700, 650);
    assert.deepEqual(woken, []);
    assert.equal(await h.redis.get(checkpointKey), '650', 'the checkpoint stops at the cap; r9 (600, finalized) was looked at');
  });
});
