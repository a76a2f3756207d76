/**
 * EC2, CloudWatch Logs and SQS are per account and Region, as ECS is (docs/simulator-peripherals.md "Accounts
 * and Regions"): each account-region has its own VPCs and subnets (which RunTask there validates against), its
 * own log groups (where its tasks' awslogs lines land), its own queues and its own throttle buckets. The
 * partition comes from the request's signature; a Region the account cannot use is refused in each protocol's
 * own error shape.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, GetLogEventsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateQueueCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { SIM_NETWORK } from '../ec2.js';
import { zoneIdPrefix } from '../ec2/network.js';
import {
  container, CREDENTIALS, defaultSubnets, env, failure, registerFargate, runFargate, startHarness, steppedClock, untilStopped, type SimHarness,
} from './helpers/ecs-sim.js';

const ROLE_ACCOUNT = '210987654321';
type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const open: SimHarness[] = [];
const clients: Array<{ destroy(): void }> = [];
after(async () => {
  for (const client of clients) client.destroy();
  await Promise.all(open.map((h) => h.close()));
});

async function harness(options: Parameters<typeof startHarness>[0] = {}): Promise<SimHarness> {
  const h = await startHarness({ accounts: [ROLE_ACCOUNT], ...options });
  open.push(h);
  return h;
}

const CLIENTS = { EC2Client, CloudWatchLogsClient, SQSClient, ECSClient, STSClient };
type ClientName = keyof typeof CLIENTS;

/** A real SDK client of `name` for the simulator, signed for `region` with `credentials`; destroyed after the tests. */
function client<N extends ClientName>(name: N, h: SimHarness, region: string, credentials: Credentials = CREDENTIALS): InstanceType<(typeof CLIENTS)[N]> {
  const made = new CLIENTS[name]({ endpoint: h.sim.url, region, credentials, maxAttempts: 1 }) as InstanceType<(typeof CLIENTS)[N]>;
  clients.push(made);
  return made;
}

async function roleKeys(h: SimHarness): Promise<Credentials> {
  const out = await client('STSClient', h, 'us-east-1').send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROLE_ACCOUNT}:role/launcher`, RoleSessionName: 'test' }));
  const c = out.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

describe('EC2 per account and Region', () => {
  test('the default account in the default Region keeps the fixed network; every other account-region has its own', async () => {
    const h = await harness();
    const home = await defaultSubnets(h.sim.url, 'us-east-1');
    assert.deepEqual(home, SIM_NETWORK.subnets.filter((s) => s.defaultForAz).map((s) => s.subnetId));
    const westClient = client('EC2Client', h, 'eu-west-1');
    const west = await defaultSubnets(h.sim.url, 'eu-west-1');
    const partner = await defaultSubnets(h.sim.url, 'us-east-1', await roleKeys(h));
    assert.equal(west.length, home.length);
    for (const ids of [west, partner]) for (const id of ids) assert.match(id, /^subnet-[0-9a-f]{17}$/);
    assert.equal(new Set([...home, ...west, ...partner]).size, home.length * 3, 'no subnet id is shared between account-regions');
    // Zones are the Region's own.
    const described = await westClient.send(new DescribeSubnetsCommand({ SubnetIds: west }));
    assert.deepEqual(described.Subnets?.map((s) => s.AvailabilityZone).sort(), ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    assert.ok(described.Subnets?.every((s) => s.AvailabilityZoneId?.startsWith('euw1-az')));
    // A subnet of one Region is unknown in another.
    const missing = await failure(() => westClient.send(new DescribeSubnetsCommand({ SubnetIds: [home[0]] })));
    assert.equal(missing.name, 'InvalidSubnetID.NotFound');
  });

  test('RunTask validates subnets against its own account-region\'s network', async () => {
    const h = await harness();
    const west = client('ECSClient', h, 'eu-west-1');
    await registerFargate(west);
    // The helper's subnets are the default Region's: ECS in eu-west-1 does not know them.
    const refused = await failure(() => runFargate(west, 'sim-test'));
    assert.equal(refused.name, 'InvalidParameterException');
    assert.match(refused.message, /InvalidSubnetID\.NotFound/);
    const subnets = await defaultSubnets(h.sim.url, 'eu-west-1');
    const launched = await runFargate(west, 'sim-test', { networkConfiguration: { awsvpcConfiguration: { subnets } } });
    assert.match(launched.tasks?.[0]?.taskArn ?? '', /^arn:aws:ecs:eu-west-1:123456789012:task\//);
    assert.match(launched.tasks?.[0]?.availabilityZone ?? '', /^eu-west-1[abc]$/);
  });

  test('zone-id prefixes follow AWS\'s (use1, euw1, apse2, apne1, cac1)', () => {
    assert.deepEqual(['us-east-1', 'eu-west-1', 'ap-southeast-2', 'ap-northeast-1', 'ca-central-1'].map(zoneIdPrefix), ['use1', 'euw1', 'apse2', 'apne1', 'cac1']);
  });
});

describe('CloudWatch Logs per account and Region', () => {
  test('a log group lives in one account-region', async () => {
    const h = await harness();
    const west = client('CloudWatchLogsClient', h, 'eu-west-1');
    await west.send(new CreateLogGroupCommand({ logGroupName: 'app' }));
    await west.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: 's' }));
    await west.send(new PutLogEventsCommand({ logGroupName: 'app', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'hello' }] }));
    const read = await west.send(new GetLogEventsCommand({ logGroupName: 'app', logStreamName: 's', startFromHead: true }));
    assert.deepEqual(read.events?.map((e) => e.message), ['hello']);
    for (const other of [client('CloudWatchLogsClient', h, 'us-east-1'), client('CloudWatchLogsClient', h, 'eu-west-1', await roleKeys(h))]) {
      const missing = await failure(() => other.send(new GetLogEventsCommand({ logGroupName: 'app', logStreamName: 's' })));
      assert.equal(missing.name, 'ResourceNotFoundException');
    }
  });

  test('a task\'s awslogs lines land in its account and the Region awslogs-region names', async () => {
    const h = await harness();
    const region = 'ap-southeast-2';
    const ecs = client('ECSClient', h, region);
    await registerFargate(ecs, {
      family: 'printer',
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
      containerDefinitions: [container({
        environment: env({ SIM_RUN_SECONDS: '1', SIM_LOG_LINES: '3' }),
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/longshore/printer', 'awslogs-region': region, 'awslogs-stream-prefix': 'run' } },
      })],
    });
    const subnets = await defaultSubnets(h.sim.url, region);
    const taskArn = (await runFargate(ecs, 'printer', { networkConfiguration: { awsvpcConfiguration: { subnets } } })).tasks?.[0]?.taskArn ?? '';
    await untilStopped(ecs, taskArn);
    const stream = { logGroupName: '/longshore/printer', logStreamName: `run/main/${taskArn.split('/').pop() ?? ''}`, startFromHead: true };
    const read = await client('CloudWatchLogsClient', h, region).send(new GetLogEventsCommand(stream));
    assert.deepEqual(read.events?.map((e) => e.message), ['log line 1 of 3', 'log line 2 of 3', 'log line 3 of 3']);
    const elsewhere = await failure(() => client('CloudWatchLogsClient', h, 'us-east-1').send(new GetLogEventsCommand(stream)));
    assert.equal(elsewhere.name, 'ResourceNotFoundException');
  });

  test('GetLogEvents is throttled per account-region', async () => {
    const clock = steppedClock();
    const h = await harness({ scheduler: clock.scheduler });
    for (const region of ['us-east-1', 'eu-west-1']) {
      const logs = client('CloudWatchLogsClient', h, region);
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'g' }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'g', logStreamName: 's' }));
    }
    const east = client('CloudWatchLogsClient', h, 'us-east-1');
    let throttled = false;
    for (let i = 0; i < 50 && !throttled; i += 1) {
      const error = await east.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's' })).then(() => undefined, (e: Error) => e);
      if (error !== undefined) {
        assert.equal(error.name, 'ThrottlingException');
        throttled = true;
      }
    }
    assert.ok(throttled, 'us-east-1 GetLogEvents was never throttled');
    const west = await client('CloudWatchLogsClient', h, 'eu-west-1').send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's' }));
    assert.deepEqual(west.events, []);
  });
});

describe('SQS per account and Region', () => {
  test('a queue lives in one account-region, and its ARN names both', async () => {
    const h = await harness();
    const west = client('SQSClient', h, 'eu-west-1');
    const created = await west.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    assert.match(created.QueueUrl ?? '', /\/123456789012\/jobs$/);
    assert.equal((await west.send(new GetQueueUrlCommand({ QueueName: 'jobs' }))).QueueUrl, created.QueueUrl);
    for (const other of [client('SQSClient', h, 'us-east-1'), client('SQSClient', h, 'eu-west-1', await roleKeys(h))]) {
      assert.equal((await failure(() => other.send(new GetQueueUrlCommand({ QueueName: 'jobs' })))).name, 'QueueDoesNotExist');
    }
    const partner = await client('SQSClient', h, 'eu-west-1', await roleKeys(h)).send(new CreateQueueCommand({ QueueName: 'jobs' }));
    assert.match(partner.QueueUrl ?? '', new RegExp(`/${ROLE_ACCOUNT}/jobs$`));
  });

  test('the task-event queue is the default account-region\'s', async () => {
    const h = await harness();
    const name = h.sim.eventQueueUrl.split('/').pop() ?? '';
    assert.equal((await client('SQSClient', h, 'us-east-1').send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl, h.sim.eventQueueUrl);
    assert.equal((await failure(() => client('SQSClient', h, 'eu-west-1').send(new GetQueueUrlCommand({ QueueName: name })))).name, 'QueueDoesNotExist');
  });

  test('by default every account-region\'s task events go to the default account-region\'s queue', async () => {
    const h = await harness();
    const taskArn = await runInRegion(h, 'eu-west-1');
    const home = await receiveAll(client('SQSClient', h, 'us-east-1'), h.sim.eventQueueUrl);
    assert.ok(home.some((event) => event.region === 'eu-west-1' && event.detail.taskArn === taskArn));
  });

  test('with events.delivery own-account-region, a task\'s events go to the queue of its own account and Region, kept by reset', async () => {
    const h = await harness({ scenario: { events: { delivery: 'own-account-region' } } });
    const westUrl = h.sim.eventQueueUrlFor('123456789012', 'eu-west-1');
    assert.equal(westUrl, `http://sqs.eu-west-1.amazonaws.com:${h.sim.port}/123456789012/longshore-task-events`);
    assert.equal(h.sim.eventQueueUrlFor('123456789012', 'us-east-1'), h.sim.eventQueueUrl, 'the default account-region\'s is the one queue it always had');
    const partnerUrl = h.sim.eventQueueUrlFor(ROLE_ACCOUNT, 'ap-southeast-2');
    assert.match(partnerUrl, new RegExp(`^http://sqs\\.ap-southeast-2\\.amazonaws\\.com:\\d+/${ROLE_ACCOUNT}/longshore-task-events$`));
    h.sim.reset();
    const taskArn = await runInRegion(h, 'eu-west-1');
    const west = await receiveAll(client('SQSClient', h, 'eu-west-1'), westUrl);
    assert.ok(west.length > 0 && west.every((event) => event.region === 'eu-west-1' && event.account === '123456789012' && event.detail.taskArn === taskArn));
    assert.deepEqual(await receiveAll(client('SQSClient', h, 'us-east-1'), h.sim.eventQueueUrl), [], 'nothing of eu-west-1 in the home queue');
    const partnerKeys = await roleKeys(h);
    const partnerArn = await runInRegion(h, 'ap-southeast-2', partnerKeys);
    const partner = await receiveAll(client('SQSClient', h, 'ap-southeast-2', partnerKeys), partnerUrl);
    assert.ok(partner.length > 0 && partner.every((event) => event.account === ROLE_ACCOUNT && event.detail.taskArn === partnerArn));
  });
});

/** Runs a one-second task in `region` (default network there) and waits until it stopped; its ARN. */
async function runInRegion(h: SimHarness, region: string, credentials: Credentials = CREDENTIALS): Promise<string> {
  const ecs = client('ECSClient', h, region, credentials);
  await registerFargate(ecs, { family: 'evented', containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '1' }) })] });
  const subnets = await defaultSubnets(h.sim.url, region, credentials);
  const taskArn = (await runFargate(ecs, 'evented', { networkConfiguration: { awsvpcConfiguration: { subnets } } })).tasks?.[0]?.taskArn ?? '';
  await untilStopped(ecs, taskArn);
  return taskArn;
}

/** Every event waiting in a queue (one short receive after another until none is left). */
async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<Array<{ account: string; region: string; detail: { taskArn: string } }>> {
  const events: Array<{ account: string; region: string; detail: { taskArn: string } }> = [];
  for (;;) {
    const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    if (page.Messages === undefined || page.Messages.length === 0) return events;
    for (const message of page.Messages) events.push(JSON.parse(message.Body ?? '{}') as { account: string; region: string; detail: { taskArn: string } });
  }
}

describe('a Region the account cannot use', () => {
  test('each protocol refuses it in its own error shape, and the refusal is audited', async () => {
    const h = await harness();
    const ec2 = await failure(() => client('EC2Client', h, 'af-south-1').send(new DescribeVpcsCommand({})));
    assert.equal(ec2.name, 'AuthFailure');
    const logs = await failure(() => client('CloudWatchLogsClient', h, 'af-south-1').send(new CreateLogGroupCommand({ logGroupName: 'x' })));
    assert.equal(logs.name, 'UnrecognizedClientException');
    const sqs = await failure(() => client('SQSClient', h, 'af-south-1').send(new CreateQueueCommand({ QueueName: 'x' })));
    assert.equal(sqs.name, 'InvalidClientTokenId');
    assert.equal(sqs.status, 403);
    const calls = h.sim.audit().calls;
    for (const action of ['DescribeVpcs', 'CreateLogGroup', 'CreateQueue']) assert.equal(calls[action]?.error, 1, action);
  });
});
