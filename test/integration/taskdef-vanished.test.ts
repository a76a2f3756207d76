/**
 * A task definition that vanished behind the controller's back (deregistered, deleted, a simulator reset):
 * the real run reconciler, registration worker, SDK and gateway against the ECS simulator. The cache still
 * names the old revision; RunTask refuses it ("TaskDefinition is inactive" / "TaskDefinition not found.");
 * every run re-registers through the queue — one RegisterTaskDefinition for the family however many runs
 * hit the refusal at once — and succeeds. A pool's own ARN cannot be registered again: its run fails naming
 * the ARN, after DescribeTaskDefinition confirmed it is gone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeregisterTaskDefinitionCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { RunRecord } from '../../controller/api/run.js';
import { taskdefKeys } from '../../reconcilers/taskdef/keys.js';
import { allStopped, fargatePool, startRunHarness, V, type RunHarness } from './run-harness.js';

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
    const fresh = await h.redis.keys(keys.fresh('*'));
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
