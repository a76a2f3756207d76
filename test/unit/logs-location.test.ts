import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { locateStream, requireLogsEnabled, selectAttempt, taskIdOf } from '../../controller/logs/location.js';
import { toRunLogError } from '../../controller/logs/errors.js';
import { RunLogError } from '../../controller/logs/types.js';
import { BudgetExhaustedError, GatewayError } from '../../controller/aws/errors.js';
import { newPool, newRunRecord } from './run-builders.js';

const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef';

function runWithAttempts(count: number) {
  const run = newRunRecord({}, 'r1');
  run.status.attempts = Array.from({ length: count }, (_, i) => ({ number: i + 1, taskArn: `${TASK}${i}` }));
  return run;
}

describe('log stream location', () => {
  test('the awslogs stream is <prefix>/<container>/<task id>, on the pool\'s group', () => {
    const pool = newPool({ cloudwatchLogs: { enabled: true }, region: 'eu-west-1' });
    const run = runWithAttempts(1);
    assert.deepEqual(locateStream(pool, run, run.status.attempts[0], undefined), {
      group: 'longshore', stream: `longshore-logs_pool-a/longshore/${taskIdOf(TASK)}0`, container: 'longshore', region: 'eu-west-1', target: { region: 'eu-west-1' },
    });
    const custom = newPool({ cloudwatchLogs: { enabled: true, group: 'g', streamPrefix: 'p', options: { 'awslogs-group': 'override' } }, containerName: 'main' });
    assert.deepEqual(locateStream(custom, run, run.status.attempts[0], 'us-east-1'), {
      group: 'override', stream: `p/main/${taskIdOf(TASK)}0`, container: 'main', region: 'us-east-1', target: { region: 'us-east-1' },
    });
    // A pool with a role reads its streams through that role, in its Region.
    const roled = newPool({ cloudwatchLogs: { enabled: true }, region: 'ap-south-1', roleArn: 'arn:aws:iam::210987654321:role/r', externalId: 'x1' });
    assert.deepEqual(locateStream(roled, run, run.status.attempts[0], 'us-east-1')?.target, { region: 'ap-south-1', roleArn: 'arn:aws:iam::210987654321:role/r', externalId: 'x1' });
  });

  test('a pool without a region: its stream is in the Region its task ran in (the controller\'s), whatever the reader\'s', () => {
    const pool = newPool({ cloudwatchLogs: { enabled: true } });
    const run = runWithAttempts(1);
    assert.deepEqual(locateStream(pool, run, run.status.attempts[0], 'eu-west-1')?.target, { region: 'us-east-1' });
    assert.equal(locateStream(pool, run, run.status.attempts[0], undefined)?.region, 'us-east-1');
    const odd = newRunRecord({}, 'r2');
    odd.status.attempts = [{ number: 1, taskArn: 'not-an-arn/abc' }];
    assert.equal(locateStream(pool, odd, odd.status.attempts[0], 'eu-west-1')?.region, 'eu-west-1', 'no Region in it: the reader\'s own');
  });

  test('an attempt without a task has no stream yet', () => {
    const pool = newPool({ cloudwatchLogs: { enabled: true } });
    const run = newRunRecord();
    assert.equal(locateStream(pool, run, { number: 1 }, 'us-east-1'), undefined);
  });

  test('the latest attempt by default; an unknown one is NoSuchAttempt', () => {
    const run = runWithAttempts(2);
    assert.equal(selectAttempt(run, undefined)?.number, 2);
    assert.equal(selectAttempt(run, 1)?.number, 1);
    assert.throws(() => selectAttempt(run, 3), (e: unknown) => e instanceof RunLogError && e.reason === 'NoSuchAttempt' && /attempts are 1 to 2/.test(e.message));
    assert.equal(selectAttempt(newRunRecord(), undefined), undefined);
  });

  test('a pool without CloudWatch logs is LogsDisabled, naming the field', () => {
    assert.throws(() => requireLogsEnabled(newPool(), newRunRecord()), (e: unknown) => e instanceof RunLogError && e.reason === 'LogsDisabled' && /cloudwatchLogs\.enabled/.test(e.message));
    assert.throws(() => requireLogsEnabled(null, newRunRecord()), (e: unknown) => e instanceof RunLogError && e.reason === 'LogsDisabled');
  });
});

describe('log errors', () => {
  test('a throttle after the gateway\'s tries, or an empty budget, is Throttled', () => {
    const throttled = new GatewayError('throttled', 'GetLogEvents', 'ThrottlingException', 'Rate exceeded', new Error('Rate exceeded'));
    assert.equal(toRunLogError(throttled, 'x').reason, 'Throttled');
    assert.equal(toRunLogError(new BudgetExhaustedError('logsRead', 100), 'x').reason, 'Throttled');
  });

  test('expired or refused credentials say so', () => {
    const cause = Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' });
    const error = toRunLogError(new GatewayError('client', 'GetLogEvents', 'ExpiredTokenException', 'x', cause), 'run "r"');
    assert.equal(error.reason, 'Unavailable');
    assert.match(error.message, /refused the AWS credentials \(ExpiredTokenException: The security token included in the request is expired\)/);
  });

  test('anything else is Unavailable with its words, never a stack', () => {
    const error = toRunLogError(new Error('connect ECONNREFUSED'), 'run "r"');
    assert.equal(error.reason, 'Unavailable');
    assert.equal(error.message, 'could not read run "r": connect ECONNREFUSED');
    const failed = toRunLogError(new GatewayError('transient', 'GetLogEvents', 'ServiceUnavailableException', 'm', new Error('down')), 'run "r"');
    assert.match(failed.message, /GetLogEvents failed with ServiceUnavailableException: down/);
  });
});
