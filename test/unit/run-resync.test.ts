import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../controller/api/run.js';
import { EPOCH_MS } from '../../machines/fixtures.js';
import { planRun } from '../../reconcilers/run/plan.js';
import { feedTaskReport } from '../../reconcilers/observe/feed.js';
import { batches, confirmKey, confirmTasks, reportsOf, resyncCluster, type ResyncDeps } from '../../reconcilers/observe/resync.js';
import { observationOf } from '../../reconcilers/observe/task-observation.js';
import { SEEN_TRUST_MS, alreadyFed, seenEntry, type SeenTaskStore } from '../../reconcilers/observe/seen-tasks.js';
import { newPool, newRunRecord } from './run-builders.js';

const TASK = 'arn:aws:ecs:us-east-1:000000000000:task/default/t1';
const CLUSTER = 'arn:aws:ecs:us-east-1:000000000000:cluster/default';
const pool = newPool();

/** A run whose attempt 1 was submitted as TASK at t=1s, as the run reconciler would have stored it. */
function submittedRecord(): RunRecord {
  let record = newRunRecord();
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

describe('feedTaskReport', () => {
  test('a RUNNING report moves the run to running', () => {
    const fed = feedTaskReport(submittedRecord(), { taskArn: TASK, observation: { source: 'describe', taskArn: TASK, lastStatus: 'RUNNING', version: 2 } }, EPOCH_MS + 5000);
    assert.equal(fed.kind, 'write');
    if (fed.kind === 'write') assert.deepEqual([fed.from, fed.to, fed.status.phase, fed.status.observedGeneration], ['submitted', 'running', 'running', 1]);
  });

  test('the same report twice changes nothing the second time', () => {
    const record = submittedRecord();
    const report = { taskArn: TASK, observation: { source: 'describe' as const, taskArn: TASK, lastStatus: 'PENDING', version: 1 } };
    const first = feedTaskReport(record, report, EPOCH_MS + 5000);
    assert.equal(first.kind, 'write');
    if (first.kind !== 'write') return;
    const again = feedTaskReport({ ...record, status: first.status, lifecycle: first.lifecycle }, report, EPOCH_MS + 6000);
    assert.equal(again.kind, 'unchanged');
  });

  test('MISSING right after launch is skipped; later it ends the attempt', () => {
    const record = submittedRecord();
    assert.equal(feedTaskReport(record, { taskArn: TASK, missing: true }, EPOCH_MS + 10_000).kind, 'skipped');
    const late = feedTaskReport(record, { taskArn: TASK, missing: true }, EPOCH_MS + 120_000);
    assert.equal(late.kind, 'write');
    if (late.kind === 'write') assert.equal(late.status.attempts[0].failureReason, 'TaskMissing');
  });

  test('a report for another task is rejected, a run without lifecycle skipped', () => {
    const other = feedTaskReport(submittedRecord(), { taskArn: 'arn:x', observation: { source: 'describe', taskArn: 'arn:x', lastStatus: 'RUNNING' } }, EPOCH_MS);
    assert.equal(other.kind, 'rejected');
    assert.equal(feedTaskReport(newRunRecord(), { taskArn: TASK, missing: true }, EPOCH_MS).kind, 'skipped');
  });
});

describe('describe reports', () => {
  test('batches of 100', () => {
    const arns = Array.from({ length: 250 }, (_, i) => `t${i}`);
    assert.deepEqual(batches(arns).map((b) => b.length), [100, 100, 50]);
  });

  test('every requested ARN is reported: described or missing', () => {
    const reports = reportsOf({ tasks: [{ taskArn: 'a', lastStatus: 'RUNNING' }], failures: [{ arn: 'b', reason: 'MISSING' }] }, ['a', 'b', 'c']);
    assert.deepEqual(reports.map((r) => ('missing' in r ? `${r.taskArn}:missing` : `${r.taskArn}:${r.observation.lastStatus}`)), ['a:RUNNING', 'b:missing', 'c:missing']);
  });

  test('ECS task fields become an API observation (dates as ISO, containers)', () => {
    const obs = observationOf({
      taskArn: 'a', lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppedReason: 'done',
      stoppedAt: new Date(EPOCH_MS), version: 7, containers: [{ name: 'flow', exitCode: 3 }],
    });
    assert.deepEqual(obs, {
      source: 'describe', taskArn: 'a', lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppedReason: 'done',
      stoppedAt: new Date(EPOCH_MS).toISOString(), version: 7, containers: [{ name: 'flow', exitCode: 3 }],
    });
  });
});

/** A resync over one cluster whose only live task, TASK of run-a, ECS now reports stopped with exit code 0. */
function stoppedTaskResync() {
  const runs = new Map<string, RunRecord>([['run-a', submittedRecord()]]);
  const described: string[][] = [];
  const woken: string[] = [];
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
      describeTasks: async (input) => {
        described.push(input.tasks ?? []);
        return { tasks: [{ taskArn: TASK, lastStatus: 'STOPPED', containers: [{ exitCode: 0 }] }], $metadata: {} };
      },
    },
    wake: async (_queue, key) => { woken.push(key); },
    now: () => EPOCH_MS + 30_000,
  };
  return { deps, runs, described, woken };
}

describe('resyncCluster', () => {
  test('describes live tasks, writes changed runs and wakes them', async () => {
    const { deps, runs, described, woken } = stoppedTaskResync();
    const result = await resyncCluster(deps, CLUSTER);
    assert.deepEqual(described, [[TASK]]);
    assert.deepEqual(result.changed, ['run-a']);
    assert.deepEqual(woken, ['run-a']);
    assert.equal(runs.get('run-a')?.status.outcome, 'succeeded');
  });

  test('reports the lifecycle transition it writes', async () => {
    const { deps } = stoppedTaskResync();
    const transitions: string[] = [];
    await resyncCluster({ ...deps, onTransition: (from, to, event) => transitions.push(`${from}->${to} on ${event}`) }, CLUSTER);
    assert.deepEqual(transitions, ['submitted->stopped on TASK_OBSERVED']);
  });
});

/** A seen-task store in memory, counting reads of the run store the resync makes. */
function memorySeen(): SeenTaskStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    read: async (_cluster, arns) => arns.map((a) => entries.get(a) ?? null),
    remember: async (_cluster, list) => {
      for (const [arn, entry] of list) entries.set(arn, entry);
    },
    prune: async (_cluster, live) => {
      for (const arn of [...entries.keys()]) if (!live.includes(arn)) entries.delete(arn);
    },
  };
}

describe('resyncCluster: tasks ECS reports unchanged', () => {
  /** TASK of run-a RUNNING at ECS version `version`; every run-store read counted. */
  function runningResync(version: { value: number }, nowMs: { value: number }) {
    const runs = new Map<string, RunRecord>([['run-a', submittedRecord()]]);
    const reads: string[] = [];
    const seen = memorySeen();
    const deps: ResyncDeps = {
      store: {
        liveTaskClusters: async () => [CLUSTER],
        liveTaskArns: async () => [TASK],
        runNameForTask: async (arn) => (reads.push(`name ${arn}`), arn === TASK ? 'run-a' : null),
        takeTasksToConfirm: async () => [],
        getRun: async (name) => (reads.push(`run ${name}`), runs.get(name) ?? null),
        updateRunStatus: async (name, update) => {
          const next = { ...runs.get(name)!, ...update };
          runs.set(name, next);
          return next;
        },
      },
      gateway: {
        describeTasks: async () => ({
          tasks: [{ taskArn: TASK, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', version: version.value, startedAt: new Date(EPOCH_MS + 5000) }], $metadata: {},
        }),
      },
      wake: async () => undefined,
      now: () => nowMs.value,
      seen,
    };
    return { deps, runs, reads, seen };
  }

  test('once the run holds what ECS said, the same version is skipped without reading the run; a new version is fed', async () => {
    const version = { value: 3 };
    const now = { value: EPOCH_MS + 10_000 };
    const { deps, runs, reads, seen } = runningResync(version, now);
    assert.deepEqual((await resyncCluster(deps, CLUSTER)).changed, ['run-a'], 'RUNNING is new: written');
    assert.equal(runs.get('run-a')?.status.phase, 'running');
    assert.equal(seen.entries.size, 1, 'remembered once the run holds what ECS said');
    reads.length = 0;
    const quiet = await resyncCluster(deps, CLUSTER);
    assert.deepEqual([quiet.changed, quiet.skipped, reads], [[], 1, []], 'skipped: no store read at all');
    version.value = 4;
    await resyncCluster(deps, CLUSTER);
    assert.ok(reads.includes('run run-a'), 'a new ECS version is fed in full');
  });

  test('a remembered entry is trusted for SEEN_TRUST_MS only, and pruned once its task is no longer live', async () => {
    const stamp = '7|RUNNING|RUNNING';
    const entry = seenEntry(stamp, 1000);
    assert.equal(alreadyFed(entry, stamp, 1000 + SEEN_TRUST_MS - 1), true);
    assert.equal(alreadyFed(entry, stamp, 1000 + SEEN_TRUST_MS), false);
    assert.equal(alreadyFed(entry, '8|RUNNING|RUNNING', 2000), false);
    assert.equal(alreadyFed(entry, undefined, 2000), false, 'no version: never skipped');
    assert.equal(alreadyFed(null, stamp, 2000), false);
    const seen = memorySeen();
    await seen.remember(CLUSTER, [[TASK, entry], ['arn:gone', entry]]);
    await seen.prune(CLUSTER, [TASK]);
    assert.deepEqual([...seen.entries.keys()], [TASK]);
  });
});

describe('confirmTasks', () => {
  test('describes at most ten batches per job and hands what is left to the next one', async () => {
    const { deps, described, woken } = stoppedTaskResync();
    let taken = 0;
    const endless: ResyncDeps = {
      ...deps,
      store: {
        ...deps.store,
        runNameForTask: async () => 'run-a',
        takeTasksToConfirm: async (_cluster, max) => Array.from({ length: max }, () => `arn:task-${(taken += 1)}`),
      },
    };
    await confirmTasks(endless, CLUSTER);
    assert.equal(described.length, 10);
    assert.ok(described.every((batch) => batch.length === 100));
    assert.ok(woken.includes(confirmKey(CLUSTER)));
  });

  test('skips tasks no run owns any more, and stops when the set is empty', async () => {
    const { deps, described, woken } = stoppedTaskResync();
    const sets = [['arn:gone', TASK], []];
    const result = await confirmTasks({ ...deps, store: { ...deps.store, takeTasksToConfirm: async () => sets.shift() ?? [] } }, CLUSTER);
    assert.deepEqual(described, [[TASK]]);
    assert.deepEqual(result.changed, ['run-a']);
    assert.deepEqual(woken, ['run-a']);
  });
});
