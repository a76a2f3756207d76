import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PoolRecord } from '../../controller/api/pool.js';
import type { RunRecord } from '../../controller/api/run.js';
import { EPOCH_MS } from '../../machines/fixtures.js';
import { restoreLifecycle } from '../../machines/run-lifecycle.js';
import { planRun } from '../../reconcilers/run/plan.js';
import { feedTaskReport, type TaskReport } from '../../reconcilers/observe/feed.js';
import { resyncCluster, type ResyncDeps } from '../../reconcilers/observe/resync.js';
import { wakeAfterFeed } from '../../reconcilers/observe/wake-policy.js';
import type { SlotNeeds } from '../../reconcilers/run/pool-limits.js';
import { newPool, newRunRecord } from './run-builders.js';

const TASK = 'arn:aws:ecs:us-east-1:000000000000:task/default/t1';
const CLUSTER = 'arn:aws:ecs:us-east-1:000000000000:cluster/default';

/** A run whose attempt 1 was submitted as TASK at t=1s, as the run reconciler would have stored it. */
function submittedRecord(pool: PoolRecord = newPool(), spec: Parameters<typeof newRunRecord>[0] = {}): RunRecord {
  let record = newRunRecord(spec);
  const steps = [
    undefined,
    { type: 'resolveTaskDefinition' as const, resolution: { arn: 'arn:td:1' } },
    { type: 'runTask' as const, attempt: 1, outcome: { kind: 'launched' as const, task: { taskArn: TASK }, taskArn: TASK, clusterArn: CLUSTER } },
  ];
  for (const effect of steps) {
    const p = planRun(record, effect ? { pool, effect } : { pool }, EPOCH_MS + 1000);
    record = { ...record, status: p.status, lifecycle: p.lifecycle };
  }
  return record;
}

const running: TaskReport = { taskArn: TASK, observation: { source: 'describe', taskArn: TASK, lastStatus: 'RUNNING', version: 2 } };
const stopped: TaskReport = { taskArn: TASK, observation: { source: 'describe', taskArn: TASK, lastStatus: 'STOPPED', version: 3, containers: [{ exitCode: 0 }] } };

function decide(record: RunRecord, report: TaskReport, canRelease: boolean) {
  const fed = feedTaskReport(record, report, EPOCH_MS + 5000, undefined, canRelease);
  assert.equal(fed.kind, 'write');
  if (fed.kind !== 'write') throw new Error('unreachable');
  return fed;
}

describe('wakeAfterFeed: which observations need the run reconciled', () => {
  test('a task seen RUNNING (no run timeout) needs no reconcile: its submitting slot is freed by the caller', () => {
    const fed = decide(submittedRecord(), running, true);
    assert.deepEqual([fed.to, fed.wake, fed.release], ['running', false, { submitting: false, running: true }]);
  });

  test('without a caller that frees slots, the same write wakes the run (its reconcile frees them)', () => {
    assert.equal(decide(submittedRecord(), running, false).wake, true);
  });

  test('a run timeout earlier than the start timeout the job waits for wakes the run, to requeue for it', () => {
    const early = decide(submittedRecord(newPool({ timeouts: { startSeconds: 600, runSeconds: 60 } })), running, true);
    assert.equal(early.wake, true);
    const late = decide(submittedRecord(newPool({ timeouts: { startSeconds: 60, runSeconds: 3600 } })), running, true);
    assert.equal(late.wake, false, 'a later deadline: the job comes back early, finds it and requeues');
  });

  test('a stopped task always wakes the run (finalize is its standing work)', () => {
    assert.equal(decide(submittedRecord(), stopped, true).wake, true);
  });

  test('a cancel the reconcile has not acted on yet, or any unseen spec change, wakes the run', () => {
    const base = submittedRecord();
    const before = restoreLifecycle(base.lifecycle);
    const fed = decide(base, running, true);
    const after = restoreLifecycle(fed.lifecycle);
    const cancelled: RunRecord = { ...base, spec: { ...base.spec, cancelRequested: true }, metadata: { ...base.metadata, generation: 2 } };
    assert.equal(wakeAfterFeed(cancelled, before, after, true).wake, true);
    const specChanged: RunRecord = { ...base, metadata: { ...base.metadata, generation: 2 } };
    assert.equal(wakeAfterFeed(specChanged, before, after, true).wake, true);
    assert.equal(wakeAfterFeed(base, before, after, true).wake, false);
  });
});

describe('resyncCluster with slots freed by the feed', () => {
  /** ECS reports TASK as `lastStatus` (exit code 0 once stopped). */
  function resync(lastStatus: 'RUNNING' | 'STOPPED') {
    const runs = new Map<string, RunRecord>([['run-a', submittedRecord()]]);
    const woken: string[] = [];
    const released: Array<[string, string, SlotNeeds]> = [];
    const deps: ResyncDeps = {
      store: {
        liveTaskClusters: async () => [CLUSTER],
        liveTaskArns: async () => [TASK],
        runNameForTask: async (arn) => (arn === TASK ? 'run-a' : null),
        takeTasksToConfirm: async () => [],
        getRun: async (name) => runs.get(name) ?? null,
        updateRunStatus: async (name, update) => {
          const next = { ...runs.get(name)!, ...update };
          runs.set(name, next);
          return next;
        },
      },
      gateway: {
        describeTasks: async () => ({
          tasks: [{ taskArn: TASK, lastStatus, version: lastStatus === 'RUNNING' ? 2 : 3, containers: lastStatus === 'STOPPED' ? [{ exitCode: 0 }] : [] }], $metadata: {},
        }),
      },
      wake: async (_queue, key) => { woken.push(key); },
      releaseSlots: async (pool, run, keep) => { released.push([pool, run, keep]); },
      now: () => EPOCH_MS + 5000,
    };
    return { deps, runs, woken, released };
  }

  test('RUNNING is written and the submitting slot freed, without a wake-up', async () => {
    const { deps, runs, woken, released } = resync('RUNNING');
    const result = await resyncCluster(deps, CLUSTER);
    assert.equal(runs.get('run-a')?.status.phase, 'running');
    assert.deepEqual([result.changed, woken], [[], []]);
    assert.deepEqual(released, [['pool-a', 'run-a', { submitting: false, running: true }]]);
  });

  test('STOPPED is written and the run woken for its finalize (its reconcile frees the slots)', async () => {
    const { deps, woken, released } = resync('STOPPED');
    await resyncCluster(deps, CLUSTER);
    assert.deepEqual([woken, released], [['run-a'], []]);
  });

  test('a failed release wakes the run instead, whose reconcile frees the slots', async () => {
    const { deps, runs, woken } = resync('RUNNING');
    await resyncCluster({ ...deps, releaseSlots: async () => { throw new Error('redis away'); } }, CLUSTER);
    assert.equal(runs.get('run-a')?.status.phase, 'running');
    assert.deepEqual(woken, ['run-a']);
  });
});
