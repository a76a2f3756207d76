/**
 * ECS state, ARNs and throttles are per account and Region (docs/simulator.md "Accounts and Regions"): the
 * Region comes from each request's SigV4 credential scope, the account from its access key; STS AssumeRole
 * issues keys of the role's account. A Region the account cannot use answers UnrecognizedClientException.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeClustersCommand, DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CREDENTIALS, defaultSubnets, failure, registerFargate, runFargate, startHarness, steppedClock, type SimHarness } from './helpers/ecs-sim.js';

const ROLE_ACCOUNT = '210987654321';
const ROLE_ARN = `arn:aws:iam::${ROLE_ACCOUNT}:role/longshore-launcher`;
const GUARDED_ROLE_ARN = `arn:aws:iam::${ROLE_ACCOUNT}:role/guarded`;

const open: SimHarness[] = [];
const clients: Array<{ destroy(): void }> = [];
after(async () => {
  for (const client of clients) client.destroy();
  await Promise.all(open.map((h) => h.close()));
});

async function harness(options: Parameters<typeof startHarness>[0] = {}): Promise<SimHarness> {
  const h = await startHarness({ accounts: [ROLE_ACCOUNT], externalIds: { [GUARDED_ROLE_ARN]: 'team-a' }, ...options });
  open.push(h);
  return h;
}

function ecsIn(h: SimHarness, region: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = CREDENTIALS): ECSClient {
  const client = new ECSClient({ endpoint: h.sim.url, region, credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
}

function sts(h: SimHarness, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = CREDENTIALS): STSClient {
  const client = new STSClient({ endpoint: h.sim.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
}

async function assumed(h: SimHarness, roleArn: string, externalId?: string): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const out = await sts(h).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'longshore', ExternalId: externalId }));
  const c = out.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken && c.Expiration);
  assert.ok(c.Expiration.getTime() > Date.now());
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

describe('Regions', () => {
  test('each Region has its own task definitions and tasks, and its ARNs name it', async () => {
    const h = await harness();
    const east = ecsIn(h, 'us-east-1');
    const west = ecsIn(h, 'eu-west-1');
    const eastDefinition = await registerFargate(east);
    const westDefinition = await registerFargate(west);
    assert.match(eastDefinition, /^arn:aws:ecs:us-east-1:123456789012:task-definition\/sim-test:1$/);
    assert.match(westDefinition, /^arn:aws:ecs:eu-west-1:123456789012:task-definition\/sim-test:1$/);
    // Each Region has its own network: the task goes into eu-west-1's default subnets.
    const westSubnets = await defaultSubnets(h.sim.url, 'eu-west-1');
    const westTask = (await runFargate(west, 'sim-test', { networkConfiguration: { awsvpcConfiguration: { subnets: westSubnets } } })).tasks?.[0]?.taskArn ?? '';
    assert.match(westTask, /^arn:aws:ecs:eu-west-1:123456789012:task\/default\//);
    // The task is not in us-east-1: ECS there answers MISSING for it.
    const fromEast = await east.send(new DescribeTasksCommand({ tasks: [westTask] }));
    assert.deepEqual(fromEast.tasks, []);
    assert.equal(fromEast.failures?.[0]?.reason, 'MISSING');
    // A task definition registered in other Regions is unknown in eu-north-1.
    const north = ecsIn(h, 'eu-north-1');
    const refused = await failure(() => runFargate(north, 'sim-test'));
    assert.equal(refused.name, 'ClientException');
  });

  test('throttles are per Region: an exhausted bucket in one Region leaves another untouched', async () => {
    const clock = steppedClock();
    const h = await harness({ scheduler: clock.scheduler });
    const east = ecsIn(h, 'us-east-1');
    const west = ecsIn(h, 'eu-west-1');
    let throttled = false;
    for (let i = 0; i < 200 && !throttled; i += 1) {
      try {
        await east.send(new DescribeClustersCommand({ clusters: ['default'] }));
      } catch (error) {
        assert.equal((error as Error).name, 'ThrottlingException');
        throttled = true;
      }
    }
    assert.ok(throttled, 'us-east-1 DescribeClusters was never throttled');
    const answer = await west.send(new DescribeClustersCommand({ clusters: ['default'] }));
    assert.equal(answer.clusters?.[0]?.clusterArn, 'arn:aws:ecs:eu-west-1:123456789012:cluster/default');
  });

  test('a Region the account cannot use answers UnrecognizedClientException', async () => {
    const h = await harness();
    const optIn = await failure(() => ecsIn(h, 'af-south-1').send(new DescribeClustersCommand({})));
    assert.equal(optIn.name, 'UnrecognizedClientException');
    assert.equal(optIn.status, 400);
    assert.equal(optIn.message, 'The security token included in the request is invalid.');
    const made = await failure(() => ecsIn(h, 'xx-nowhere-9').send(new DescribeClustersCommand({})));
    assert.equal(made.name, 'UnrecognizedClientException');
  });

  test('through its DNS model, a Region that does not exist has no name: ENOTFOUND, and no call arrives', async () => {
    const h = await harness();
    const ecsByName = (region: string) => {
      const client = new ECSClient({
        endpoint: h.sim.dns.regionalUrl.replace('{service}', 'ecs').replace('{region}', region), region, credentials: CREDENTIALS, maxAttempts: 1,
        requestHandler: { httpAgent: { lookup: h.sim.dns.lookup } },
      });
      clients.push(client);
      return client;
    };
    const answer = await ecsByName('eu-west-1').send(new DescribeClustersCommand({ clusters: ['default'] }));
    assert.equal(answer.clusters?.[0]?.clusterArn, 'arn:aws:ecs:eu-west-1:123456789012:cluster/default');
    // An opt-in Region exists (its names resolve) though the account has not enabled it: AWS answers.
    assert.equal((await failure(() => ecsByName('af-south-1').send(new DescribeClustersCommand({})))).name, 'UnrecognizedClientException');
    const callsBefore = h.sim.audit().calls.DescribeClusters;
    const missing = (await failure(() => ecsByName('eu-fake-1').send(new DescribeClustersCommand({})))).error as Error & { code?: string; hostname?: string };
    assert.deepEqual([missing.code, missing.hostname, missing.message], ['ENOTFOUND', 'ecs.eu-fake-1.amazonaws.com', 'getaddrinfo ENOTFOUND ecs.eu-fake-1.amazonaws.com']);
    assert.deepEqual(h.sim.audit().calls.DescribeClusters, callsBefore);
    assert.equal(h.sim.dns.lookups()['ecs.eu-fake-1.amazonaws.com'], 1);
  });

  test('a Region served though not in AWS_REGIONS (a Region newer than the list) has names', async () => {
    const h = await harness({ regions: ['xx-newer-1'] });
    await new Promise<void>((resolve, reject) => {
      h.sim.dns.lookup('ecs.xx-newer-1.amazonaws.com', {}, (error, address) => (error ? reject(error) : (assert.equal(address, '127.0.0.1'), resolve())));
    });
  });

  test('the served Regions are configurable', async () => {
    const h = await harness({ regions: ['af-south-1'] });
    const answer = await ecsIn(h, 'af-south-1').send(new DescribeClustersCommand({ clusters: ['default'] }));
    assert.equal(answer.clusters?.[0]?.clusterArn, 'arn:aws:ecs:af-south-1:123456789012:cluster/default');
    assert.equal((await failure(() => ecsIn(h, 'eu-west-1').send(new DescribeClustersCommand({})))).name, 'UnrecognizedClientException');
  });
});

describe('accounts and STS', () => {
  test('GetCallerIdentity: an unknown access key belongs to the default account', async () => {
    const h = await harness();
    const identity = await sts(h).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, '123456789012');
  });

  test('AssumeRole issues keys of the role account; ECS calls with them land in that account', async () => {
    const h = await harness();
    const keys = await assumed(h, ROLE_ARN);
    const identity = await sts(h, keys).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, ROLE_ACCOUNT);
    assert.equal(identity.Arn, `arn:aws:sts::${ROLE_ACCOUNT}:assumed-role/longshore-launcher/longshore`);
    const roleEcs = ecsIn(h, 'us-west-2', keys);
    await registerFargate(roleEcs);
    const subnets = await defaultSubnets(h.sim.url, 'us-west-2', keys);
    const taskArn = (await runFargate(roleEcs, 'sim-test', { networkConfiguration: { awsvpcConfiguration: { subnets } } })).tasks?.[0]?.taskArn ?? '';
    assert.match(taskArn, new RegExp(`^arn:aws:ecs:us-west-2:${ROLE_ACCOUNT}:task/default/`));
    // The default account in the same Region has no such task definition.
    assert.equal((await failure(() => runFargate(ecsIn(h, 'us-west-2'), 'sim-test'))).name, 'ClientException');
  });

  test('a role in an account the simulator does not know, or without its external id, is AccessDenied', async () => {
    const h = await harness();
    const unknown = await failure(() => sts(h).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::999999999999:role/x', RoleSessionName: 'longshore' })));
    assert.equal(unknown.name, 'AccessDenied');
    assert.equal(unknown.status, 403);
    assert.match(unknown.message, /is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::999999999999:role\/x/);
    assert.equal((await failure(() => assumed(h, GUARDED_ROLE_ARN))).name, 'AccessDenied');
    assert.equal((await failure(() => assumed(h, GUARDED_ROLE_ARN, 'team-b'))).name, 'AccessDenied');
    const keys = await assumed(h, GUARDED_ROLE_ARN, 'team-a');
    assert.equal((await sts(h, keys).send(new GetCallerIdentityCommand({}))).Account, ROLE_ACCOUNT);
  });

  test('AssumeRole validates its parameters as STS does', async () => {
    const h = await harness();
    const shortName = await failure(() => sts(h).send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'x' })));
    assert.equal(shortName.name, 'ValidationError');
    assert.equal(shortName.status, 400);
    const long = await failure(() => sts(h).send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'ok-name', DurationSeconds: 7200 })));
    assert.equal(long.message, 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    assert.equal((await failure(() => sts(h).send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'ok-name', DurationSeconds: 60 })))).name, 'ValidationError');
  });
});
