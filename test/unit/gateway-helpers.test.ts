import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fargateLaunchesOf } from '../../controller/aws/fargate.js';
import { budgetEnvName } from '../../controller/aws/budgets.js';
import { soonest } from '../../controller/queue/reconcile.js';
import { wakeUpOptions } from '../../controller/queue/queues.js';

describe('fargateLaunchesOf', () => {
  test('launchType FARGATE spends on-demand launch tokens, one per task', () => {
    assert.deepEqual(fargateLaunchesOf({ taskDefinition: 'f', launchType: 'FARGATE', count: 4 }), { category: 'fargateLaunches', count: 4 });
  });
  test('a FARGATE_SPOT strategy spends spot launch tokens', () => {
    assert.deepEqual(fargateLaunchesOf({ taskDefinition: 'f', capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }] }), { category: 'fargateSpotLaunches', count: 1 });
  });
  test('a mixed strategy counts against on-demand', () => {
    const input = { taskDefinition: 'f', capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 3 }, { capacityProvider: 'FARGATE', weight: 1 }] };
    assert.equal(fargateLaunchesOf(input)?.category, 'fargateLaunches');
  });
  test('EC2, EXTERNAL and custom capacity providers spend no Fargate tokens', () => {
    assert.equal(fargateLaunchesOf({ taskDefinition: 'f', launchType: 'EC2' }), undefined);
    assert.equal(fargateLaunchesOf({ taskDefinition: 'f', launchType: 'EXTERNAL' }), undefined);
    assert.equal(fargateLaunchesOf({ taskDefinition: 'f', capacityProviderStrategy: [{ capacityProvider: 'my-asg' }] }), undefined);
  });
  test('no launch type and no strategy is ECS\'s default, not Fargate', () => {
    assert.equal(fargateLaunchesOf({ taskDefinition: 'f' }), undefined);
  });
});

describe('soonest', () => {
  test('takes the smallest requeue and ignores results that need none', () => {
    assert.deepEqual(soonest({}, { requeueAfterMs: 500 }, { requeueAfterMs: 100 }), { requeueAfterMs: 100 });
    assert.deepEqual(soonest({}, {}), {});
  });
});

describe('wake-up job options', () => {
  test('a wake-up coalesces by key, keeps one waiting behind an active job, and pulls a delayed one forward', () => {
    const options = wakeUpOptions('run-1');
    assert.deepEqual(options.deduplication, { id: 'run-1', keepLastIfActive: true, reschedule: true });
    assert.equal(options.delay, 0);
  });
  test('a delayed wake-up does not pull an earlier one later', () => {
    assert.deepEqual(wakeUpOptions('run-1', 5000).deduplication, { id: 'run-1', keepLastIfActive: true });
  });
});

describe('budgetEnvName', () => {
  test('names each category\'s variable in screaming snake case', () => {
    assert.equal(budgetEnvName('clusterResourceModify'), 'LONGSHORE_BUDGET_CLUSTER_RESOURCE_MODIFY');
    assert.equal(budgetEnvName('ec2Describe'), 'LONGSHORE_BUDGET_EC2_DESCRIBE');
  });
});
