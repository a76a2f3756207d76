/**
 * Persistent faults through the real SDK: an outage per action and/or cluster that lasts until cleared
 * (in-process, over /_sim/faults, or from the scenario), as an HTTP 500 ServerException or a held call.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateClusterCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CREDENTIALS, eventually, failure, fargateTaskDefinition, registerFargate, runFargate, startHarness, type SimHarness } from './helpers/ecs-sim.js';

let h: SimHarness;
before(async () => {
  h = await startHarness({ registrationDelayMs: 0, throttling: false });
  await registerFargate(h.ecs);
  await h.ecs.send(new CreateClusterCommand({ clusterName: 'x' }));
});
after(() => h.close());

describe('persistent faults', () => {
  test('every RunTask on cluster x answers HTTP 500 ServerException until cleared; other clusters and actions are untouched', async () => {
    const fault = h.sim.faults.add({ action: 'RunTask', cluster: 'x' });
    try {
      for (let i = 0; i < 3; i += 1) {
        const error = await failure(() => runFargate(h.ecs, 'sim-test', { cluster: 'x' }));
        assert.equal(error.name, 'ServerException');
        assert.equal(error.status, 500);
      }
      assert.equal((await runFargate(h.ecs, 'sim-test')).tasks?.length, 1, 'the default cluster still launches');
      await h.ecs.send(new ListTasksCommand({ cluster: 'x' }));
      assert.equal(h.sim.faults.list()[0].hits, 3);
      assert.equal(h.sim.audit().tasks.filter((t) => t.clusterArn.endsWith(':cluster/x')).length, 0, 'a faulted call has no effect');
    } finally {
      assert.equal(h.sim.faults.remove(fault.id), true);
    }
    assert.equal((await runFargate(h.ecs, 'sim-test', { cluster: 'x' })).tasks?.length, 1);
  });

  test('a rule may name only an action (any cluster), choose the error, and expire after `times` calls', async () => {
    h.sim.faults.add({ action: 'RegisterTaskDefinition', status: 503, type: 'ServiceUnavailableException', message: 'down', times: 2 });
    for (let i = 0; i < 2; i += 1) {
      const error = await failure(() => h.ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition())));
      assert.deepEqual([error.name, error.status, error.message], ['ServiceUnavailableException', 503, 'down']);
    }
    await h.ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition()));
    assert.deepEqual(h.sim.faults.list(), []);
  });

  test('timeout mode holds the call: the client times out; clearing the rule answers held calls', async () => {
    const impatient = new ECSClient({ endpoint: h.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1, requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true } });
    try {
      h.sim.faults.add({ action: 'DescribeTasks', mode: 'timeout' });
      const error = await failure(() => impatient.send(new DescribeTasksCommand({ tasks: ['t'] })));
      assert.equal(error.name, 'TimeoutError');
      const held = failure(() => h.ecs.send(new DescribeTasksCommand({ tasks: ['t'] })));
      // Held once the rule has counted the second call.
      await eventually(async () => (h.sim.faults.list()[0]?.hits === 2 ? true : undefined));
      h.sim.faults.clear();
      assert.equal((await held).name, 'ServerException');
      assert.deepEqual((await h.ecs.send(new DescribeTasksCommand({ tasks: ['t'] }))).failures?.[0].reason, 'MISSING');
    } finally {
      impatient.destroy();
    }
  });

  test('the /_sim/faults admin routes add, list and clear rules', async () => {
    const added = await (await fetch(`${h.sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ action: 'StopTask' }) })).json() as { id: string };
    assert.match(added.id, /^fault-\d+$/);
    const listed = await (await fetch(`${h.sim.url}/_sim/faults`)).json() as { faults: Array<{ id: string; action: string; status: number; type: string }> };
    assert.deepEqual(listed.faults.map((f) => [f.id, f.action, f.status, f.type]), [[added.id, 'StopTask', 500, 'ServerException']]);
    const bad = await fetch(`${h.sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ action: 'StopTask', colour: 'red' }) });
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${h.sim.url}/_sim/faults/${added.id}`, { method: 'DELETE' })).status, 200);
    assert.equal((await fetch(`${h.sim.url}/_sim/faults/${added.id}`, { method: 'DELETE' })).status, 404);
  });

  test('scenario faults.persistent are active from the start and come back after reset; added ones do not', async () => {
    const s = await startHarness({ registrationDelayMs: 0, scenario: { faults: { persistent: [{ action: 'ListTasks' }] } } });
    try {
      assert.equal((await failure(() => s.ecs.send(new ListTasksCommand({})))).name, 'ServerException');
      s.sim.faults.clear();
      s.sim.faults.add({ action: 'DescribeTasks' });
      await s.ecs.send(new ListTasksCommand({}));
      s.sim.reset();
      assert.deepEqual(s.sim.faults.list().map((f) => f.action), ['ListTasks']);
    } finally {
      await s.close();
    }
  });
});
