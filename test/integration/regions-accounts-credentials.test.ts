/**
 * The credentials of a pool with `roleArn` (controller/aws/clients.ts): one STS AssumeRole serves every
 * call of that pool, whichever client (ECS, EC2) and whichever path (launch, resync) makes it, and the
 * session is assumed again shortly before it expires, never used past its end. Counted through the
 * simulator's audit of calls; expiry is driven by the clock both the SDK and the simulator judge sessions
 * by (Date, mocked through node:test's timers), so nothing waits for real time.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeClustersCommand, ECSClient } from '@aws-sdk/client-ecs';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { RunningSimulator } from '@longshore/simulator';
import { allStopped, fargatePool, startRunHarness, type RunHarness } from './run-harness.js';

const ROLE_ACCOUNT = '210987654321';
const ROLE_ARN = `arn:aws:iam::${ROLE_ACCOUNT}:role/longshore-launcher`;
const TARGET = { region: 'us-west-2', roleArn: ROLE_ARN, externalId: 'team-a' };
/** The run harness's own keys (the controller's credentials, which sign AssumeRole). */
const CONTROLLER_KEYS = { accessKeyId: 'test', secretAccessKey: 'test' };
const MINUTE = 60_000;

const open: RunHarness[] = [];
after(async () => {
  await Promise.all(open.map((h) => h.close()));
});

const assumed = (sim: RunningSimulator) => sim.audit().calls.AssumeRole ?? { ok: 0, throttled: 0, error: 0 };

/**
 * An ECS client on one session of the role, assumed now and never refreshed (static keys, no expiration
 * for the SDK to act on): the control that shows when the simulator stops accepting a session.
 */
async function fixedSession(sim: RunningSimulator): Promise<ECSClient> {
  const credentials = await fromTemporaryCredentials({
    params: { RoleArn: ROLE_ARN, RoleSessionName: 'control', DurationSeconds: 3600, ExternalId: 'team-a' },
    masterCredentials: CONTROLLER_KEYS,
    clientConfig: { region: TARGET.region, endpoint: sim.url },
  })();
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  return new ECSClient({ region: TARGET.region, endpoint: sim.url, maxAttempts: 1, credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } });
}

describe('credentials of a pool with roleArn', () => {
  test('every call of the pool, through every client and path, shares one assumed session', async () => {
    const h = await startRunHarness({ timeScale: 20, pools: [fargatePool('partner', TARGET)], accounts: [ROLE_ACCOUNT] });
    open.push(h);
    const names = ['cached-1', 'cached-2', 'cached-3'];
    for (const name of names) await h.submitRun(name, 'partner');
    const runs = await h.driveUntil(names, allStopped);
    for (const run of runs) assert.equal(run.status.outcome, 'succeeded', `${run.metadata.name}: ${run.status.message}`);
    for (const name of names) assert.match(h.tasksOf(name)[0]?.taskArn ?? '', new RegExp(`^arn:aws:ecs:us-west-2:${ROLE_ACCOUNT}:task/`));

    const calls = h.sim.audit().calls;
    // Many signed calls in the role's account-region, through two clients: registration, network inference
    // (the EC2 client), launches, and the describes of the runs and of resync.
    const signed = ['RegisterTaskDefinition', 'DescribeVpcs', 'DescribeSubnets', 'RunTask', 'DescribeTasks'];
    for (const action of signed) assert.ok((calls[action]?.ok ?? 0) >= 1, `${action} was called: ${JSON.stringify(calls)}`);
    const total = signed.reduce((sum, action) => sum + (calls[action]?.ok ?? 0), 0);
    assert.ok(total >= 10, `${total} calls`);
    assert.deepEqual(assumed(h.sim), { ok: 1, throttled: 0, error: 0 });
  });

  test('a session near its end is assumed again before the next call, and the old one is never used after it', async (t) => {
    // Date only: the simulator's STS dates its sessions by Date.now, and the SDK judges them by it too;
    // timers stay real, so Redis, sockets and the simulator's lifecycle run as usual.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const h = await startRunHarness({ timeScale: 20, pools: [fargatePool('partner', TARGET)], accounts: [ROLE_ACCOUNT] });
    try {
      const call = () => h.gateway.describeClusters({ clusters: ['default'] }, { target: TARGET, wait: false });
      const control = await fixedSession(h.sim);
      const controlCall = () => control.send(new DescribeClustersCommand({ clusters: ['default'] }));
      assert.equal(assumed(h.sim).ok, 1, 'the control session');

      await call();
      await call();
      assert.equal(assumed(h.sim).ok, 2, 'the pool assumes its role once, on its first call');

      // The sessions (one hour, clients.ts) have 6 minutes left: outside the SDK's refresh window of 5.
      t.mock.timers.tick(54 * MINUTE);
      await call();
      assert.equal(assumed(h.sim).ok, 2, 'a session with 6 minutes left is kept');

      // 4 minutes left: the simulator still accepts that session, yet the next call assumes the role again.
      t.mock.timers.tick(2 * MINUTE);
      await controlCall();
      await call();
      assert.equal(assumed(h.sim).ok, 3, 'a session with 4 minutes left is replaced before the call');
      await call();
      assert.equal(assumed(h.sim).ok, 3, 'the new session is cached in turn');

      // Past the first sessions' end: the simulator refuses them (the control), and the pool's calls, on
      // the new session, go through without a single refusal.
      t.mock.timers.tick(5 * MINUTE);
      await assert.rejects(controlCall(), (error: Error) => error.name === 'ExpiredTokenException');
      await call();
      assert.equal(assumed(h.sim).ok, 3);
      assert.equal(h.sim.audit().calls.DescribeClusters?.ok, 7, 'six calls of the pool and one of the control');
      assert.equal(h.sim.audit().calls.DescribeClusters?.error, 1, 'only the control was refused');
      control.destroy();
    } finally {
      await h.close();
    }
  });
});
