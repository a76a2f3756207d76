/**
 * Rules where ECS rejects what a lax simulator would accept (issue 7): each answered with ECS's exception
 * type through the real SDK. Sources are in docs/simulator.md.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ListTasksCommand } from '@aws-sdk/client-ecs';
import { env, failure, registerFargate, runFargate, startHarness, type SimHarness } from './helpers/ecs-sim.js';

/** Keeps a task RUNNING for the whole test (the default run is 10 simulated seconds, 10 ms at scale 1000). */
const LONG_RUN = { containerOverrides: [{ name: 'main', environment: env({ SIM_RUN_SECONDS: '3600' }) }] };

let h: SimHarness;
before(async () => {
  h = await startHarness({ registrationDelayMs: 0, throttling: false });
  await registerFargate(h.ecs);
});
after(() => h.close());

describe('ListTasks: startedBy must be the only filter', () => {
  test('startedBy with desiredStatus, family or launchType is an InvalidParameterException; alone (with cluster and paging) it lists', async () => {
    const arn = (await runFargate(h.ecs, 'sim-test', { startedBy: 'strict/alone', overrides: LONG_RUN })).tasks![0].taskArn!;
    for (const extra of [{ desiredStatus: 'RUNNING' as const }, { family: 'sim-test' }, { launchType: 'FARGATE' as const }]) {
      const error = await failure(() => h.ecs.send(new ListTasksCommand({ startedBy: 'strict/alone', ...extra })));
      assert.equal(error.name, 'InvalidParameterException', JSON.stringify(extra));
      assert.equal(error.status, 400);
    }
    const alone = await h.ecs.send(new ListTasksCommand({ cluster: 'default', startedBy: 'strict/alone', maxResults: 10 }));
    assert.deepEqual(alone.taskArns, [arn]);
  });
});
