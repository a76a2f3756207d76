/**
 * The task-definition cache lives in Redis: the same run content submitted twice, to two replicas at once,
 * and again after every controller process restarted, registers its definition once; a revision
 * deregistered behind the controllers' back is registered once more and every run still succeeds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeregisterTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
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
  test('a revision deregistered behind the controllers\' back: the next batch registers once more and succeeds', async () => {
    await h.startReplica('replica-d'); // with replica-c from the test above, when it ran: two replicas
    await h.store.submit([pool('vanish')], { mode: 'apply' });
    const spec = { pool: 'vanish', env: { SIM_RUN_SECONDS: '1' } };
    await h.store.submit([run('vanish-0', spec)], { mode: 'create' });
    const first = (await waitStopped(h.store, ['vanish-0'], 60_000)).get('vanish-0')!;
    assert.equal(first.status.outcome, 'succeeded');
    const old = first.status.taskDefinitionArn!;
    const ecs = new ECSClient({ region: h.sim.region, endpoint: h.sim.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: old }));
    } finally {
      ecs.destroy();
    }
    const registered = h.sim.audit().calls.RegisterTaskDefinition?.ok ?? 0;

    const names = Array.from({ length: 6 }, (_, i) => `vanish-${i + 1}`);
    await h.store.submit(names.map((name) => run(name, spec)), { mode: 'create' });
    const runs = await waitStopped(h.store, names, 60_000);
    for (const r of runs.values()) {
      assert.equal(r.status.outcome, 'succeeded', `${r.metadata.name}: ${r.status.message}`);
      assert.notEqual(r.status.taskDefinitionArn, old);
    }
    assert.equal((h.sim.audit().calls.RegisterTaskDefinition?.ok ?? 0) - registered, 1, 'one registration for the family, across replicas');
  });
});
