/**
 * A launch that has to wait its turn for the pool's network (another replica is resolving it, or the EC2
 * budget is empty) is paced like RunTask's own budget, not a failed try: the plan neither backs off nor warns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PoolRecord } from '../../controller/api/pool.js';
import type { RunRecord } from '../../controller/api/run.js';
import { createRunEcsPort, type LaunchDetails } from '../../reconcilers/run/ecs-adapter.js';

function portAnswering(details: LaunchDetails) {
  const never = () => Promise.reject(new Error('no ECS call may happen before the launch details are known'));
  return createRunEcsPort({
    namespace: 'waiting',
    gateway: { runTask: never, describeTasks: never, stopTask: never, listTasks: never },
    launchDetails: () => Promise.resolve(details),
  });
}

const pool = { metadata: { name: 'p' }, spec: { cluster: 'c' } } as unknown as PoolRecord;
const run = { metadata: { name: 'r', uid: 'u' }, spec: { pool: 'p' } } as unknown as RunRecord;
const launch = (details: LaunchDetails) => portAnswering(details).launch({ pool, run, attempt: 1, taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/f:1' });

test('another replica resolving the network: a paced retry, with what is awaited', async () => {
  const message = "The network of pool 'p' is being resolved by another replica (replica r-1; its lock ends in 15 s).";
  assert.deepEqual(await launch({ retryAfterMs: 250, message, waiting: true }), { kind: 'retry', cause: 'pacing', reason: 'NetworkResolving', message, retryAfterMs: 250 });
});

test('EC2 failing: still a failed try of the launch (backoff, status, deadline)', async () => {
  const message = 'network inference: DescribeVpcs: InternalError: boom';
  assert.deepEqual(await launch({ retryAfterMs: 1000, message }), { kind: 'retry', cause: 'dependency', reason: 'TaskDefinitionDetails', message, retryAfterMs: 1000 });
});
