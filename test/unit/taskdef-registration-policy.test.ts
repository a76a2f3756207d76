import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BudgetExhaustedError, GatewayError } from '../../controller/aws/errors.js';
import { isMissingFamily, registrationBackoffMs, registrationErrorAction } from '../../reconcilers/taskdef/registration-policy.js';

const conflict = () => new GatewayError('conflict', 'RegisterTaskDefinition', 'ClientException', 'RegisterTaskDefinition: ClientException: Too many concurrent attempts to create a new revision of the specified family.',
  Object.assign(new Error('Too many concurrent attempts to create a new revision of the specified family.'), { name: 'ClientException' }));

describe('registration policy', () => {
  test('backoff is full jitter under an exponential ceiling capped at 20 s', () => {
    assert.equal(registrationBackoffMs('throttled', 1, () => 0.999999), 999);
    assert.equal(registrationBackoffMs('throttled', 3, () => 0.5), 2000);
    assert.equal(registrationBackoffMs('conflict', 2, () => 0.5), 500);
    assert.equal(registrationBackoffMs('transient', 1, () => 0.999999), 199);
    assert.equal(registrationBackoffMs('throttled', 30, () => 0.999999), 19_999);
    assert.equal(registrationBackoffMs('throttled', 5, () => 0), 50, 'never zero: a requeue always waits a little');
  });

  test('concurrent-registration conflicts, throttles and 5xx are requeued and counted', () => {
    for (const error of [conflict(), new GatewayError('throttled', 'RegisterTaskDefinition', 'ThrottlingException', 'Rate exceeded', null, 800),
      new GatewayError('transient', 'RegisterTaskDefinition', 'ServerException', 'x', null)]) {
      const action = registrationErrorAction(error, 2, () => 0.5, 'fam');
      assert.equal(action.action, 'requeue');
      assert.equal(action.action === 'requeue' && action.counts, true);
    }
    const throttled = registrationErrorAction(new GatewayError('throttled', 'RegisterTaskDefinition', 'ThrottlingException', 'Rate exceeded', null, 5000), 1, () => 0, 'fam');
    assert.equal(throttled.action === 'requeue' && throttled.afterMs, 5000, 'the gateway\'s hint is a floor');
  });

  test('an empty budget is requeued for exactly its refill time, not counted', () => {
    assert.deepEqual(registrationErrorAction(new BudgetExhaustedError('taskDefinitionModify', 1000), 4, () => 0.5, 'fam'),
      { action: 'requeue', afterMs: 1000, counts: false, reason: 'budget' });
  });

  test('other client errors are terminal and carry AWS\'s own words', () => {
    const error = new GatewayError('client', 'RegisterTaskDefinition', 'ClientException', 'RegisterTaskDefinition: ClientException: Fargate requires task definition to have execution role ARN to support log driver awslogs.',
      Object.assign(new Error('Fargate requires task definition to have execution role ARN to support log driver awslogs.'), { name: 'ClientException' }));
    assert.deepEqual(registrationErrorAction(error, 1, () => 0.5, 'fam'), {
      action: 'fail', code: 'ClientException',
      message: "Registering task definition family 'fam' failed: ClientException: Fargate requires task definition to have execution role ARN to support log driver awslogs.",
    });
  });

  test('a family with no revision is a miss, an empty budget is not', () => {
    assert.ok(isMissingFamily(new GatewayError('client', 'DescribeTaskDefinition', 'ClientException', 'Unable to describe task definition.', null)));
    assert.ok(!isMissingFamily(new BudgetExhaustedError('taskDefinitionRead', 100)));
    assert.ok(!isMissingFamily(new GatewayError('throttled', 'DescribeTaskDefinition', 'ThrottlingException', 'Rate exceeded', null)));
  });
});
