/**
 * `longshore run kill --task-arn` against a controller process and the simulator: the CLI reports what
 * the controller did with the kill — a malformed ARN is refused before anything is sent (exit 2), a
 * well-formed ARN of no task comes back with AWS's refusal (exit 1), a real task is stopped (exit 0), and
 * killing it again, once stopped, says it had already stopped (exit 1) although StopTask accepts the call.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { keyspace, storeKeys } from '../../controller/store/index.js';
import { cli } from './cli-run.js';
import { until } from '../helpers/until.js';
import { Harness, QUICK_PHASES, pool, run, startHarness, waitStopped } from './controller-harness.js';

describe('run kill through a controller process', () => {
  let h: Harness;
  let taskArn: string;

  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
    await h.startReplica('replica-a');
    await h.store.submit([pool('jobs'), run('long', { pool: 'jobs', env: { SIM_RUN_SECONDS: '3600' } })], { mode: 'apply' });
    taskArn = await until(async () => {
      const record = await h.store.getRun('long');
      const arn = record?.status.attempts[0]?.taskArn;
      return arn !== undefined && record?.status.phase === 'running' ? arn : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100, what: async () => `run "long" running: ${JSON.stringify((await h.store.getRun('long'))?.status)}` });
  });

  after(async () => {
    await h.close();
  });

  test('a malformed ARN exits 2 and sends nothing', async () => {
    const controlKey = storeKeys(keyspace(h.namespace)).control;
    const before = await h.store.ctx.redis.xlen(controlKey);
    const result = await cli(h.namespace, ['run', 'kill', '--task-arn', 'task/long/abc']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: --task-arn "task\/long\/abc" is not an ECS task ARN; expected arn:aws:ecs:<region>:<12-digit account>:task\/<cluster>\/<task-id>/);
    assert.equal(await h.store.ctx.redis.xlen(controlKey), before);
  });

  test('a well-formed ARN of no task exits 1 with AWS\'s message', async () => {
    const unknown = taskArn.replace(/[^/]+$/, '0'.repeat(32));
    const result = await cli(h.namespace, ['run', 'kill', '--task-arn', unknown]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^error: task arn:\S+ not killed: StopTask: InvalidParameterException: The referenced task was not found/);
  });

  test('a real task is stopped and the CLI says so (exit 0)', async () => {
    const result = await cli(h.namespace, ['run', 'kill', '--task-arn', taskArn, '--reason', 'e2e kill']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.startsWith(`task ${taskArn} killed: StopTask accepted for ${taskArn}`), true, result.stdout);
    await waitStopped(h.store, ['long'], 30_000);
    const task = h.sim.audit().tasks.find((t) => t.taskArn === taskArn);
    assert.equal(task?.stopCode, 'UserInitiated');
  });

  test('a task that has already stopped: exit 1, "had already stopped", not "killed"', async () => {
    // Runs after the test above: the task is STOPPED and ECS keeps it visible, so StopTask still answers.
    const result = await cli(h.namespace, ['run', 'kill', '--task-arn', taskArn]);
    assert.equal(result.code, 1, result.stdout);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`^error: task ${taskArn.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} not killed: task \\S+ had already stopped at \\S+ \\(UserInitiated: e2e kill\\)`));
  });
});
