/**
 * Pools in several Regions and accounts through a controller process: each pool's runs launch in its own
 * Region (its task ARNs say so), a pool with roleArn launches in the role's account, the metrics show each
 * account-region, and a pool whose Region the account cannot use fails with a message naming it. The network
 * of a pool in another account-region is inferred there (the simulator gives each its own VPCs and subnets),
 * and a failed run's last lines are read from CloudWatch Logs in the pool's account-region.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../controller/api/run.js';
import { Harness, pool, run, startHarness, waitStopped } from './controller-harness.js';
import { until } from '../helpers/until.js';

const ROLE_ACCOUNT = '210987654321';

describe('pools in several Regions and accounts through a controller process', () => {
  let h: Harness;
  let runs: Map<string, RunRecord>;
  let metrics = '';
  let metricsPort = 0;

  before(async () => {
    h = await startHarness({ accounts: [ROLE_ACCOUNT] });
    const replica = await h.startReplica('replica-a');
    await h.store.submit([
      pool('east', { region: 'us-east-1' }),
      pool('west', { region: 'eu-west-1' }),
      pool('partner', {
        region: 'ap-southeast-2', roleArn: `arn:aws:iam::${ROLE_ACCOUNT}:role/longshore-launcher`,
        executionRoleArn: `arn:aws:iam::${ROLE_ACCOUNT}:role/exec`, cloudwatchLogs: { enabled: true },
      }),
      pool('cape', { region: 'af-south-1' }),
    ], { mode: 'apply' });
    await h.store.submit([
      run('in-east', { pool: 'east', env: { SIM_RUN_SECONDS: '1' } }),
      run('in-west', { pool: 'west', env: { SIM_RUN_SECONDS: '1' } }),
      run('in-partner', { pool: 'partner', env: { SIM_RUN_SECONDS: '1' } }),
      run('partner-fails', { pool: 'partner', env: { SIM_RUN_SECONDS: '1', SIM_LOG_LINES: '3', SIM_EXIT_CODE: '2' } }),
      run('in-cape', { pool: 'cape', env: { SIM_RUN_SECONDS: '1' } }),
    ], { mode: 'create' });
    runs = await waitStopped(h.store, ['in-east', 'in-west', 'in-partner', 'partner-fails', 'in-cape'], 90_000);
    metricsPort = replica.metricsPort;
    metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  });

  after(async () => {
    await h.close();
  });

  test('each pool launches in its own Region, and the role pool in the role account', () => {
    const arnOf = (name: string) => runs.get(name)?.status.attempts[0]?.taskArn ?? '';
    for (const name of ['in-east', 'in-west', 'in-partner']) assert.equal(runs.get(name)?.status.outcome, 'succeeded', `${name}: ${runs.get(name)?.status.message}`);
    assert.match(arnOf('in-east'), /^arn:aws:ecs:us-east-1:123456789012:task\//);
    assert.match(arnOf('in-west'), /^arn:aws:ecs:eu-west-1:123456789012:task\//);
    assert.match(arnOf('in-partner'), new RegExp(`^arn:aws:ecs:ap-southeast-2:${ROLE_ACCOUNT}:task/`));
  });

  test('a failed run in another account-region has its last lines read from that account-region\'s CloudWatch Logs', async () => {
    const failed = await until(async () => {
      const record = await h.store.getRun('partner-fails');
      return record?.status.logTail !== undefined && record;
    }, { timeoutMs: 30_000, intervalMs: 250, what: 'the log tail of partner-fails' });
    assert.equal(failed.status.outcome, 'failed', failed.status.message);
    assert.match(failed.status.attempts[0]?.taskArn ?? '', new RegExp(`^arn:aws:ecs:ap-southeast-2:${ROLE_ACCOUNT}:task/`));
    assert.deepEqual(failed.status.logTail?.lines, ['log line 1 of 3', 'log line 2 of 3', 'log line 3 of 3', 'Error: the process exited with code 2']);
  });

  test('a pool in a Region the account cannot use fails, naming the Region, and launches nothing', () => {
    const cape = runs.get('in-cape');
    assert.equal(cape?.status.outcome, 'failed');
    assert.match(cape?.status.message ?? '', /af-south-1/);
    assert.equal(h.sim.audit().tasks.filter((t) => t.startedBy?.endsWith('/in-cape')).length, 0);
  });

  test('RunTask calls are counted per account-region', () => {
    for (const [region, account] of [['eu-west-1', 'default'], ['ap-southeast-2', ROLE_ACCOUNT]]) {
      assert.match(metrics, new RegExp(`longshore_ecs_api_calls_total\\{action="RunTask",outcome="success",region="${region}",account="${account}",[^}]*\\} [1-9]`), `${region}/${account}`);
    }
  });

  test('budget levels are exported for every account-region the pools use, each against its own capacity', async () => {
    const series = (name: string, region: string, account: string) => new RegExp(`^${name}\\{category="fargateRunTaskCalls",region="${region}",account="${account}",[^}]*\\} ([\\d.e+-]+)$`, 'm');
    const scopes = [[h.sim.region, 'default'], ['eu-west-1', 'default'], ['ap-southeast-2', ROLE_ACCOUNT]];
    const text = await until(async () => {
      const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return scopes.every(([region, account]) => series('longshore_budget_tokens', region, account).test(body)) && body;
    }, { timeoutMs: 20_000, intervalMs: 250, what: 'budget gauges of every account-region' });
    for (const [region, account] of scopes) {
      const tokens = Number(series('longshore_budget_tokens', region, account).exec(text)?.[1]);
      const capacity = Number(series('longshore_budget_capacity', region, account).exec(text)?.[1]);
      assert.ok(capacity > 0, `${region}/${account} capacity`);
      assert.ok(tokens >= 0 && tokens <= capacity, `${region}/${account}: ${tokens} of ${capacity}`);
      assert.match(text, series('longshore_budget_rate_factor', region, account));
    }
  });
});
