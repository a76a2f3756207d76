/**
 * The task-definition cache lives in Redis: the same run content submitted twice, to two replicas at once,
 * and again after every controller process restarted, registers its definition once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, QUICK_PHASES, pool, run, startHarness, waitStopped } from './controller-harness.js';

describe('task-definition registrations across replicas and restarts', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
  });
  after(async () => {
    await h.close();
  });

  test('same content twice across two replicas, then after a restart, registers once', async () => {
    const first = await Promise.all([h.startReplica('replica-a'), h.startReplica('replica-b')]);
    await h.store.submit([pool('cache')], { mode: 'apply' });
    const same = { pool: 'cache', deployment: 'nightly', env: { SIM_RUN_SECONDS: '1' } };
    // Two batches of identical content, the second while the first may still be registering.
    await h.store.submit([run('same-1', same), run('same-2', same)], { mode: 'create' });
    await h.store.submit([run('same-3', same), run('same-4', same)], { mode: 'create' });
    const before = await waitStopped(h.store, ['same-1', 'same-2', 'same-3', 'same-4'], 60_000);
    assert.deepEqual([...before.values()].map((r) => r.status.outcome), ['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    assert.equal(h.sim.audit().calls.RegisterTaskDefinition?.ok, 1);
    const arn = before.get('same-1')!.status.taskDefinitionArn;
    assert.ok([...before.values()].every((r) => r.status.taskDefinitionArn === arn), 'every run uses the one revision');

    assert.deepEqual(await Promise.all(first.map((r) => r.stop())), [0, 0]);
    await h.startReplica('replica-c');
    await h.store.submit([run('same-5', same)], { mode: 'create' });
    const after = await waitStopped(h.store, ['same-5'], 60_000);
    assert.equal(after.get('same-5')!.status.outcome, 'succeeded');
    assert.equal(after.get('same-5')!.status.taskDefinitionArn, arn);
    assert.equal(h.sim.audit().calls.RegisterTaskDefinition?.ok, 1, 'the restarted controller found the registration in Redis');
  });
});
