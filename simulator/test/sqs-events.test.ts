import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand, CreateQueueCommand, DeleteMessageBatchCommand, DeleteMessageCommand,
  GetQueueAttributesCommand, GetQueueUrlCommand, PurgeQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand,
  SendMessageCommand, SQSClient, SQSServiceException,
} from '@aws-sdk/client-sqs';
import { createSqsHandler, SqsQueues } from '../sqs.js';
import { taskStateChangeEvent, TaskEventPublisher, type TaskStateChangeEvent } from '../events.js';
import { mulberry32 } from '../random.js';
import { mountHandlers, type MountedHandlers } from './helpers/mount-handler.js';
import { container, CREDENTIALS, env, eventually, registerFargate, runFargate, startHarness } from './helpers/ecs-sim.js';

const TASK_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef0123456789abcdef';
const taskWire = (version: number, lastStatus: string): Record<string, unknown> => ({
  taskArn: TASK_ARN,
  clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default',
  lastStatus,
  desiredStatus: 'RUNNING',
  createdAt: 1_700_000_000.123,
  startedAt: lastStatus === 'RUNNING' ? 1_700_000_030.5 : undefined,
  containers: [{ name: 'main', lastStatus, exitCode: undefined }],
  version,
});

describe('task state change events (pure)', () => {
  test('the envelope and detail follow the EventBridge shape with ISO timestamps', () => {
    const event = taskStateChangeEvent(taskWire(3, 'RUNNING'), {
      region: 'us-east-1', accountId: '123456789012', id: 'e-1', time: '2023-11-14T22:14:00Z',
    });
    assert.equal(event.version, '0');
    assert.equal(event.id, 'e-1');
    assert.equal(event['detail-type'], 'ECS Task State Change');
    assert.equal(event.source, 'aws.ecs');
    assert.equal(event.account, '123456789012');
    assert.equal(event.region, 'us-east-1');
    assert.equal(event.time, '2023-11-14T22:14:00Z');
    assert.deepEqual(event.resources, [TASK_ARN]);
    assert.equal(event.detail.version, 3);
    assert.equal(event.detail.createdAt, '2023-11-14T22:13:20.123Z');
    assert.equal(event.detail.startedAt, '2023-11-14T22:13:50.500Z');
    assert.equal(event.detail.updatedAt, '2023-11-14T22:14:00Z');
    assert.equal(event.detail.lastStatus, 'RUNNING');
    assert.deepEqual(event.detail.containers, [{ name: 'main', lastStatus: 'RUNNING', exitCode: undefined }]);
  });
});

describe('SQS through @aws-sdk/client-sqs, and the event publisher', () => {
  let server: MountedHandlers;
  let client: SQSClient;
  let clock = 1_700_000_000_000;
  const queues = new SqsQueues({ region: 'us-east-1', accountId: '123456789012', now: () => clock });
  const calls: Array<[string, string]> = [];

  before(async () => {
    let endpoint = '';
    server = await mountHandlers([createSqsHandler({ queues, audit: (action, outcome) => calls.push([action, outcome]), endpointBase: () => endpoint })]);
    endpoint = server.endpoint;
    client = new SQSClient({
      region: 'us-east-1', endpoint: server.endpoint, maxAttempts: 1,
      credentials: CREDENTIALS,
    });
  });
  after(async () => {
    client.destroy();
    queues.close();
    await server.close();
  });

  const createQueue = async (name: string, attributes?: Record<string, string>): Promise<string> =>
    (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl ?? '';

  test('CreateQueue and GetQueueUrl answer http://127.0.0.1:<port>/123456789012/<name>', async () => {
    const url = await createQueue('basic');
    assert.equal(url, `${server.endpoint}/123456789012/basic`);
    assert.equal(await createQueue('basic'), url);
    assert.equal((await client.send(new GetQueueUrlCommand({ QueueName: 'basic' }))).QueueUrl, url);
    await assert.rejects(client.send(new CreateQueueCommand({ QueueName: 'basic', Attributes: { VisibilityTimeout: '5' } })),
      { name: 'QueueNameExists' });
    await assert.rejects(client.send(new CreateQueueCommand({ QueueName: 'bad name' })), { name: 'InvalidParameterValue' });
  });

  test('unknown queues are QueueDoesNotExist with the query-compatible error', async () => {
    await assert.rejects(client.send(new GetQueueUrlCommand({ QueueName: 'missing' })), (error: SQSServiceException) => {
      assert.equal(error.name, 'QueueDoesNotExist');
      assert.equal(error.message, 'The specified queue does not exist.');
      assert.equal(error.$metadata.httpStatusCode, 400);
      return true;
    });
    await assert.rejects(client.send(new SendMessageCommand({ QueueUrl: `${server.endpoint}/123456789012/missing`, MessageBody: 'x' })),
      { name: 'QueueDoesNotExist' });
    const raw = await fetch(server.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.GetQueueUrl' },
      body: JSON.stringify({ QueueName: 'missing' }),
    });
    assert.equal(raw.headers.get('x-amzn-query-error'), 'AWS.SimpleQueueService.NonExistentQueue;Sender');
    assert.deepEqual(await raw.json(), { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' });
  });

  test('send, receive with attributes and a correct MD5, redelivery after the visibility timeout, delete', async () => {
    const url = await createQueue('lifecycle');
    const sent = await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'hello ✓' }));
    assert.equal(sent.MD5OfMessageBody, createHash('md5').update('hello ✓', 'utf8').digest('hex'));
    const first = await client.send(new ReceiveMessageCommand({
      QueueUrl: url, VisibilityTimeout: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    }));
    assert.equal(first.Messages?.length, 1);
    const message = first.Messages?.[0];
    assert.equal(message?.Body, 'hello ✓');
    assert.equal(message?.MessageId, sent.MessageId);
    assert.equal(message?.Attributes?.ApproximateReceiveCount, '1');
    assert.equal(message?.Attributes?.SentTimestamp, String(clock));
    assert.deepEqual((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
    const attributes = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    assert.equal(attributes.Attributes?.ApproximateNumberOfMessages, '0');
    assert.equal(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible, '1');
    assert.equal(attributes.Attributes?.QueueArn, 'arn:aws:sqs:us-east-1:123456789012:lifecycle');

    clock += 10_000; // the visibility timeout passes without a delete: at-least-once redelivery
    const again = await client.send(new ReceiveMessageCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    assert.equal(again.Messages?.[0]?.MessageId, sent.MessageId);
    assert.equal(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount, '2');
    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again.Messages?.[0]?.ReceiptHandle }));
    clock += 60_000;
    assert.deepEqual((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
    await assert.rejects(client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'not-a-handle' })), { name: 'ReceiptHandleIsInvalid' });
  });

  test('batches, MaxNumberOfMessages, ChangeMessageVisibility and PurgeQueue', async () => {
    const url = await createQueue('batches');
    const sent = await client.send(new SendMessageBatchCommand({
      QueueUrl: url, Entries: Array.from({ length: 10 }, (_, index) => ({ Id: `m${index}`, MessageBody: `body ${index}` })),
    }));
    assert.equal(sent.Successful?.length, 10);
    await assert.rejects(client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'x' }, { Id: 'a', MessageBody: 'y' }] })),
      { name: 'BatchEntryIdsNotDistinct' });
    await assert.rejects(client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })), { name: 'EmptyBatchRequest' });
    await assert.rejects(client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })), (error: SQSServiceException) =>
      error.name === 'InvalidParameterValue' && error.message.includes('MaxNumberOfMessages'));

    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    assert.deepEqual(received.Messages?.map((message) => message.Body), Array.from({ length: 10 }, (_, index) => `body ${index}`));
    const [keep, ...rest] = received.Messages ?? [];
    await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: keep.ReceiptHandle, VisibilityTimeout: 0 }));
    const deleted = await client.send(new DeleteMessageBatchCommand({
      QueueUrl: url, Entries: [...rest.map((message, index) => ({ Id: `d${index}`, ReceiptHandle: message.ReceiptHandle })), { Id: 'bad', ReceiptHandle: '!!' }],
    }));
    assert.equal(deleted.Successful?.length, 9);
    assert.deepEqual(deleted.Failed?.map((entry) => [entry.Id, entry.Code]), [['bad', 'ReceiptHandleIsInvalid']]);
    const visibleAgain = await client.send(new ReceiveMessageCommand({ QueueUrl: url }));
    assert.equal(visibleAgain.Messages?.[0]?.Body, keep.Body);
    // The first receive's handle is stale now: the message is in flight under a newer handle.
    await assert.rejects(client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: keep.ReceiptHandle, VisibilityTimeout: 5 })),
      { name: 'MessageNotInflight' });

    await client.send(new PurgeQueueCommand({ QueueUrl: url }));
    const counts = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    assert.deepEqual(counts.Attributes, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    await assert.rejects(client.send(new PurgeQueueCommand({ QueueUrl: url })), { name: 'PurgeQueueInProgress' });
  });

  test('long polling answers as soon as a message arrives, and empty when the wait ends', async () => {
    const url = await createQueue('long-poll');
    const pollers = (): number => queues.queueByName('long-poll')?.waiters.size ?? 0;
    const waiting = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await eventually(async () => pollers() === 1 || undefined);
    queues.send('long-poll', 'wake up');
    assert.equal(pollers(), 0, 'the message woke the waiting poll instead of leaving it to its 20 s timer');
    const answer = await waiting;
    assert.equal(answer.Messages?.[0]?.Body, 'wake up');
    const empty = await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    assert.equal(empty.Messages, undefined);
    await assert.rejects(client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 21 })), { name: 'InvalidParameterValue' });
  });

  const drain = async (url: string): Promise<TaskStateChangeEvent[]> => {
    const events: TaskStateChangeEvent[] = [];
    for (;;) {
      const page = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      if (page.Messages === undefined) return events;
      for (const message of page.Messages) {
        events.push(JSON.parse(message.Body ?? '{}') as TaskStateChangeEvent);
        await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
      }
    }
  };
  const publisher = (queueName: string, seed: number, duplicateRate: number, reorderRate: number): TaskEventPublisher =>
    new TaskEventPublisher({
      queues, queueName, region: 'us-east-1', accountId: '123456789012', random: mulberry32(seed),
      duplicateRate, reorderRate, maxReorderDelayMs: 5_000, now: () => clock,
    });
  const statuses = ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'];

  test('the publisher delivers every event in order when no faults are injected', async () => {
    const url = await createQueue('events-clean');
    const events = publisher('events-clean', 1, 0, 0);
    statuses.forEach((status, index) => events.publish(taskWire(index + 1, status)));
    const delivered = await drain(url);
    assert.deepEqual(delivered.map((event) => event.detail.version), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(delivered.map((event) => event.detail.lastStatus), statuses);
    assert.equal(new Set(delivered.map((event) => event.id)).size, 8);
    assert.match(delivered[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('duplicates carry the same id and detail.version; reordering delays some events past later ones; a seed repeats', async () => {
    const runOnce = async (queueName: string): Promise<Array<[number, string]>> => {
      const url = await createQueue(queueName);
      const events = publisher(queueName, 42, 0.5, 0.5);
      statuses.forEach((status, index) => events.publish(taskWire(index + 1, status)));
      const immediate = await drain(url);
      clock += 5_000; // every delayed delivery is due now
      const late = await drain(url);
      return [...immediate, ...late].map((event) => [event.detail.version as number, event.id]);
    };
    const first = await runOnce('events-faulty-a');
    const second = await runOnce('events-faulty-b');
    assert.deepEqual(first, second, 'the same seed gives the same deliveries');

    const versions = first.map(([version]) => version);
    assert.deepEqual([...new Set(versions)].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8], 'at least once: every version arrives');
    assert.ok(versions.length > 8, 'some events were duplicated');
    const idsByVersion = new Map<number, Set<string>>();
    for (const [version, id] of first) idsByVersion.set(version, (idsByVersion.get(version) ?? new Set()).add(id));
    assert.ok([...idsByVersion.values()].every((ids) => ids.size === 1), 'a duplicate is the same event');
    assert.ok(versions.some((version, index) => index > 0 && version < versions[index - 1]), 'some event arrived after a later one');
  });

  test('clear() keeps built-in queues (emptied), drops client queues and releases their long polls', async () => {
    const builtInUrl = queues.ensureQueue('built-in', server.endpoint);
    assert.equal(builtInUrl, `${server.endpoint}/123456789012/built-in`);
    assert.equal(queues.ensureQueue('built-in', 'http://elsewhere'), builtInUrl);
    queues.send('built-in', 'old');
    const clientUrl = await createQueue('client-made');
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: clientUrl, WaitTimeSeconds: 20 }));
    await eventually(async () => (queues.queueByName('client-made')?.waiters.size ?? 0) === 1 || undefined);
    queues.clear();
    assert.equal((await polling).Messages, undefined);
    await assert.rejects(client.send(new GetQueueUrlCommand({ QueueName: 'client-made' })), { name: 'QueueDoesNotExist' });
    assert.deepEqual((await client.send(new ReceiveMessageCommand({ QueueUrl: builtInUrl }))).Messages, undefined);
    queues.send('built-in', 'new');
    assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl: builtInUrl }))).Messages?.[0]?.Body, 'new');
  });

  test('every call was audited', () => {
    for (const action of ['CreateQueue', 'GetQueueUrl', 'SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage',
      'DeleteMessageBatch', 'ChangeMessageVisibility', 'GetQueueAttributes', 'PurgeQueue']) {
      assert.ok(calls.some(([name, outcome]) => name === action && outcome === 'ok'), `${action} ok`);
    }
    assert.ok(calls.some(([name, outcome]) => name === 'GetQueueUrl' && outcome === 'error'));
  });
});

describe('SQS through the whole simulator (startSimulator)', () => {
  test('client queues on the shared endpoint; a long poll on the event queue wakes on a task event; reset keeps the event queue', async () => {
    const h = await startHarness();
    const sqs = new SQSClient({ endpoint: h.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'work' }))).QueueUrl ?? '';
      assert.equal(url, `${h.sim.url}/123456789012/work`);
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'job' }));
      assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages?.[0]?.Body, 'job');

      assert.equal(h.sim.eventQueueUrl, `${h.sim.url}/123456789012/longshore-task-events`);
      const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: h.sim.eventQueueUrl, WaitTimeSeconds: 20 }));
      await registerFargate(h.ecs, { containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '1' }) })] });
      const taskArn = (await runFargate(h.ecs, 'sim-test')).tasks?.[0]?.taskArn;
      const first = JSON.parse((await polling).Messages?.[0]?.Body ?? '{}') as TaskStateChangeEvent;
      assert.equal(first['detail-type'], 'ECS Task State Change');
      assert.deepEqual(first.resources, [taskArn]);
      assert.equal(first.detail.version, 1);

      const reset = await fetch(`${h.sim.url}/_sim/reset`, { method: 'POST' });
      assert.equal(reset.status < 300, true);
      const afterReset = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: h.sim.eventQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      assert.equal(afterReset.Attributes?.ApproximateNumberOfMessages, '0');
      await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: 'work' })), { name: 'QueueDoesNotExist' });
      const audit = await (await fetch(`${h.sim.url}/_sim/audit`)).json() as { calls: Record<string, { ok: number }> };
      assert.equal(audit.calls.GetQueueAttributes?.ok, 1);
    } finally {
      sqs.destroy();
      await h.close();
    }
  });
});
