/**
 * The orphan sweep against the simulator through the real SDK and gateway: tasks launched directly with this
 * installation's startedBy for a run that does not exist and for a stopped run are stopped; a foreign task
 * and another namespace's task are left alone; a task for a run whose current attempt never recorded its
 * launch is adopted by that run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { reconcileRun } from '../../reconcilers/run/reconciler.js';
import { startedByFor } from '../../reconcilers/launch/identity.js';
import { CLEANUP_KEYS, createCleanupReconciler } from '../../reconcilers/cleanup/sweeps.js';
import { orphanSweepStore, type OrphanSweepDeps } from '../../reconcilers/cleanup/orphan-sweep.js';
import { QUICK_SCENARIO, fargatePool, silent, startRunHarness, type RunHarness } from './run-harness.js';

const ctx = { logger: silent, reconcileId: 'test', jobTry: 1 };
// A subnet of the simulator's default VPC (docs/simulator.md); the simulator's own test helpers are not exported.
const SUBNET_A = 'subnet-0a1b2c3d4e5f60001';
// Tasks keep running for the whole test.
const LONG_RUNNING = { phases: { ...QUICK_SCENARIO.phases, running: { kind: 'fixed' as const, seconds: 3600 } } };

describe('clean-up: orphaned tasks', () => {
  let h: RunHarness;
  before(async () => {
    h = await startRunHarness({ timeScale: 60, scenario: LONG_RUNNING, pools: [fargatePool('p')] });
  });
  after(async () => {
    await h.close();
  });

  test('stops our tasks whose run is missing or stopped, adopts one a run never recorded, ignores the rest', async () => {
    // adopt-1 resolves its task definition and is about to launch: attempt 1 has no task yet.
    await h.submitRun('adopt-1', 'p');
    for (let round = 0; round < 50; round += 1) {
      while (h.registrations.length > 0) await h.taskdefs.reconciler(h.registrations.shift() ?? '', ctx);
      await reconcileRun({ ...h.runDeps, maxEffects: 1 }, 'adopt-1');
      if ((await h.store.getRun('adopt-1'))?.status.phase === 'taskdef-resolved') break;
    }
    const pending = await h.store.getRun('adopt-1');
    assert.equal(pending?.status.phase, 'taskdef-resolved');
    assert.equal(pending?.status.attempts.at(-1)?.taskArn, undefined);
    const taskDefinition = pending?.status.taskDefinitionArn;
    assert.ok(taskDefinition);
    // stopped-1 was cancelled before it launched.
    await h.submitRun('stopped-1', 'p');
    await h.store.requestCancel('stopped-1');
    await reconcileRun(h.runDeps, 'stopped-1');
    assert.equal((await h.store.getRun('stopped-1'))?.status.phase, 'stopped');

    const launch = async (startedBy: string) => {
      const out = await h.clients.ecs.send(new RunTaskCommand({
        taskDefinition, launchType: 'FARGATE', startedBy, networkConfiguration: { awsvpcConfiguration: { subnets: [SUBNET_A] } },
      }));
      const arn = out.tasks?.[0]?.taskArn;
      assert.ok(arn, `launched ${startedBy}`);
      return arn;
    };
    const ghost = await launch(startedByFor(h.namespace, 'ghost-1'));
    const late = await launch(startedByFor(h.namespace, 'stopped-1'));
    const foreign = await launch('ecs-svc/orders');
    const neighbour = await launch(startedByFor('someone-elses-namespace', 'ghost-1'));
    const adoptable = await launch(startedByFor(h.namespace, 'adopt-1'));

    const causes: string[] = [];
    const wakes: string[] = [];
    const orphans: OrphanSweepDeps = {
      namespace: h.namespace,
      store: orphanSweepStore(h.store),
      gateway: h.gateway,
      wake: async (queue, key) => { wakes.push(`${queue}/${key}`); },
      onStopped: (cause) => causes.push(cause),
    };
    const cleanup = createCleanupReconciler({ store: h.store, orphans });
    const sweepAll = async () => {
      wakes.length = 0;
      await cleanup(CLEANUP_KEYS.orphans, ctx);
      const clusterJobs = wakes.filter((w) => w.startsWith('resync/')).map((w) => w.slice('resync/'.length));
      // The pool names no cluster (ECS's default); once a task is live the store knows the default cluster's ARN.
      assert.equal(clusterJobs.length, 1);
      assert.match(clusterJobs[0], /^orphans:(default|arn:.*:cluster\/default)$/);
      for (const key of clusterJobs) await cleanup(key, ctx);
    };
    await sweepAll();

    const described = await h.clients.ecs.send(new DescribeTasksCommand({ tasks: [ghost, late, foreign, neighbour, adoptable] }));
    const desired = Object.fromEntries((described.tasks ?? []).map((t) => [t.taskArn, `${t.desiredStatus}:${t.stoppedReason ?? ''}`]));
    assert.equal(desired[ghost], 'STOPPED:Longshore: orphaned task (run ghost-1 does not exist)');
    assert.equal(desired[late], 'STOPPED:Longshore: orphaned task (run stopped-1 is stopped (cancelled))');
    assert.equal(desired[foreign], 'RUNNING:');
    assert.equal(desired[neighbour], 'RUNNING:');
    assert.equal(desired[adoptable], 'RUNNING:');
    assert.deepEqual(causes.sort(), ['run-missing', 'run-stopped']);

    const adopted = await h.store.getRun('adopt-1');
    assert.equal(adopted?.status.phase, 'submitted');
    assert.equal(adopted?.status.attempts.at(-1)?.taskArn, adoptable);
    assert.ok(wakes.includes('reconcile-run/adopt-1'), 'the adopting run is woken');

    // The run's own reconcile goes on with the adopted task instead of launching another one.
    await reconcileRun(h.runDeps, 'adopt-1');
    assert.deepEqual(h.tasksOf('adopt-1').map((t) => t.taskArn), [adoptable]);

    // A second sweep finds nothing more to do.
    await sweepAll();
    assert.deepEqual(causes.sort(), ['run-missing', 'run-stopped']);
  });
});
