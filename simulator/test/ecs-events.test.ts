/**
 * Task state change events reach the simulator's SQS queue as EventBridge delivers them (docs/ecs-facts.md#events):
 * one event per change, detail.version +1 each time, read here with the real @aws-sdk/client-sqs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CREDENTIALS, container, env, registerFargate, runFargate, startHarness, type SimHarness } from './helpers/ecs-sim.js';

interface TaskEvent {
  version: string;
  'detail-type': string;
  source: string;
  account: string;
  region: string;
  resources: string[];
  detail: { taskArn: string; lastStatus: string; desiredStatus: string; version: number; stopCode?: string; createdAt: string };
}

async function drainUntil(sqs: SQSClient, queueUrl: string, done: (events: TaskEvent[]) => boolean): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  const deadline = Date.now() + 5000;
  while (!done(events)) {
    if (Date.now() > deadline) throw new Error(`events incomplete: ${events.map((e) => e.detail.lastStatus).join(',')}`);
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const messages = out.Messages ?? [];
    for (const message of messages) events.push(JSON.parse(message.Body ?? '{}') as TaskEvent);
    if (messages.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }));
    }
  }
  return events;
}

const stoppedSeen = (events: TaskEvent[]): boolean => events.some((e) => e.detail.lastStatus === 'STOPPED');

describe('task state change events on the SQS queue', () => {
  let h: SimHarness;
  let sqs: SQSClient;
  before(async () => {
    h = await startHarness();
    sqs = new SQSClient({ endpoint: h.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    await registerFargate(h.ecs, { containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '2' }) })] });
  });
  after(async () => {
    sqs.destroy();
    await h.close();
  });

  test('one event per change, in version order, with the EventBridge envelope', async () => {
    const taskArn = (await runFargate(h.ecs, 'sim-test')).tasks![0].taskArn!;
    const events = await drainUntil(sqs, h.sim.eventQueueUrl, stoppedSeen);
    assert.deepEqual(events.map((e) => e.detail.version), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(events.map((e) => e.detail.lastStatus), [
      'PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED',
    ]);
    for (const event of events) {
      assert.equal(event.version, '0');
      assert.equal(event['detail-type'], 'ECS Task State Change');
      assert.equal(event.source, 'aws.ecs');
      assert.equal(event.account, '123456789012');
      assert.equal(event.region, 'us-east-1');
      assert.deepEqual(event.resources, [taskArn]);
      assert.match(event.detail.createdAt, /^\d{4}-\d\d-\d\dT/);
    }
    assert.equal(events[7].detail.stopCode, 'EssentialContainerExited');
  });

  test('a Spot interruption shows on the queue as a TerminationNotice event while RUNNING, then SpotInterruption', async () => {
    const taskArn = (await runFargate(h.ecs, 'sim-test', {
      launchType: undefined,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      overrides: { containerOverrides: [{ name: 'main', environment: env({ SIM_RUN_SECONDS: '3600', SIM_SPOT_INTERRUPT_AFTER_SECONDS: '1' }) }] },
    })).tasks![0].taskArn!;
    const events = (await drainUntil(sqs, h.sim.eventQueueUrl, stoppedSeen)).filter((e) => e.resources[0] === taskArn);
    assert.deepEqual(
      events.map((e) => [e.detail.version, e.detail.lastStatus, e.detail.desiredStatus, e.detail.stopCode ?? '-']),
      [
        [1, 'PROVISIONING', 'RUNNING', '-'], [2, 'PENDING', 'RUNNING', '-'], [3, 'ACTIVATING', 'RUNNING', '-'], [4, 'RUNNING', 'RUNNING', '-'],
        [5, 'RUNNING', 'STOPPED', 'TerminationNotice'], [6, 'DEACTIVATING', 'STOPPED', 'SpotInterruption'],
        [7, 'STOPPING', 'STOPPED', 'SpotInterruption'], [8, 'DEPROVISIONING', 'STOPPED', 'SpotInterruption'], [9, 'STOPPED', 'STOPPED', 'SpotInterruption'],
      ],
    );
  });

  test('with duplicates injected every change arrives twice with the same detail.version', async () => {
    const dup = await startHarness({ scenario: { events: { duplicateRate: 1 } } });
    const client = new SQSClient({ endpoint: dup.sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      await registerFargate(dup.ecs, { containerDefinitions: [container({ environment: env({ SIM_RUN_SECONDS: '1' }) })] });
      await runFargate(dup.ecs, 'sim-test');
      const events = await drainUntil(client, dup.sim.eventQueueUrl, (es) => es.filter((e) => e.detail.lastStatus === 'STOPPED').length === 2);
      const versions = events.map((e) => e.detail.version).sort((a, b) => a - b);
      assert.deepEqual(versions, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8]);
    } finally {
      client.destroy();
      await dup.close();
    }
  });
});
