/**
 * Pools in several Regions and accounts, end to end through the controller's own wiring (clients per
 * Region and role, budgets per account-region: controller/aws/routed-gateway.ts) against the simulator,
 * which keeps ECS per account and Region and serves STS AssumeRole.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisBudgets } from '../../controller/aws/redis-budgets.js';
import { DEFAULT_BUDGETS } from '../../controller/aws/budgets.js';
import { budgetKeyParts } from '../../controller/aws/budget-keys.js';
import { allStopped, fargatePool, startRunHarness, type RunHarness } from './run-harness.js';

const ROLE_ACCOUNT = '210987654321';
const ROLE_ARN = `arn:aws:iam::${ROLE_ACCOUNT}:role/longshore-launcher`;

const open: RunHarness[] = [];
after(async () => {
  await Promise.all(open.map((h) => h.close()));
});

async function harness(pools: object[], extra: Partial<Parameters<typeof startRunHarness>[0]> = {}): Promise<RunHarness> {
  const h = await startRunHarness({ timeScale: 20, pools, accounts: [ROLE_ACCOUNT], ...extra });
  open.push(h);
  return h;
}

describe('pools in several Regions and accounts', () => {
  test('two pools in two Regions launch in their own Regions, each spending its own account-region budget', async () => {
    const h = await harness([fargatePool('east', { region: 'us-east-1' }), fargatePool('west', { region: 'eu-west-1' })]);
    await h.submitRun('run-east', 'east');
    await h.submitRun('run-west', 'west');
    const runs = await h.driveUntil(['run-east', 'run-west'], allStopped);
    for (const run of runs) assert.equal(run.status.outcome, 'succeeded', `${run.metadata.name}: ${run.status.message}`);
    assert.match(h.tasksOf('run-east')[0]?.taskArn ?? '', /^arn:aws:ecs:us-east-1:123456789012:task\//);
    assert.match(h.tasksOf('run-west')[0]?.taskArn ?? '', /^arn:aws:ecs:eu-west-1:123456789012:task\//);
    // Each Region registered its own definition (a definition is regional).
    assert.match(runs.find((r) => r.metadata.name === 'run-west')?.status.taskDefinitionArn ?? '', /^arn:aws:ecs:eu-west-1:/);
    // The home account-region keeps the installation's old keys; eu-west-1 has its own buckets.
    const ks = h.store.keyspace;
    assert.equal(await h.redis.exists(ks.key('budget', 'fargateLaunches')), 1);
    assert.equal(await h.redis.exists(ks.key('budget', 'default', 'eu-west-1', 'fargateLaunches')), 1);
  });

  test('a pool with roleArn launches in the role account', async () => {
    const h = await harness([fargatePool('partner', { region: 'us-west-2', roleArn: ROLE_ARN, externalId: 'team-a' })]);
    await h.submitRun('run-partner', 'partner');
    const [run] = await h.driveUntil(['run-partner'], allStopped);
    assert.equal(run.status.outcome, 'succeeded', run.status.message);
    assert.match(h.tasksOf('run-partner')[0]?.taskArn ?? '', new RegExp(`^arn:aws:ecs:us-west-2:${ROLE_ACCOUNT}:task/`));
    assert.equal(await h.redis.exists(h.store.keyspace.key('budget', ROLE_ACCOUNT, 'us-west-2', 'fargateLaunches')), 1);
  });

  test('a throttle in one account-region slows only that account-region', async () => {
    // eu-west-1's DescribeClusters bucket holds one call; us-east-1's is AWS's.
    const h = await harness([], { throttling: { clusterRead: { capacity: 1, refillPerSecond: 0.001 } } });
    const west = { target: { region: 'eu-west-1' }, wait: false };
    await h.gateway.describeClusters({ clusters: ['default'] }, west);
    await assert.rejects(h.gateway.describeClusters({ clusters: ['default'] }, west), (error: Error) => /ThrottlingException/.test(error.message));
    const ks = h.store.keyspace;
    const levelOf = (region: string) => new RedisBudgets({
      redis: h.redis, budgets: DEFAULT_BUDGETS, bucketKey: (c) => ks.key(...budgetKeyParts({ account: 'default', region }, { region: 'us-east-1' }, c)),
    }).level('clusterRead');
    const westLevel = await levelOf('eu-west-1');
    const homeLevel = await levelOf('us-east-1');
    assert.ok(westLevel.rateFactor < 1, `eu-west-1 slowed down (factor ${westLevel.rateFactor})`);
    assert.equal(homeLevel.rateFactor, 1);
  });

  test('a pool in a Region the account cannot use fails with a clear message, launching nowhere', async () => {
    const h = await harness([fargatePool('cape', { region: 'af-south-1' })]);
    await h.submitRun('run-cape', 'cape');
    const [run] = await h.driveUntil(['run-cape'], allStopped);
    assert.equal(run.status.outcome, 'failed');
    assert.match(run.status.message ?? '', /UnrecognizedClientException|security token included in the request is invalid/);
    assert.match(run.status.message ?? '', /af-south-1/);
    assert.deepEqual(h.tasksOf('run-cape'), []);
  });

  test('a pool whose role is in an account that does not exist fails with a clear message, launching nowhere', async () => {
    const h = await harness([fargatePool('ghost', { roleArn: 'arn:aws:iam::999999999999:role/nobody' })]);
    await h.submitRun('run-ghost', 'ghost');
    const [run] = await h.driveUntil(['run-ghost'], allStopped);
    assert.equal(run.status.outcome, 'failed');
    assert.match(run.status.message ?? '', /could not assume role arn:aws:iam::999999999999:role\/nobody/);
    assert.deepEqual(h.tasksOf('run-ghost'), []);
  });
});

/**
 * A Region that does not exist has no endpoint names on AWS: every call fails its DNS lookup (ENOTFOUND) and
 * no AWS answer ever comes. The harness reaches the simulator through its model of AWS's names (sim.dns), so
 * the controller meets exactly that. The run says so at once, keeps backing off (a DNS outage looks the same)
 * and ends by its launch deadline.
 */
describe('a pool in a Region that does not exist', () => {
  const HOST = 'ecs.eu-fake-1.amazonaws.com';
  const MESSAGE = `ENOTFOUND: cannot resolve ${HOST}: the pool's region 'eu-fake-1' may not exist (check spec.region)`;
  const SHORT = { timeouts: { launchSeconds: 2 }, retry: { infrastructureAttempts: 1 } };
  const failedTries = (message: string | undefined) => Number(/(\d+) tr(?:y|ies) failed/.exec(message ?? '')?.[1] ?? 0);

  test('its registration says which name did not resolve, backs off, and the run crashes by the deadline', async () => {
    const h = await harness([fargatePool('nowhere', { region: 'eu-fake-1' })], { awsNames: true });
    // The same harness reaches an existing Region by its name (the model is not refusing everything).
    await h.gateway.describeClusters({ clusters: ['default'] }, { target: { region: 'eu-west-1' } });
    await h.submitRun('run-nowhere', 'nowhere', SHORT);
    const [waiting] = await h.driveUntil(['run-nowhere'], ([run]) => (run?.status.message ?? '').includes('ENOTFOUND'));
    assert.equal(waiting.status.phase, 'pending');
    assert.ok(waiting.status.message?.includes(MESSAGE), waiting.status.message);
    const resolved = waiting.status.conditions.find((c) => c.type === 'TaskDefinitionResolved');
    assert.deepEqual([resolved?.status, resolved?.reason], ['False', 'RegistrationFailing']);
    assert.ok(resolved?.message?.includes(MESSAGE), resolved?.message);

    const [run] = await h.driveUntil(['run-nowhere'], allStopped);
    const stopped = run.status.conditions.find((c) => c.type === 'Stopped');
    assert.deepEqual([run.status.outcome, stopped?.reason, run.status.attempts.length], ['crashed', 'RegistrationTimeout', 0]);
    assert.ok(run.status.message?.includes(MESSAGE), run.status.message);
    assert.deepEqual(h.tasksOf('run-nowhere'), []);
    // Each registration try looked the name up once, after a growing backoff (200 ms, 400 ms … full jitter):
    // a handful of tries in 2 s, where a loop without backoff would try at every 50 ms round of the harness.
    const lookups = h.sim.dns.lookups()[HOST] ?? 0;
    assert.ok(lookups >= 1 && lookups <= 20, `${lookups} lookups of ${HOST}`);
  });

  test('a pool naming a task definition ARN there fails its launch tries and ends LaunchTimeout, after a few tries', async () => {
    const arn = 'arn:aws:ecs:eu-fake-1:123456789012:task-definition/app:1';
    const h = await harness([{ apiVersion: 'longshore.dev/v1alpha1', kind: 'Pool', metadata: { name: 'nowhere-arn' }, spec: { region: 'eu-fake-1', taskDefinitionArn: arn } }], { awsNames: true });
    await h.submitRun('run-nowhere-arn', 'nowhere-arn', SHORT);
    const [failing] = await h.driveUntil(['run-nowhere-arn'], ([run]) => (run?.status.message ?? '').includes('ENOTFOUND'));
    assert.equal(failing.status.phase, 'taskdef-resolved');
    assert.ok(failing.status.message?.includes(MESSAGE), failing.status.message);
    const submitted = failing.status.conditions.find((c) => c.type === 'Submitted');
    assert.deepEqual([submitted?.status, submitted?.reason], ['False', 'LaunchFailing']);

    let tries = failedTries(failing.status.message);
    const [run] = await h.driveUntil(['run-nowhere-arn'], ([r]) => {
      tries = Math.max(tries, failedTries(r?.status.message));
      return allStopped([r].filter((x) => x !== undefined));
    });
    assert.deepEqual([run.status.outcome, run.status.attempts.length, run.status.attempts[0]?.failureReason], ['crashed', 1, 'LaunchTimeout']);
    assert.ok(run.status.message?.includes(MESSAGE), run.status.message);
    // The launch backoff (1 s, 2 s … equal jitter, so at least 0.5 s, 1 s …) leaves room for 3 tries in 2 s,
    // each one DescribeTaskDefinition, i.e. one lookup; nothing launched anywhere.
    const lookups = h.sim.dns.lookups()[HOST] ?? 0;
    assert.ok(tries >= 1 && tries <= 3, `${tries} failed tries`);
    assert.ok(lookups >= tries && lookups <= 4, `${lookups} lookups of ${HOST} for ${tries} failed tries`);
    assert.deepEqual(h.sim.audit().tasks, []);
  });
});
