/**
 * Every answer carries a request id in x-amzn-RequestId, successes and errors alike, for each protocol the
 * simulator speaks; the SDK surfaces it as `$metadata.requestId`. EC2 repeats it in its XML body.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudWatchLogsClient, CreateLogGroupCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTasksCommand, ListClustersCommand } from '@aws-sdk/client-ecs';
import { CreateQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CREDENTIALS, failure, startHarness, type SimHarness } from './helpers/ecs-sim.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let h: SimHarness;
before(async () => {
  h = await startHarness({ throttling: false });
});
after(() => h.close());

function requestIdOfError(error: unknown): string | undefined {
  return (error as { $metadata?: { requestId?: string } }).$metadata?.requestId;
}

describe('x-amzn-RequestId on every answer', () => {
  test('ECS: a success and an error both carry a request id, a fresh one per call', async () => {
    const one = await h.ecs.send(new ListClustersCommand({}));
    const two = await h.ecs.send(new ListClustersCommand({}));
    assert.match(one.$metadata.requestId ?? '', UUID);
    assert.match(two.$metadata.requestId ?? '', UUID);
    assert.notEqual(one.$metadata.requestId, two.$metadata.requestId);
    const error = await failure(() => h.ecs.send(new DescribeTasksCommand({ tasks: [] })));
    assert.equal(error.name, 'InvalidParameterException');
    assert.match(requestIdOfError(error.error) ?? '', UUID);
  });

  test('CloudWatch Logs and SQS: successes and errors', async () => {
    const logs = new CloudWatchLogsClient({ endpoint: h.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    const sqs = new SQSClient({ endpoint: h.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      assert.match((await logs.send(new CreateLogGroupCommand({ logGroupName: 'request-ids' }))).$metadata.requestId ?? '', UUID);
      const logsError = await failure(() => logs.send(new GetLogEventsCommand({ logGroupName: 'nope', logStreamName: 'nope' })));
      assert.equal(logsError.name, 'ResourceNotFoundException');
      assert.match(requestIdOfError(logsError.error) ?? '', UUID);
      assert.match((await sqs.send(new CreateQueueCommand({ QueueName: 'request-ids' }))).$metadata.requestId ?? '', UUID);
      const sqsError = await failure(() => sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })));
      assert.match(requestIdOfError(sqsError.error) ?? '', UUID);
    } finally {
      logs.destroy();
      sqs.destroy();
    }
  });

  test('EC2: the header and the XML body name the same request id, on success and on error', async () => {
    const ec2 = new EC2Client({ endpoint: h.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      assert.match((await ec2.send(new DescribeVpcsCommand({}))).$metadata.requestId ?? '', UUID);
      const error = await failure(() => ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-x'] })));
      assert.equal(error.name, 'InvalidSubnetID.NotFound');
      assert.match(requestIdOfError(error.error) ?? '', UUID);
    } finally {
      ec2.destroy();
    }
    for (const body of ['Action=DescribeVpcs&Version=2016-11-15', 'Action=DescribeSubnets&Version=2016-11-15&SubnetId.1=subnet-x']) {
      const response = await fetch(h.sim.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      const header = response.headers.get('x-amzn-requestid');
      assert.match(header ?? '', UUID);
      assert.match(await response.text(), new RegExp(`<(requestId|RequestID)>${header}</(requestId|RequestID)>`));
    }
  });

  test('answers outside any protocol (unknown operation) carry one too', async () => {
    const response = await fetch(`${h.sim.url}/nothing-here`, { method: 'PUT', body: 'x' });
    assert.equal(response.status, 400);
    assert.match(response.headers.get('x-amzn-requestid') ?? '', UUID);
  });
});
