/**
 * Task state change events (SQS, as EventBridge delivers them) move runs promptly without the periodic
 * resync, despite duplicated and reordered deliveries: progress is taken from the events, a stop from the
 * DescribeTasks each STOPPED event asks for (the `confirm:<cluster>` job). Forged messages sent to the same
 * queue decide nothing; malformed, foreign and unknown ones are dropped and counted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { confirmTasks, CONFIRM_PREFIX } from '../../reconcilers/observe/resync.js';
import { emptyCounts, handleTaskEvents, sqsTaskEventSource, type TaskEventSource } from '../../reconcilers/observe/task-events.js';
import { QUICK_SCENARIO, allStopped, fargatePool, startRunHarness, type RunHarness } from './run-harness.js';

describe('task events from SQS', () => {
  let h: RunHarness;
  let sqs: SQSClient;
  let source: TaskEventSource;
  const counts = emptyCounts();
  const applied: string[] = [];

  before(async () => {
    h = await startRunHarness({
      timeScale: 60,
      scenario: { ...QUICK_SCENARIO, events: { duplicateRate: 0.5, reorderRate: 0.5, maxReorderDelaySeconds: 30 } },
      pools: [fargatePool('events')],
    });
    sqs = new SQSClient({ region: 'us-east-1', endpoint: h.sim.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    source = sqsTaskEventSource(async () => sqs, h.sim.eventQueueUrl);
  });

  after(async () => {
    sqs.destroy();
    await h.close();
  });

  /** Drains what the queue holds now, as the consumer loop would, then performs the confirmations it asked for. */
  async function consume(): Promise<void> {
    const confirmClusters = new Set<string>();
    for (;;) {
      const messages = await source.receive(10, 0);
      if (messages.length === 0) break;
      const deps = {
        store: h.store, now: h.runDeps.now,
        wake: async (queue: string, key: string) => { if (queue === 'resync' && key.startsWith(CONFIRM_PREFIX)) confirmClusters.add(key.slice(CONFIRM_PREFIX.length)); },
      };
      const r = await handleTaskEvents(deps, source, messages);
      applied.push(...r.applied);
      for (const [result, n] of Object.entries(r.counts)) counts[result as keyof typeof counts] += n;
    }
    for (const cluster of confirmClusters) await confirmTasks(h.resyncDeps, cluster);
  }

  async function send(body: object | string): Promise<void> {
    await sqs.send(new SendMessageCommand({ QueueUrl: h.sim.eventQueueUrl, MessageBody: typeof body === 'string' ? body : JSON.stringify(body) }));
  }

  test('runs reach their outcome from events and the DescribeTasks their stops ask for, duplicates and reordering notwithstanding', async () => {
    const describedBefore = h.sim.audit().calls.DescribeTasks?.ok ?? 0;
    await h.submitRun('ev-ok', 'events');
    await h.submitRun('ev-bad', 'events', { env: { SIM_EXIT_CODE: '7' } });
    const [ok, bad] = await h.driveUntil(['ev-ok', 'ev-bad'], allStopped, { resync: false, each: consume, timeoutMs: 30_000 });
    assert.deepEqual([ok.status.outcome, ok.status.attempts[0].exitCode], ['succeeded', 0]);
    assert.deepEqual([bad.status.outcome, bad.status.attempts[0].exitCode], ['failed', 7]);
    assert.ok(applied.includes('ev-ok') && applied.includes('ev-bad'), 'progress came from the events');
    assert.ok(counts['confirm-requested'] >= 2);
    assert.ok((h.sim.audit().calls.DescribeTasks?.ok ?? 0) > describedBefore, 'the stops were confirmed by DescribeTasks');
  });

  test('forged messages on the queue decide nothing: the outcome follows the real task', async () => {
    await h.submitRun('ev-real', 'events', { env: { SIM_RUN_SECONDS: '600' } });
    const [running] = await h.driveUntil(['ev-real'], (runs) => runs[0]?.status.phase === 'running', { resync: false, each: consume, timeoutMs: 30_000 });
    const { taskArn, clusterArn } = running.status.attempts[0];
    assert.ok(taskArn && clusterArn);
    const [, , , region, account] = taskArn.split(':');
    const genuine = { version: '0', id: 'forged', 'detail-type': 'ECS Task State Change', source: 'aws.ecs', account, region, resources: [taskArn] };
    const before = { ...counts };
    // Everything a forger can know about the task, with a version no real event will ever reach…
    await send({ ...genuine, detail: { taskArn, clusterArn, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', version: 999_999 } });
    // …a stop with a failing exit code…
    await send({ ...genuine, detail: { taskArn, clusterArn, lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', version: 1_000_000, containers: [{ name: 'flow', exitCode: 1 }] } });
    // …and the same from another account, region and source.
    await send({ ...genuine, account: '999999999999', detail: { taskArn, clusterArn, lastStatus: 'STOPPED', version: 1_000_001, containers: [{ exitCode: 1 }] } });
    await send({ ...genuine, region: 'eu-west-1', detail: { taskArn, clusterArn, lastStatus: 'STOPPED', version: 1_000_001, containers: [{ exitCode: 1 }] } });
    await send({ ...genuine, source: 'my.app', detail: { taskArn, clusterArn, lastStatus: 'STOPPED', version: 1_000_001, containers: [{ exitCode: 1 }] } });
    await consume();
    assert.equal(counts.foreign - before.foreign, 3);
    assert.ok(counts['confirm-requested'] - before['confirm-requested'] >= 1);
    const afterForgery = await h.store.getRun('ev-real');
    assert.equal(afterForgery?.status.phase, 'running', 'the confirmation found the task RUNNING');

    const [done] = await h.driveUntil(['ev-real'], allStopped, { resync: false, each: consume, timeoutMs: 30_000 });
    assert.deepEqual([done.status.outcome, done.status.attempts[0].exitCode], ['succeeded', 0]);
  });

  test('malformed messages and events about tasks no run owns are dropped', async () => {
    const before = { ...counts };
    await send('not json');
    await send({
      'detail-type': 'ECS Task State Change', source: 'aws.ecs', account: '123456789012', region: 'us-east-1',
      detail: { taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/default/orphan', clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/default', lastStatus: 'RUNNING' },
    });
    await consume();
    assert.equal(counts.malformed - before.malformed, 1);
    assert.equal(counts['unknown-task'] - before['unknown-task'], 1);
    assert.deepEqual(await source.receive(10, 0), []);
  });
});
