import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admitLine, LineBucket, nextAttempt, redactOutputLine, wantsForwarding } from '../../controller/logs/output-policy.js';
import { newPool, newRunRecord } from './run-builders.js';

describe('streamOutput caps and choices', () => {
  test('a line bucket allows its burst, then its rate', () => {
    const bucket = new LineBucket({ perSecond: 2, burst: 3 });
    assert.deepEqual([0, 0, 0, 0].map(() => bucket.take(1000)), [true, true, true, false]);
    assert.equal(bucket.take(1500), true, 'half a second refills one line');
    assert.equal(bucket.take(1500), false);
  });

  test('the run\'s own cap is spent first, then the replica\'s', () => {
    const run = new LineBucket({ perSecond: 1, burst: 1 });
    const overall = new LineBucket({ perSecond: 1, burst: 2 });
    assert.equal(admitLine(run, overall, 0), 'forwarded');
    assert.equal(admitLine(run, overall, 0), 'dropped-run-cap');
    const other = new LineBucket({ perSecond: 1, burst: 5 });
    assert.equal(admitLine(other, overall, 0), 'forwarded');
    assert.equal(admitLine(other, overall, 0), 'dropped-overall-cap');
  });

  test('attempts are forwarded from the latest, then each later one in turn', () => {
    const run = newRunRecord();
    assert.equal(nextAttempt(run, undefined), undefined);
    run.status.attempts = [{ number: 1 }, { number: 2 }];
    assert.equal(nextAttempt(run, undefined), 2);
    assert.equal(nextAttempt(run, 2), undefined);
    assert.equal(nextAttempt(run, 0), 1);
    run.status.attempts.push({ number: 3 });
    assert.equal(nextAttempt(run, 2), 3);
  });

  test('only runs not stopped, of pools with streamOutput and CloudWatch logs', () => {
    const run = newRunRecord();
    assert.equal(wantsForwarding(run, newPool({ streamOutput: true, cloudwatchLogs: { enabled: true } })), true);
    assert.equal(wantsForwarding(run, newPool({ cloudwatchLogs: { enabled: true } })), false);
    assert.equal(wantsForwarding(run, newPool({ streamOutput: true })), false);
    assert.equal(wantsForwarding(run, undefined), false);
    run.status.phase = 'stopped';
    assert.equal(wantsForwarding(run, newPool({ streamOutput: true, cloudwatchLogs: { enabled: true } })), false);
  });

  test('a password in a URL is not forwarded', () => {
    assert.equal(redactOutputLine('connecting to postgres://app:s3cret@db:5432/x'), 'connecting to postgres://app:[redacted]@db:5432/x');
    assert.equal(redactOutputLine('plain line'), 'plain line');
  });
});
