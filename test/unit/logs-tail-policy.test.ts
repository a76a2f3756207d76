import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { afterReadFailure, LOG_TAIL_TRIES, logTailOf, planLogTail, TAIL_LOG_LINE_CHARS, TAIL_LOG_LINES, tailLogFields } from '../../controller/logs/log-tail-policy.js';
import { newPool, newRunRecord } from './run-builders.js';

function stoppedRun(outcome: 'failed' | 'crashed' | 'succeeded' | 'cancelled', attempts = 1) {
  const run = newRunRecord();
  run.status = { ...run.status, phase: 'stopped', outcome, attempts: Array.from({ length: attempts }, (_, i) => ({ number: i + 1, taskArn: `arn:t/${i}` })) };
  return run;
}
const logsPool = (extra: Record<string, unknown> = {}) => newPool({ cloudwatchLogs: { enabled: true, ...extra } });

describe('failure tail policy', () => {
  test('a failed or crashed run of a pool with logs gets its last attempt\'s tail, 20 lines by default', () => {
    assert.deepEqual(planLogTail(stoppedRun('failed'), logsPool()), { kind: 'read', attempt: 1, lines: 20 });
    assert.deepEqual(planLogTail(stoppedRun('crashed', 3), logsPool({ failureTailLines: 5 })), { kind: 'read', attempt: 3, lines: 5 });
  });

  test('nothing for other outcomes, runs still going, pools without logs, a tail of 0, or one already recorded', () => {
    assert.equal(planLogTail(stoppedRun('succeeded'), logsPool()).kind, 'none');
    assert.equal(planLogTail(stoppedRun('cancelled'), logsPool()).kind, 'none');
    const running = stoppedRun('failed');
    running.status.phase = 'running';
    assert.equal(planLogTail(running, logsPool()).kind, 'none');
    assert.equal(planLogTail(stoppedRun('failed'), newPool()).kind, 'none');
    assert.equal(planLogTail(stoppedRun('failed'), null).kind, 'none');
    assert.equal(planLogTail(stoppedRun('failed'), logsPool({ failureTailLines: 0 })).kind, 'none');
    assert.equal(planLogTail(stoppedRun('failed', 0), logsPool()).kind, 'none');
    assert.equal(planLogTail(null, logsPool()).kind, 'none');
    const recorded = stoppedRun('failed');
    recorded.status.logTail = logTailOf(1, 'main', ['x'], 0);
    assert.deepEqual(planLogTail(recorded, logsPool()), { kind: 'none', why: 'already recorded' });
  });

  test('Logs failing is retried with growing waits, a bounded number of times, then recorded as unreadable', () => {
    const waits = [];
    for (let tries = 1; tries < LOG_TAIL_TRIES; tries += 1) {
      const next = afterReadFailure('Throttled', 'slow', tries);
      assert.equal(next.kind, 'retry');
      if (next.kind === 'retry') waits.push(next.afterMs);
    }
    assert.deepEqual(waits, [5000, 10_000, 20_000, 40_000]);
    const last = afterReadFailure('Unavailable', 'CloudWatch Logs down', LOG_TAIL_TRIES);
    assert.deepEqual(last, { kind: 'record', error: `could not read the log after ${LOG_TAIL_TRIES} tries: CloudWatch Logs down` });
  });

  test('no stream is recorded at once as "no output"; a run or pool that went away drops the tail', () => {
    assert.equal(afterReadFailure('NotStarted', 'x', 1).kind, 'record');
    assert.deepEqual(afterReadFailure('RunNotFound', 'x', 1), { kind: 'drop' });
    assert.deepEqual(afterReadFailure('LogsDisabled', 'x', 1), { kind: 'drop' });
  });

  test('the controller\'s log line of a tail names the run and its outcome, with the last lines bounded in number and length', () => {
    const run = stoppedRun('failed');
    run.status.message = 'the container exited with code 3';
    run.status.attempts[0].exitCode = 3;
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    lines[29] = 'x'.repeat(TAIL_LOG_LINE_CHARS + 100);
    const fields = tailLogFields('prod', run, logTailOf(1, 'main', lines, 0));
    assert.deepEqual({ ...fields, lastOutput: undefined }, {
      namespace: 'prod', run: run.metadata.name, pool: run.spec.pool, outcome: 'failed', message: 'the container exited with code 3',
      attempt: 1, container: 'main', exitCode: 3, lastOutput: undefined,
    });
    const last = fields.lastOutput as string[];
    assert.equal(last.length, TAIL_LOG_LINES);
    assert.equal(last[0], 'line 11');
    assert.equal(last.at(-1), `${'x'.repeat(TAIL_LOG_LINE_CHARS)}…`);
  });
});
