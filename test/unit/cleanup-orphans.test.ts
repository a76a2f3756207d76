import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../controller/api/run.js';
import type { Attempt, RunStatus } from '../../controller/api/run-status.js';
import { startedByFor } from '../../reconcilers/launch/identity.js';
import { ownerOf, planOrphan, type SweptTask } from '../../reconcilers/cleanup/orphan-plan.js';
import { clusterName, clustersToSweep, sweepClusterOrphans, type OrphanSweepStore } from '../../reconcilers/cleanup/orphan-sweep.js';
import { newRunRecord } from './run-builders.js';

const NS = 'prod';
const ARN = 'arn:aws:ecs:us-east-1:000000000000:task/main/aaa';
const OTHER = 'arn:aws:ecs:us-east-1:000000000000:task/main/bbb';
const task = (extra: Partial<SweptTask> = {}): SweptTask => ({ taskArn: ARN, startedBy: startedByFor(NS, 'run-a'), desiredStatus: 'RUNNING', ...extra });
const run = (phase: RunStatus['phase'], attempts: Attempt[], outcome?: RunStatus['outcome']): RunRecord => {
  const record = newRunRecord();
  return { ...record, status: { ...record.status, phase, attempts, ...(outcome ? { outcome } : {}) } };
};

describe('orphaned tasks: whose task is it', () => {
  test('only startedBy values of this namespace are ours', () => {
    assert.deepEqual(ownerOf(task(), NS), { namespaceTag: NS, runName: 'run-a' });
    assert.equal(ownerOf(task({ startedBy: startedByFor('staging', 'run-a') }), NS), null);
    assert.equal(ownerOf(task({ startedBy: 'ecs-svc/1234' }), NS), null);
    assert.equal(ownerOf(task({ startedBy: undefined }), NS), null);
    const long = 'r'.repeat(200);
    assert.ok(ownerOf(task({ startedBy: startedByFor(NS, long) }), NS) !== null, 'hashed names are recognised too');
  });
});

describe('orphaned tasks: the plan', () => {
  test('a run that does not exist, or is stopped: stop the task, saying why', () => {
    assert.deepEqual(planOrphan(task(), 'run-a', null), {
      kind: 'stop', run: 'run-a', cause: 'run-missing', reason: 'Longshore: orphaned task (run run-a does not exist)',
    });
    const stopped = planOrphan(task(), 'run-a', run('stopped', [{ number: 1, taskArn: ARN }], 'succeeded'));
    assert.deepEqual(stopped, { kind: 'stop', run: 'run-a', cause: 'run-stopped', reason: 'Longshore: orphaned task (run run-a is stopped (succeeded))' });
  });

  test('the current attempt\'s own task is left alone; a task the run moved on from is stopped', () => {
    assert.deepEqual(planOrphan(task(), 'run-a', run('running', [{ number: 1, taskArn: ARN }])), { kind: 'owned', run: 'run-a' });
    const other = planOrphan(task(), 'run-a', run('running', [{ number: 1, taskArn: OTHER }]));
    assert.equal(other.kind === 'stop' && other.cause, 'other-task');
    assert.match(other.kind === 'stop' ? other.reason : '', /attempt 1 runs task .*bbb/);
    const earlier = planOrphan(task(), 'run-a', run('submitted', [{ number: 1, taskArn: ARN, stoppedAt: '2026-01-01T00:00:00Z' }, { number: 2, taskArn: OTHER }]));
    assert.equal(earlier.kind === 'stop' && earlier.cause, 'other-task');
  });

  test('a run still going whose current attempt has no task adopts it', () => {
    assert.deepEqual(planOrphan(task(), 'run-a', run('taskdef-resolved', [{ number: 2 }])), { kind: 'adopt', run: 'run-a', attempt: 2 });
    const none = planOrphan(task(), 'run-a', run('pending', []));
    assert.equal(none.kind === 'stop' && none.cause, 'not-adoptable');
  });

  test('a task older than its run belongs to an earlier run of that name', () => {
    const record = run('taskdef-resolved', [{ number: 1 }]);
    const old = new Date(Date.parse(record.metadata.creationTimestamp) - 3_600_000);
    const decision = planOrphan(task({ createdAt: old }), 'run-a', record);
    assert.equal(decision.kind === 'stop' && decision.cause, 'run-missing');
    const fresh = new Date(Date.parse(record.metadata.creationTimestamp) + 1000);
    assert.equal(planOrphan(task({ createdAt: fresh }), 'run-a', record).kind, 'adopt');
  });

  test('a task already being stopped is ignored', () => {
    assert.equal(planOrphan(task({ desiredStatus: 'STOPPED' }), 'run-a', null).kind, 'ignore');
  });

  test('a task that has begun stopping or has stopped (lastStatus) gets no StopTask, whatever its desired status says', () => {
    for (const lastStatus of ['DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED', 'DELETED']) {
      assert.deepEqual(planOrphan(task({ lastStatus }), 'run-a', null), { kind: 'ignore', why: `last status ${lastStatus}` }, lastStatus);
    }
    for (const lastStatus of ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING']) {
      assert.equal(planOrphan(task({ lastStatus }), 'run-a', null).kind, 'stop', lastStatus);
    }
  });

  test('reasons fit StopTask\'s 255 characters', () => {
    const long = 'r'.repeat(300);
    const decision = planOrphan(task(), long, null);
    assert.ok(decision.kind === 'stop' && decision.reason.length === 255);
  });
});

describe('orphaned tasks: which clusters', () => {
  test('one sweep per cluster name, from pools and live tasks, ARNs preferred', async () => {
    const store: OrphanSweepStore = {
      poolClusters: async () => [{ cluster: undefined }, { cluster: 'main' }, { cluster: 'arn:aws:ecs:us-east-1:1:cluster/main' }],
      liveTaskClusters: async () => ['unknown', 'arn:aws:ecs:us-east-1:1:cluster/batch', 'arn:aws:ecs:us-east-1:1:cluster/main'],
      liveTaskArns: async () => [], getRun: async () => null, runNameForTask: async () => null,
      updateRunStatus: async () => { throw new Error('not expected'); },
    };
    assert.deepEqual(await clustersToSweep(store, 'us-east-1'), ['arn:aws:ecs:us-east-1:1:cluster/batch', 'arn:aws:ecs:us-east-1:1:cluster/main', 'default']);
    assert.equal(clusterName('arn:aws:ecs:us-east-1:1:cluster/main'), 'main');
    assert.equal(clusterName('main'), 'main');
  });
});

describe('orphaned tasks: the sweep shell', () => {
  test('a task listed as RUNNING but described as STOPPED is not stopped again', async () => {
    const stopped: string[] = [];
    const store: OrphanSweepStore = {
      poolClusters: async () => [{ cluster: 'main' }], liveTaskClusters: async () => [], liveTaskArns: async () => [],
      getRun: async () => null, runNameForTask: async () => null,
      updateRunStatus: async () => { throw new Error('not expected'); },
    };
    const startedBy = startedByFor(NS, 'gone');
    const result = await sweepClusterOrphans({
      namespace: NS, store, wake: async () => undefined,
      gateway: {
        listTasks: async () => ({ $metadata: {}, taskArns: [ARN, OTHER] }),
        // Between ListTasks and DescribeTasks the first task stopped on its own.
        describeTasks: async () => ({ $metadata: {}, tasks: [
          { taskArn: ARN, startedBy, desiredStatus: 'RUNNING', lastStatus: 'STOPPED' },
          { taskArn: OTHER, startedBy, desiredStatus: 'RUNNING', lastStatus: 'RUNNING' },
        ] }),
        stopTask: async (input) => { stopped.push(input.task ?? ''); return { $metadata: {} }; },
      },
    }, 'main');
    assert.deepEqual(stopped, [OTHER]);
    assert.deepEqual(result.stopped.map((s) => s.taskArn), [OTHER]);
  });
});
