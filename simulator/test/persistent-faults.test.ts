/**
 * Persistent faults through the real SDK: an outage per action and/or cluster that lasts until cleared
 * (in-process, over /_sim/faults, or from the scenario), as an HTTP 500 ServerException or a held call;
 * and the same for EC2, SQS and CloudWatch Logs, each failing with its own 5xx.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateClusterCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DescribeLogStreamsCommand, GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
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

describe('persistent faults for EC2, SQS and CloudWatch Logs', () => {
  let s: SimHarness;
  let ec2: EC2Client;
  let sqs: SQSClient;
  let logs: CloudWatchLogsClient;
  // maxAttempts 1: the SDK would otherwise retry each 5xx before the test sees it.
  const clientConfig = (): { endpoint: string; region: string; credentials: typeof CREDENTIALS; maxAttempts: number } =>
    ({ endpoint: s.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });

  before(async () => {
    s = await startHarness({ registrationDelayMs: 0, throttling: false });
    ec2 = new EC2Client(clientConfig());
    sqs = new SQSClient(clientConfig());
    logs = new CloudWatchLogsClient(clientConfig());
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'g' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'g', logStreamName: 's' }));
  });
  after(async () => {
    ec2.destroy();
    sqs.destroy();
    logs.destroy();
    await s.close();
  });

  test('EC2: every DescribeSubnets is InternalError (HTTP 500, EC2 XML with a request id) until cleared; DescribeVpcs is untouched; Unavailable (503) on request', async () => {
    s.sim.faults.add({ service: 'ec2', action: 'DescribeSubnets' });
    for (let i = 0; i < 2; i += 1) {
      const error = await failure(() => ec2.send(new DescribeSubnetsCommand({})));
      assert.deepEqual([error.name, error.status, error.message], ['InternalError', 500, 'An internal error has occurred.']);
      assert.ok((error.error as { $metadata?: { requestId?: string } }).$metadata?.requestId);
    }
    assert.ok(((await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? []).length > 0);
    s.sim.faults.clear();
    assert.ok(((await ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? []).length > 0);
    s.sim.faults.add({ service: 'ec2', type: 'Unavailable', status: 503, message: "The server is overloaded and can't handle the request." });
    const overloaded = await failure(() => ec2.send(new DescribeVpcsCommand({})));
    assert.deepEqual([overloaded.name, overloaded.status], ['Unavailable', 503]);
    s.sim.faults.clear();
  });

  test('SQS: every ReceiveMessage is InternalFailure (HTTP 500) until cleared, SendMessage still works; ServiceUnavailable (503) on request', async () => {
    const queueUrl = s.sim.eventQueueUrl;
    s.sim.faults.add({ service: 'sqs', action: 'ReceiveMessage' });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'kept' }));
    const error = await failure(() => sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 })));
    assert.deepEqual([error.name, error.status], ['InternalFailure', 500]);
    s.sim.faults.clear();
    s.sim.faults.add({ service: 'sqs', type: 'ServiceUnavailable', status: 503, message: 'The request has failed due to a temporary failure of the server.', times: 1 });
    const unavailable = await failure(() => sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 })));
    assert.deepEqual([unavailable.name, unavailable.status], ['ServiceUnavailable', 503]);
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0, MaxNumberOfMessages: 10 }));
    assert.ok(received.Messages?.some((m) => m.Body === 'kept'), 'the message sent during the outage is delivered after it');
  });

  test('SQS timeout mode: a held ReceiveMessage times out on the client; clearing answers held calls with the error', async () => {
    const impatient = new SQSClient({ ...clientConfig(), requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true } });
    try {
      s.sim.faults.add({ service: 'sqs', action: 'ReceiveMessage', mode: 'timeout' });
      const error = await failure(() => impatient.send(new ReceiveMessageCommand({ QueueUrl: s.sim.eventQueueUrl, WaitTimeSeconds: 0 })));
      assert.equal(error.name, 'TimeoutError');
      const held = failure(() => sqs.send(new ReceiveMessageCommand({ QueueUrl: s.sim.eventQueueUrl, WaitTimeSeconds: 0 })));
      await eventually(async () => (s.sim.faults.list()[0]?.hits === 2 ? true : undefined));
      s.sim.faults.clear();
      assert.equal((await held).name, 'InternalFailure');
    } finally {
      impatient.destroy();
    }
  });

  test('CloudWatch Logs: every GetLogEvents is ServiceUnavailableException (HTTP 500) until cleared; other Logs actions are untouched', async () => {
    s.sim.faults.add({ service: 'logs', action: 'GetLogEvents' });
    const error = await failure(() => logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's' })));
    assert.deepEqual([error.name, error.status, error.message], ['ServiceUnavailableException', 500, 'The service cannot complete the request.']);
    await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'g' }));
    s.sim.faults.clear();
    assert.deepEqual((await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's' }))).events, []);
  });

  test('rules stay within their service: an ECS rule for every action leaves EC2, SQS and Logs alone; cluster is for ECS rules only', async () => {
    s.sim.faults.add({});
    try {
      await ec2.send(new DescribeVpcsCommand({}));
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: s.sim.eventQueueUrl, AttributeNames: ['All'] }));
      await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'g' }));
      assert.equal((await failure(() => s.ecs.send(new ListTasksCommand({})))).name, 'ServerException');
    } finally {
      s.sim.faults.clear();
    }
    assert.throws(() => s.sim.faults.add({ service: 'sqs', cluster: 'x' }), /cluster applies to ECS rules only/);
    const bad = await fetch(`${s.sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ service: 'dynamodb' }) });
    assert.equal(bad.status, 400);
    const added = await (await fetch(`${s.sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ service: 'logs' }) })).json() as { type: string; status: number };
    assert.deepEqual([added.type, added.status], ['ServiceUnavailableException', 500]);
    s.sim.faults.clear();
  });
});
