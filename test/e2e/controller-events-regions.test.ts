/**
 * Task events per account-region through a controller process: with the simulator delivering each task's
 * events to a queue in the task's own account and Region (one EventBridge rule and queue per account-region),
 * a pool in eu-west-1 and a pool in ap-southeast-2 under a role in another account each name their queue
 * (spec.taskEventsQueueUrl). The controller reads each with the pool's Region and role, runs in both finish
 * from events with the resync ten minutes away, the events are counted per account-region, and the home
 * queue (LONGSHORE_TASK_EVENTS_QUEUE_URL) sees nothing of the other Regions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../controller/api/run.js';
import { Harness, QUICK_PHASES, metricSum, pool, run, startHarness, waitStopped } from './controller-harness.js';

const ROLE_ACCOUNT = '210987654321';

describe('task events from a queue per account-region', () => {
  let h: Harness;
  let runs: Map<string, RunRecord>;
  before(async () => {
    h = await startHarness({ accounts: [ROLE_ACCOUNT], scenario: { phases: QUICK_PHASES, events: { delivery: 'own-account-region' } } });
    // Pools first: the controller's first read of the pools starts their consumers.
    await h.store.submit([
      pool('west', { region: 'eu-west-1', taskEventsQueueUrl: h.sim.eventQueueUrlFor(h.sim.accountId, 'eu-west-1') }),
      pool('partner', {
        region: 'ap-southeast-2', roleArn: `arn:aws:iam::${ROLE_ACCOUNT}:role/longshore-launcher`,
        taskEventsQueueUrl: h.sim.eventQueueUrlFor(ROLE_ACCOUNT, 'ap-southeast-2'),
      }),
    ], { mode: 'apply' });
    await h.startReplica('events', { LONGSHORE_TASK_EVENTS_QUEUE_URL: h.sim.eventQueueUrl, LONGSHORE_RESYNC_INTERVAL_SECONDS: '600' });
    await h.store.submit([
      run('in-west', { pool: 'west', env: { SIM_RUN_SECONDS: '1' } }),
      run('in-partner', { pool: 'partner', env: { SIM_RUN_SECONDS: '1' } }),
    ], { mode: 'create' });
    runs = await waitStopped(h.store, ['in-west', 'in-partner'], 45_000);
  });
  after(async () => {
    await h.close();
  });

  test('runs in both account-regions conclude from their own queue\'s events, the resync far away', () => {
    for (const name of ['in-west', 'in-partner']) assert.equal(runs.get(name)?.status.outcome, 'succeeded', `${name}: ${runs.get(name)?.status.message}`);
    assert.match(runs.get('in-west')?.status.attempts[0]?.taskArn ?? '', /^arn:aws:ecs:eu-west-1:123456789012:task\//);
    assert.match(runs.get('in-partner')?.status.attempts[0]?.taskArn ?? '', new RegExp(`^arn:aws:ecs:ap-southeast-2:${ROLE_ACCOUNT}:task/`));
  });

  test('events are counted per account-region of the queue that delivered them; the home queue had none', async () => {
    assert.ok(await metricSum(h.replicas, 'longshore_task_events_total', 'result="applied",region="eu-west-1",account="default"') > 0, 'eu-west-1');
    assert.ok(await metricSum(h.replicas, 'longshore_task_events_total', `result="applied",region="ap-southeast-2",account="${ROLE_ACCOUNT}"`) > 0, 'the partner account in ap-southeast-2');
    assert.equal(await metricSum(h.replicas, 'longshore_task_events_total', 'region="us-east-1",account="default"'), 0, 'nothing of the other Regions reached the home queue');
    assert.equal(await metricSum(h.replicas, 'longshore_task_events_total', 'result="foreign"'), 0);
  });
});
