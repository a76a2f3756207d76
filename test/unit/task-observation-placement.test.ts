/** What an attempt learns from ECS's Task about where it ran and its size (for status and cost). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { observationOf } from '../../reconcilers/observe/task-observation.js';

describe('task placement and size in observations', () => {
  test('capacity provider, launch type, pull start, task size and CPU architecture are carried', () => {
    const obs = observationOf({
      taskArn: 'arn:t', lastStatus: 'RUNNING', launchType: 'FARGATE', capacityProviderName: 'FARGATE_SPOT',
      pullStartedAt: new Date('2026-01-01T00:00:01Z'), cpu: '512', memory: '1024', attributes: [{ name: 'ecs.cpu-architecture', value: 'arm64' }],
    });
    assert.deepEqual(
      [obs?.launchType, obs?.capacityProviderName, obs?.pullStartedAt, obs?.cpu, obs?.memory, obs?.cpuArchitecture],
      ['FARGATE', 'FARGATE_SPOT', '2026-01-01T00:00:01.000Z', '512', '1024', 'arm64'],
    );
  });

  test('a task sized only by its containers (EC2, EXTERNAL) is their sum; memory falls back to the reservation', () => {
    const obs = observationOf({
      taskArn: 'arn:t', lastStatus: 'RUNNING', launchType: 'EXTERNAL',
      containers: [{ name: 'a', cpu: '256', memory: '512' }, { name: 'b', cpu: '0', memoryReservation: 128 } as never],
    });
    assert.deepEqual([obs?.cpu, obs?.memory], ['256', '640']);
    const bare = observationOf({ taskArn: 'arn:t', lastStatus: 'RUNNING', launchType: 'EC2', containers: [{ name: 'a' }] });
    assert.deepEqual([bare?.cpu, bare?.memory], [undefined, undefined]);
  });
});
