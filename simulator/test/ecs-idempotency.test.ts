/**
 * RunTask clientToken idempotency (docs/ecs-facts.md#idempotency): replay with the same parameters, ConflictException
 * with resourceIds for different ones, scope per cluster, and the TTL of min(24 h, lifetime + 1 h).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateClusterCommand, DescribeTasksCommand, type ConflictException } from '@aws-sdk/client-ecs';
import {
  container, env, eventually, failure, registerFargate, runFargate, startHarness, steppedClock, type SimHarness,
} from './helpers/ecs-sim.js';

let h: SimHarness;
before(async () => {
  h = await startHarness();
  await registerFargate(h.ecs, { containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '3600' }) })] });
  await h.ecs.send(new CreateClusterCommand({ clusterName: 'other' }));
});
after(() => h.close());

describe('RunTask clientToken', () => {
  test('the same token and parameters return the original tasks without launching new ones', async () => {
    const first = await runFargate(h.ecs, 'sim-test', { clientToken: 'run-1:attempt-1', count: 2, startedBy: 'longshore' });
    const launchedBefore = h.sim.audit().tasks.length;
    const again = await runFargate(h.ecs, 'sim-test', { clientToken: 'run-1:attempt-1', count: 2, startedBy: 'longshore' });
    assert.deepEqual(again.tasks?.map((t) => t.taskArn), first.tasks?.map((t) => t.taskArn));
    assert.equal(h.sim.audit().tasks.length, launchedBefore);
    assert.ok(h.sim.audit().tasks.some((t) => t.clientToken === 'run-1:attempt-1'));
  });

  test('the same token with different parameters is a ConflictException naming the existing tasks', async () => {
    const first = await runFargate(h.ecs, 'sim-test', { clientToken: 'run-2:attempt-1', startedBy: 'longshore' });
    const error = await failure(() => runFargate(h.ecs, 'sim-test', { clientToken: 'run-2:attempt-1', startedBy: 'someone-else' }));
    assert.equal(error.name, 'ConflictException');
    assert.equal(error.status, 400);
    assert.deepEqual((error.error as ConflictException).resourceIds, [first.tasks![0].taskArn]);
  });

  test('tokens are scoped per cluster', async () => {
    const inDefault = await runFargate(h.ecs, 'sim-test', { clientToken: 'run-3:attempt-1' });
    const inOther = await runFargate(h.ecs, 'sim-test', { clientToken: 'run-3:attempt-1', cluster: 'other' });
    assert.notEqual(inOther.tasks![0].taskArn, inDefault.tasks![0].taskArn);
    assert.match(inOther.tasks![0].taskArn!, /:task\/other\//);
  });
});

describe('clientToken lifetime', () => {
  // A clock that stands still until the test moves it; at 1000x one simulated hour is 3600 real ms.
  const HOUR_REAL_MS = 3600;

  test('after the task stops, a replay shows only ARN and statuses, and an hour later the token is forgotten', async () => {
    const clock = steppedClock();
    const fast = await startHarness({ scheduler: clock.scheduler, stoppedTaskRetentionMs: 24 * 3600_000 });
    try {
      await registerFargate(fast.ecs, { containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '1' }) })] });
      const arn = (await runFargate(fast.ecs, 'sim-test', { clientToken: 'short-lived' })).tasks![0].taskArn!;
      await eventually(async () => {
        const out = await fast.ecs.send(new DescribeTasksCommand({ tasks: [arn] }));
        return out.tasks?.[0].lastStatus === 'STOPPED' ? true : undefined;
      });
      const replay = await runFargate(fast.ecs, 'sim-test', { clientToken: 'short-lived' });
      assert.deepEqual(replay.tasks, [{ taskArn: arn, lastStatus: 'STOPPED', desiredStatus: 'STOPPED' }]);
      clock.advance(HOUR_REAL_MS - 1);
      assert.equal((await runFargate(fast.ecs, 'sim-test', { clientToken: 'short-lived' })).tasks![0].taskArn, arn);
      clock.advance(2);
      assert.notEqual((await runFargate(fast.ecs, 'sim-test', { clientToken: 'short-lived' })).tasks![0].taskArn, arn);
    } finally {
      await fast.close();
    }
  });

  test('a token whose task still runs is remembered for 24 hours at most', async () => {
    const clock = steppedClock();
    const fast = await startHarness({ scheduler: clock.scheduler });
    try {
      await registerFargate(fast.ecs, { containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '360000' }) })] });
      const arn = (await runFargate(fast.ecs, 'sim-test', { clientToken: 'long-runner' })).tasks![0].taskArn!;
      clock.advance(24 * HOUR_REAL_MS - 1);
      assert.equal((await runFargate(fast.ecs, 'sim-test', { clientToken: 'long-runner' })).tasks![0].taskArn, arn);
      clock.advance(2);
      assert.notEqual((await runFargate(fast.ecs, 'sim-test', { clientToken: 'long-runner' })).tasks![0].taskArn, arn);
    } finally {
      await fast.close();
    }
  });
});
