import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { handleTaskEvents, parseTaskStateChange, type TaskEventSource } from '../../reconcilers/observe/task-events.js';

const event = (detail: object) => JSON.stringify({ version: '0', id: 'e1', 'detail-type': 'ECS Task State Change', source: 'aws.ecs', detail });

describe('parseTaskStateChange', () => {
  test('the detail becomes an observation (version, stop facts, containers)', () => {
    const parsed = parseTaskStateChange(event({
      taskArn: 'arn:t', lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.',
      stoppedAt: '2026-01-01T00:00:00.000Z', version: 5, containers: [{ name: 'flow', exitCode: 143, image: 'busybox' }], group: 'family:x',
    }));
    assert.deepEqual(parsed, {
      observation: {
        source: 'event', taskArn: 'arn:t', lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.',
        stoppedAt: '2026-01-01T00:00:00.000Z', version: 5, containers: [{ name: 'flow', exitCode: 143 }],
      },
    });
  });

  test('anything else is invalid, with the reason', () => {
    assert.deepEqual(parseTaskStateChange('{'), { invalid: 'not JSON' });
    const wrongType = parseTaskStateChange(JSON.stringify({ 'detail-type': 'EC2 Instance State-change Notification', detail: {} }));
    assert.ok('invalid' in wrongType && /detail-type/.test(wrongType.invalid));
    const noArn = parseTaskStateChange(event({ lastStatus: 'RUNNING' }));
    assert.ok('invalid' in noArn && /detail.taskArn/.test(noArn.invalid));
  });
});

describe('handleTaskEvents', () => {
  test('a store failure leaves the failed and later messages for redelivery, deleting the handled ones', async () => {
    const deleted: string[] = [];
    const source: TaskEventSource = { receive: async () => [], delete: async (handles) => { deleted.push(...handles); } };
    let calls = 0;
    const store = {
      runNameForTask: async () => { calls += 1; if (calls === 2) throw new Error('redis down'); return null; },
      getRun: async () => null,
      updateRunStatus: async () => { throw new Error('unused'); },
    };
    const messages = ['m1', 'm2', 'm3'].map((id) => ({ id, receiptHandle: `h-${id}`, body: event({ taskArn: `arn:${id}`, lastStatus: 'RUNNING' }) }));
    await assert.rejects(handleTaskEvents({ store, wake: async () => undefined }, source, messages), /redis down/);
    assert.deepEqual(deleted, ['h-m1']);
  });
});
