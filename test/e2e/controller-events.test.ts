/**
 * With LONGSHORE_TASK_EVENTS_QUEUE_URL set, a controller observes its tasks through the EventBridge events
 * the simulator publishes to SQS: with the resync slowed to once every ten minutes, runs still finish in
 * seconds, each stop confirmed by a DescribeTasks the event asked for. Forged messages sent to the same
 * queue are counted and decide nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Harness, QUICK_PHASES, metricSum, pool, run, startHarness, waitStopped } from './controller-harness.js';
import { until } from '../helpers/until.js';

describe('task state change events', () => {
  let h: Harness;
  let sqs: SQSClient;
  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
    sqs = new SQSClient({ region: 'us-east-1', endpoint: h.sim.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await h.startReplica('events', { LONGSHORE_TASK_EVENTS_QUEUE_URL: h.sim.eventQueueUrl, LONGSHORE_RESYNC_INTERVAL_SECONDS: '600' });
    await h.store.submit([pool('evented')], { mode: 'apply' });
  });
  after(async () => {
    sqs.destroy();
    await h.close();
  });

  test('runs conclude from events and the DescribeTasks they ask for when the resync is far away', async () => {
    const names = ['ev-ok', 'ev-fail'];
    await h.store.submit([
      run('ev-ok', { pool: 'evented', env: { SIM_RUN_SECONDS: '1' } }),
      run('ev-fail', { pool: 'evented', env: { SIM_RUN_SECONDS: '1', SIM_EXIT_CODE: '7' } }),
    ], { mode: 'create' });
    const runs = await waitStopped(h.store, names, 30_000);
    assert.equal(runs.get('ev-ok')!.status.outcome, 'succeeded');
    assert.equal(runs.get('ev-fail')!.status.outcome, 'failed');
    assert.equal(runs.get('ev-fail')!.status.attempts[0].exitCode, 7);
    assert.ok(await metricSum(h.replicas, 'longshore_task_events_total', 'result="applied"') > 0);
    assert.ok(await metricSum(h.replicas, 'longshore_task_events_total', 'result="confirm-requested"') >= 2);
    assert.ok((h.sim.audit().calls.DescribeTasks?.ok ?? 0) > 0, 'each stop was confirmed by DescribeTasks');
  });

  test('forged messages on the queue decide nothing: the run follows its real task', async () => {
    await h.store.submit([run('ev-forged', { pool: 'evented', env: { SIM_RUN_SECONDS: '120' } })], { mode: 'create' });
    const running = await until(async () => {
      const r = await h.store.getRun('ev-forged');
      return r?.status.phase === 'running' && r;
    }, { timeoutMs: 30_000, intervalMs: 100, what: () => 'ev-forged to run' });
    const { taskArn, clusterArn } = running.status.attempts[0];
    assert.ok(taskArn && clusterArn);
    const [, , , region, account] = taskArn.split(':');
    const envelope = { version: '0', id: 'forged', 'detail-type': 'ECS Task State Change', source: 'aws.ecs', account, region, resources: [taskArn] };
    const send = (body: object) => sqs.send(new SendMessageCommand({ QueueUrl: h.sim.eventQueueUrl, MessageBody: JSON.stringify(body) }));
    const stopped = { taskArn, clusterArn, lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', containers: [{ name: 'flow', exitCode: 1 }] };
    await send({ ...envelope, detail: { taskArn, clusterArn, lastStatus: 'RUNNING', version: 999_999 } });
    await send({ ...envelope, detail: { ...stopped, version: 1_000_000 } });
    await send({ ...envelope, account: '999999999999', detail: { ...stopped, version: 1_000_001 } });
    await until(async () => await metricSum(h.replicas, 'longshore_task_events_total', 'result="foreign"') >= 1, {
      timeoutMs: 10_000, intervalMs: 100, what: () => 'the forged message from another account to be refused',
    });
    const runs = await waitStopped(h.store, ['ev-forged'], 30_000);
    const done = runs.get('ev-forged')!;
    assert.deepEqual([done.status.outcome, done.status.attempts[0].exitCode], ['succeeded', 0]);
  });
});
