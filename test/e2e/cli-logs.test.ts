/**
 * `longshore run logs` against a controller process and the simulator: `-f` prints a run's lines while it
 * runs and exits 0 once its task stopped; the failed run's tail lands in its status (and `run describe`);
 * a pool with streamOutput has the lines in the controller's JSON log; errors exit 1 with one line.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from './cli-run.js';
import { until } from '../helpers/until.js';
import { Harness, QUICK_PHASES, TIME_SCALE, pool, run, startHarness } from './controller-harness.js';

const EXEC = 'arn:aws:iam::123456789012:role/exec';
const numbered = (n: number) => Array.from({ length: n }, (_, i) => `log line ${i + 1} of ${n}`);

describe('run logs through a controller process', () => {
  let h: Harness;
  let awsEnv: Record<string, string>;

  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
    awsEnv = {
      AWS_ENDPOINT_URL: h.sim.url, AWS_REGION: h.sim.region, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LONGSHORE_BUDGET_TIME_SCALE: String(TIME_SCALE),
    };
    await h.startReplica('replica-a', { LONGSHORE_LOG_LEVEL: 'info' });
    await h.store.submit([
      pool('printing', { region: h.sim.region, executionRoleArn: EXEC, cloudwatchLogs: { enabled: true }, streamOutput: true }),
      pool('mute', { region: h.sim.region }),
    ], { mode: 'apply' });
  });

  after(async () => {
    await h.close();
  });

  test('-f prints the lines as the run prints them and exits 0 when its task stopped', async () => {
    await h.store.submit([run('talks', { pool: 'printing', env: { SIM_RUN_SECONDS: '120', SIM_LOG_LINES: '15', SIM_EXIT_CODE: '2' } })], { mode: 'apply' });
    const result = await cli(h.namespace, ['run', 'logs', 'talks', '-f', '--timestamps'], { env: awsEnv });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.map((l) => l.replace(/^\S+ /, '')), [...numbered(15), 'Error: the process exited with code 2']);
    assert.ok(lines.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /.test(l)), result.stdout);
    const stopped = await h.store.getRun('talks');
    assert.equal(stopped?.status.phase, 'stopped', 'the follow ended because the run stopped');
  });

  test('the failed run keeps its last lines in status, and describe shows them', async () => {
    const record = await until(async () => {
      const r = await h.store.getRun('talks');
      return r?.status.logTail !== undefined && r;
    }, { timeoutMs: 30_000, intervalMs: 200, what: 'the failure tail in status' });
    assert.equal(record.status.outcome, 'failed');
    assert.deepEqual(record.status.logTail?.lines, [...numbered(15), 'Error: the process exited with code 2']);
    const described = await cli(h.namespace, ['run', 'describe', 'talks']);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /Last output \(attempt 1, container flow\):\n {2}log line 1 of 15\n/);
  });

  test('--tail reads the last lines of a stopped run', async () => {
    const result = await cli(h.namespace, ['run', 'logs', 'talks', '--tail', '2'], { env: awsEnv });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'log line 15 of 15\nError: the process exited with code 2\n');
  });

  test('with streamOutput the lines are in the controller\'s JSON log with the run\'s fields', async () => {
    const forwarded = await until(async () => {
      const entries = h.replicas[0].output().split('\n').filter((l) => l.includes('"run output"')).map((l) => JSON.parse(l) as Record<string, unknown>);
      return entries.length >= 16 && entries;
    }, { timeoutMs: 20_000, intervalMs: 200, what: () => `forwarded lines in:\n${h.replicas[0].output().slice(-2000)}` });
    assert.deepEqual(forwarded.map((e) => e.output), [...numbered(15), 'Error: the process exited with code 2']);
    assert.ok(forwarded.every((e) => e.run === 'talks' && e.namespace === h.namespace && e.attempt === 1 && e.container === 'flow'));
  });

  test('errors exit 1 with one clear line (unknown run, logs disabled); a bad --tail is refused', async () => {
    const missing = await cli(h.namespace, ['run', 'logs', 'nope'], { env: awsEnv });
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `error: run "nope" not found in namespace "${h.namespace}"\n`);
    await h.store.submit([run('quiet', { pool: 'mute', env: { SIM_RUN_SECONDS: '1' } })], { mode: 'apply' });
    const disabled = await cli(h.namespace, ['run', 'logs', 'quiet'], { env: awsEnv });
    assert.equal(disabled.code, 1);
    assert.match(disabled.stderr, /^error: pool "mute" does not send container output to CloudWatch Logs \(spec\.cloudwatchLogs\.enabled is not true\)/);
    assert.equal(disabled.stderr.split('\n').length, 2, 'one line, no stack');
    const bad = await cli(h.namespace, ['run', 'logs', 'talks', '--tail', '-1'], { env: awsEnv });
    assert.notEqual(bad.code, 0);
  });
});
