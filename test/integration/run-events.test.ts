/**
 * Task state change events (SQS, as EventBridge delivers them) drive runs to their outcome without the
 * resync, despite duplicated and reordered deliveries; malformed and foreign messages are dropped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { handleTaskEvents, sqsTaskEventSource, type TaskEventBatchResult, type TaskEventSource } from '../../reconcilers/observe/task-events.js';
import { QUICK_SCENARIO, allStopped, fargatePool, startRunHarness, type RunHarness } from './run-harness.js';

describe('task events from SQS', () => {
  let h: RunHarness;
  let sqs: SQSClient;
  let source: TaskEventSource;
  const totals: TaskEventBatchResult = { changed: [], foreign: 0, malformed: 0 };
  const rejected: string[] = [];

  before(async () => {
    h = await startRunHarness({
      timeScale: 60,
      scenario: { ...QUICK_SCENARIO, events: { duplicateRate: 0.5, reorderRate: 0.5, maxReorderDelaySeconds: 30 } },
      pools: [fargatePool('events')],
    });
    sqs = new SQSClient({ region: 'us-east-1', endpoint: h.sim.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    source = sqsTaskEventSource(sqs, h.sim.eventQueueUrl);
  });

  after(async () => {
    sqs.destroy();
    await h.close();
  });

  /** Drains what the queue holds now, as the consumer loop would. */
  async function consume(): Promise<void> {
    for (;;) {
      const messages = await source.receive(10, 0);
      if (messages.length === 0) return;
      const deps = { store: h.store, wake: async () => undefined, now: h.runDeps.now, onRejected: (event: string) => rejected.push(event) };
      const r = await handleTaskEvents(deps, source, messages);
      totals.changed.push(...r.changed);
      totals.foreign += r.foreign;
      totals.malformed += r.malformed;
    }
  }

  test('runs reach their outcome from events alone, duplicates and reordering notwithstanding', async () => {
    await h.submitRun('ev-ok', 'events');
    await h.submitRun('ev-bad', 'events', { env: { SIM_EXIT_CODE: '7' } });
    const [ok, bad] = await h.driveUntil(['ev-ok', 'ev-bad'], allStopped, { resync: false, each: consume, timeoutMs: 30_000 });
    assert.deepEqual([ok.status.outcome, ok.status.attempts[0].exitCode], ['succeeded', 0]);
    assert.deepEqual([bad.status.outcome, bad.status.attempts[0].exitCode], ['failed', 7]);
    assert.ok(totals.changed.includes('ev-ok') && totals.changed.includes('ev-bad'));
  });

  test('malformed messages and events about tasks no run owns are dropped', async () => {
    const before = { ...totals };
    await sqs.send(new SendMessageCommand({ QueueUrl: h.sim.eventQueueUrl, MessageBody: 'not json' }));
    await sqs.send(new SendMessageCommand({
      QueueUrl: h.sim.eventQueueUrl,
      MessageBody: JSON.stringify({ 'detail-type': 'ECS Task State Change', detail: { taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/default/orphan', lastStatus: 'RUNNING' } }),
    }));
    await consume();
    assert.equal(totals.malformed - before.malformed, 1);
    assert.equal(totals.foreign - before.foreign, 1);
    assert.deepEqual(await source.receive(10, 0), []);
  });
});
