import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldFilter } from '../../controller/server/query.js';
import { summaryLine } from '../../cmd/cli/run.js';

const q = (text: string) => new URLSearchParams({ fieldSelector: text });

describe('fieldSelector: run fields, outcome included', () => {
  test('equalities on name, pool, phase and outcome', () => {
    assert.deepEqual(fieldFilter(q('spec.pool=etl,status.phase=stopped,status.outcome=failed'), 'Run'), { pool: 'etl', phase: 'stopped', outcome: 'failed' });
    assert.deepEqual(fieldFilter(q('metadata.name==a'), 'Run'), { name: 'a' });
  });
  test('an unknown outcome or a field pools do not have is a 400 naming it', () => {
    assert.throws(() => fieldFilter(q('status.outcome=lost'), 'Run'), /status\.outcome must be one of succeeded, failed, cancelled, crashed, timed-out, got "lost"/);
    assert.throws(() => fieldFilter(q('status.outcome=failed'), 'Pool'), /supported are equalities on metadata\.name/);
  });
});

describe('run list --summary line', () => {
  test('every phase and outcome, zeros included', () => {
    const line = summaryLine({
      total: 3,
      byPhase: { pending: 1, 'taskdef-resolved': 0, submitted: 0, running: 0, stopped: 2 },
      byOutcome: { succeeded: 1, failed: 0, cancelled: 1, crashed: 0, 'timed-out': 0 },
    });
    assert.equal(line, '3 runs: pending 1, taskdef-resolved 0, submitted 0, running 0, stopped 2 (succeeded 1, failed 0, cancelled 1, crashed 0, timed-out 0)');
  });
});
