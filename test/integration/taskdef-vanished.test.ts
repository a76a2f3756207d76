/**
 * A task definition that vanished behind the controller's back (deregistered, deleted, a simulator reset):
 * the real run reconciler, registration worker, SDK and gateway against the ECS simulator. The cache still
 * names the old revision; RunTask refuses it ("TaskDefinition is inactive" / "TaskDefinition not found.");
 * every run re-registers through the queue — one RegisterTaskDefinition for the family however many runs
 * hit the refusal at once — and succeeds; a revision refused again and again makes the run wait, longer each
 * time. A pool's own ARN cannot be registered again: its run fails naming the ARN, after
 * DescribeTaskDefinition confirmed it is gone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteTaskDefinitionsCommand, DeregisterTaskDefinitionCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { RunRecord } from '../../controller/api/run.js';
import { taskdefKeys } from '../../reconcilers/taskdef/keys.js';
import { reconcileRun } from '../../reconcilers/run/reconciler.js';
import { STALE_TASK_DEFINITION_BACKOFF, STALE_TASK_DEFINITIONS_FREE } from '../../machines/run-logic.js';
import { backoffMs } from '../../controller/backoff.js';
import { allStopped, fargatePool, startRunHarness, V, type RunHarness } from './run-harness.js';
import { scanKeys } from '../helpers/redis-namespace.js';

const FAMILY_POOL = 'vanishing';

describe('a task definition that vanished', () => {
  let h: RunHarness;

  before(async () => {
    h = await startRunHarness({ timeScale: 60, pools: [fargatePool(FAMILY_POOL)] });
  });

  after(async () => {
    await h.close();
  });

  const registrations = (): number => Object.values(h.sim.audit().registrations).reduce((n, c) => n + c, 0);
  const deregister = (arn: string) => h.clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
  /** Deregister, then DeleteTaskDefinitions: DELETE_IN_PROGRESS while a task uses it, else gone for good. */
  async function deleteRevision(arn: string): Promise<void> {
    await deregister(arn);
    const deleted = await h.clients.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [arn] }));
    assert.deepEqual(deleted.failures ?? [], []);
  }
  const refusals = (): number => h.sim.audit().calls.RunTask?.error ?? 0;
  const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

  async function runAll(prefix: string, n: number, pool = FAMILY_POOL): Promise<RunRecord[]> {
    const runs = names(prefix, n);
    for (const name of runs) await h.submitRun(name, pool);
    return h.driveUntil(runs, allStopped, { timeoutMs: 30_000 });
  }

  async function firstRevision(prefix: string): Promise<string> {
    const [run] = await runAll(`${prefix}-first`, 1);
    assert.equal(run.status.outcome, 'succeeded', run.status.message);
    const arn = run.status.taskDefinitionArn;
    assert.ok(arn);
    return arn;
  }

  test('deregistered (INACTIVE): many runs at once register the family once more and all succeed', async () => {
    const old = await firstRevision('inactive');
    const before = registrations();
    await deregister(old);

    const runs = await runAll('after-deregister', 6);
    for (const run of runs) {
      assert.equal(run.status.outcome, 'succeeded', `${run.metadata.name}: ${run.status.message}`);
      assert.ok(run.status.taskDefinitionArn && run.status.taskDefinitionArn !== old, 'a new revision');
      assert.equal(run.status.attempts.length, 1, 'the refused launch is not counted as an attempt');
    }
    assert.equal(new Set(runs.map((r) => r.status.taskDefinitionArn)).size, 1);
    assert.equal(registrations() - before, 1, 'one RegisterTaskDefinition for the family');
    assert.ok((h.sim.audit().calls.RunTask?.error ?? 0) >= 1, 'RunTask did refuse the old revision');
  });

  test('deleted (DeregisterTaskDefinition + DeleteTaskDefinitions): many runs at once register once more and all succeed', async () => {
    const old = await firstRevision('deleted');
    await deleteRevision(old);
    const before = registrations();
    const runs = await runAll('after-delete', 6);
    for (const run of runs) {
      assert.equal(run.status.outcome, 'succeeded', `${run.metadata.name}: ${run.status.message}`);
      assert.ok(run.status.taskDefinitionArn && run.status.taskDefinitionArn !== old, 'a new revision');
    }
    assert.equal(new Set(runs.map((r) => r.status.taskDefinitionArn)).size, 1);
    assert.equal(registrations() - before, 1, 'one RegisterTaskDefinition for the family');
  });

  test('DELETE_IN_PROGRESS (deleted while a task still runs from it): new runs register once more and succeed', async () => {
    const old = await firstRevision('deleting');
    await h.submitRun('holder', FAMILY_POOL, { env: { SIM_RUN_SECONDS: '100000' } });
    const [holder] = await h.driveUntil(['holder'], ([r]) => r?.status.phase === 'running');
    assert.equal(holder.status.taskDefinitionArn, old);
    await deleteRevision(old);
    const before = registrations();
    const runs = await runAll('while-deleting', 3);
    for (const run of runs) {
      assert.equal(run.status.outcome, 'succeeded', `${run.metadata.name}: ${run.status.message}`);
      assert.notEqual(run.status.taskDefinitionArn, old);
    }
    assert.equal(registrations() - before, 1);
  });

  test('a revision refused again and again: the run waits longer each time instead of spinning, then succeeds', async () => {
    await firstRevision('spin');
    const refusedTimes = STALE_TASK_DEFINITIONS_FREE + 1;
    // As ECS may answer for a moment right after a registration (eventual consistency).
    h.sim.faults.add({ action: 'RunTask', status: 400, type: 'ClientException', message: 'TaskDefinition not found.', times: refusedTimes });
    const refusedBefore = refusals();
    await h.submitRun('spin-1', FAMILY_POOL);
    const [waiting] = await h.driveUntil(['spin-1'], ([r]) => /refused \d+ times/.test(r?.status.message ?? '') && refusals() - refusedBefore === refusedTimes);
    assert.equal(waiting.status.phase, 'pending');
    assert.match(waiting.status.message ?? '', new RegExp(`refused ${refusedTimes} times for attempt 1; next resolve in`));

    // The wait holds: reconciles before it ends neither resolve nor launch.
    const callsBefore = h.sim.audit().calls.RunTask;
    for (let i = 0; i < 5; i += 1) await reconcileRun(h.runDeps, 'spin-1');
    assert.deepEqual(h.sim.audit().calls.RunTask, callsBefore);
    assert.equal((await h.store.getRun('spin-1'))?.status.phase, 'pending');

    h.clock.offsetMs += backoffMs(STALE_TASK_DEFINITION_BACKOFF, 1) + 1000;
    const [done] = await h.driveUntil(['spin-1'], allStopped);
    assert.equal(done.status.outcome, 'succeeded', done.status.message);
    assert.equal(done.status.attempts.length, 1);
    assert.equal(refusals() - refusedBefore, refusedTimes);
  });

  test('gone ("TaskDefinition not found." after a simulator reset): the run registers again and succeeds', async () => {
    await firstRevision('reset');
    h.sim.reset();
    const before = registrations();
    const runs = await runAll('after-reset', 4);
    for (const run of runs) assert.equal(run.status.outcome, 'succeeded', `${run.metadata.name}: ${run.status.message}`);
    assert.equal(registrations() - before, 1, 'one RegisterTaskDefinition for the family');
  });

  test('an entry older than the bound is described first: a deregistered revision is replaced before any RunTask', async () => {
    const old = await firstRevision('aged');
    await deregister(old);
    // Age every cache entry: the freshness marker expiring is exactly what the bound does.
    const keys = taskdefKeys(h.store.keyspace);
    const fresh = await scanKeys(h.redis, keys.fresh('*'));
    assert.ok(fresh.length > 0);
    await h.redis.del(...fresh);
    const refusedBefore = h.sim.audit().calls.RunTask?.error ?? 0;

    const [run] = await runAll('aged', 1);
    assert.equal(run.status.outcome, 'succeeded', run.status.message);
    assert.notEqual(run.status.taskDefinitionArn, old);
    assert.equal(h.sim.audit().calls.RunTask?.error ?? 0, refusedBefore, 'no RunTask was refused: the describe found it first');
  });

  /** A pool over a definition the user registered (not Longshore), with one successful run. */
  async function ownPool(name: string): Promise<string> {
    const registered = await h.clients.ecs.send(new RegisterTaskDefinitionCommand({
      family: `users-${name}`, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
      containerDefinitions: [{ name: 'prefect', image: 'busybox' }],
    }));
    const arn = registered.taskDefinition?.taskDefinitionArn ?? '';
    await h.store.submit([{ apiVersion: V, kind: 'Pool', metadata: { name }, spec: { taskDefinitionArn: arn } }]);
    const [ok] = await runAll(`${name}-ok`, 1, name);
    assert.equal(ok.status.outcome, 'succeeded', ok.status.message);
    return arn;
  }

  test('a pool\'s own ARN that was deregistered fails its run naming the ARN, once ECS confirms it', async () => {
    const arn = await ownPool('own');
    await deregister(arn);
    const [run] = await runAll('own-gone', 1, 'own');
    assert.equal(run.status.outcome, 'failed');
    assert.ok(run.status.message?.includes(arn), run.status.message);
    assert.match(run.status.message ?? '', /of pool 'own' is INACTIVE: it cannot run new tasks/);
  });

  test('a pool\'s own ARN that ECS no longer knows fails its run naming the ARN', async () => {
    const arn = await ownPool('own-reset');
    h.sim.reset();
    const [run] = await runAll('own-reset-gone', 1, 'own-reset');
    assert.equal(run.status.outcome, 'failed');
    assert.ok(run.status.message?.includes(arn), run.status.message);
    assert.match(run.status.message ?? '', /is unknown to ECS \(ECS said: ClientException: Unable to describe task definition\.\)/);
    assert.equal(registrations(), 0, 'a pool\'s own ARN is never registered by Longshore');
  });
});
