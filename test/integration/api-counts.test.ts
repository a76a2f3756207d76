/**
 * runsummary and pools/{name}/status over real Redis: counts for the same filters a list takes (the
 * outcome field selector included), the pool's slots, launches in the last minute and launch ceiling.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSummary } from '../../controller/server/handlers/run-summary.js';
import type { PoolStatus } from '../../controller/server/handlers/pool-status.js';
import type { RunRecord } from '../../controller/api/index.js';
import { poolDoc, runDoc, startTestApi, type TestApi } from '../helpers/api-server.js';
import { RedisBudgets } from '../../controller/aws/redis-budgets.js';
import { DEFAULT_BUDGETS } from '../../controller/aws/budgets.js';
import { budgetKeyParts, scopeOf, shareKeyFor } from '../../controller/aws/budget-keys.js';

type List = { items: Array<{ metadata: { name: string } }> };

describe('API: run counts and pool status', () => {
  let api: TestApi;
  let viewer: string;
  const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

  async function setStatus(name: string, change: (run: RunRecord) => RunRecord['status']): Promise<void> {
    const run = (await api.store.getRun(name))!;
    await api.store.updateRunStatus(name, { status: change(run) }, run.metadata.resourceVersion);
  }

  before(async () => {
    api = await startTestApi();
    viewer = await api.token('viewer');
    await api.store.submit([
      poolDoc('p1'),
      poolDoc('spot', { launchType: 'FARGATE_SPOT', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/runner' }),
      poolDoc('ec2', { launchType: 'EC2' }),
      poolDoc('heavy', { scheduling: { weight: 3, priority: 1 } }),
      ...['a', 'b', 'c', 'd', 'e'].map((n, i) => runDoc(`r-${n}`, {}, { team: i % 2 === 0 ? 'x' : 'y' })),
      runDoc('s-1', { pool: 'spot' }),
    ]);
    await setStatus('r-a', (r) => ({ ...r.status, phase: 'running', attempts: [{ number: 1, submittedAt: ago(10) }] }));
    await setStatus('r-b', (r) => ({ ...r.status, phase: 'stopped', outcome: 'failed', attempts: [{ number: 1, submittedAt: ago(30) }, { number: 2, submittedAt: ago(20) }] }));
    await setStatus('r-c', (r) => ({ ...r.status, phase: 'stopped', outcome: 'succeeded', attempts: [{ number: 1, submittedAt: ago(600) }] }));
    await setStatus('r-d', (r) => ({ ...r.status, phase: 'submitted', attempts: [{ number: 1, submittedAt: ago(300) }] }));
    await api.store.indexOutcomes();
  });
  after(() => api.close());

  test('runsummary counts what the list with the same filters returns, by phase and by outcome', async () => {
    const all = await api.call<RunSummary>('GET', api.ns('runsummary'), { token: viewer });
    assert.equal(all.status, 200, all.text);
    assert.equal(all.body.kind, 'RunSummary');
    assert.deepEqual(all.body.status, {
      total: 6, live: 4, countedBy: 'indexes',
      byPhase: { pending: 2, 'taskdef-resolved': 0, submitted: 1, running: 1, stopped: 2 },
      byOutcome: { succeeded: 1, failed: 1, cancelled: 0, crashed: 0, 'timed-out': 0 },
    });
    for (const query of ['fieldSelector=spec.pool=p1', 'fieldSelector=status.outcome=failed', 'fieldSelector=spec.pool=p1,status.phase=stopped', 'labelSelector=team=x', 'fieldSelector=status.phase=pending&labelSelector=team=y']) {
      const summary = await api.call<RunSummary>('GET', `${api.ns('runsummary')}?${query}`, { token: viewer });
      const list = await api.call<List>('GET', `${api.ns('runs')}?${query}`, { token: viewer });
      assert.equal(summary.status, 200, summary.text);
      assert.equal(summary.body.status.total, list.body.items.length, query);
    }
    const failed = await api.call<List>('GET', `${api.ns('runs')}?fieldSelector=status.outcome=failed`, { token: viewer });
    assert.deepEqual(failed.body.items.map((r) => r.metadata.name), ['r-b']);
    const bad = await api.call<{ message: string }>('GET', `${api.ns('runsummary')}?fieldSelector=status.outcome=lost`, { token: viewer });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /status\.outcome must be one of succeeded/);
    assert.equal((await api.call('GET', api.ns('runsummary'))).status, 401);
  });

  test('pool status: counts, slots, attempts launched in the last minute and the account-region launch ceiling', async () => {
    const p1 = await api.call<PoolStatus>('GET', api.ns('pools/p1/status'), { token: viewer });
    assert.equal(p1.status, 200, p1.text);
    assert.equal(p1.body.status.runs.total, 5);
    assert.equal(p1.body.status.runs.live, 3);
    assert.deepEqual(p1.body.status.slots, { submitting: 0, running: 0, waiting: 0 });
    // r-a's attempt (10 s ago) and both of r-b's (stopped now, attempts 30 s and 20 s ago); not r-c's nor r-d's.
    assert.equal(p1.body.status.launches.attempts, 3);
    assert.equal(p1.body.status.launches.windowSeconds, 60);
    assert.deepEqual({ ...p1.body.status.launchBudget, tokens: undefined, rateFactor: undefined }, {
      account: 'default', region: 'default', category: 'fargateLaunches', burst: 100, refillPerSecond: 20, tokens: undefined, rateFactor: undefined,
      throttlesLastMinute: 0,
    });
    assert.ok(p1.body.status.launchBudget!.tokens > 0);

    const spot = await api.call<PoolStatus>('GET', api.ns('pools/spot/status'), { token: viewer });
    assert.equal(spot.body.status.launchBudget?.category, 'fargateSpotLaunches');
    assert.equal(spot.body.status.launchBudget?.account, '123456789012');
    assert.equal(spot.body.status.launchBudget?.region, 'eu-west-1');
    assert.equal(spot.body.status.runs.byPhase.pending, 1);

    const ec2 = await api.call<PoolStatus>('GET', api.ns('pools/ec2/status'), { token: viewer });
    assert.equal(ec2.body.status.launchBudget, undefined, 'EC2 launches spend no Fargate bucket');
    assert.equal((await api.call('GET', api.ns('pools/nope/status'), { token: viewer })).status, 404);
  });

  test('pool status: the fair share the budget script records for the pool, or its scheduling with zeros', async () => {
    const quiet = await api.call<PoolStatus>('GET', api.ns('pools/heavy/status'), { token: viewer });
    assert.equal(quiet.status, 200, quiet.text);
    assert.deepEqual(quiet.body.status.share, { weight: 3, priority: 1, waitingRuns: 0, launchesPerSecond: 0, sharePercent: 0, refusalsLastMinute: 0 });
    // Launches the way the controller takes them: the pool's account-region buckets and share keys.
    const scope = scopeOf(undefined, { region: undefined });
    const budgets = new RedisBudgets({
      redis: api.redis, budgets: DEFAULT_BUDGETS,
      bucketKey: (category) => api.store.keyspace.key(...budgetKeyParts(scope, { region: undefined }, category)),
      shareKey: shareKeyFor(api.store.keyspace, scope, { region: undefined }),
    });
    for (const caller of ['h-1', 'h-2']) {
      const taken = await budgets.take([{ category: 'fargateLaunches', count: 1 }], { lane: 'launch', pool: 'heavy', caller, weight: 3, priority: 1 });
      assert.equal(taken.granted, true);
    }
    const busy = await api.call<PoolStatus>('GET', api.ns('pools/heavy/status'), { token: viewer });
    assert.equal(busy.body.status.share.weight, 3);
    assert.equal(busy.body.status.share.sharePercent, 100, 'the only pool that launched took every launch');
    assert.ok(busy.body.status.share.launchesPerSecond > 0);
    assert.equal(busy.body.status.share.refusalsLastMinute, 0);

    // A throttle AWS answered in the account-region is counted there, and shows on every pool of it.
    await budgets.recordThrottle('fargateLaunches');
    await budgets.recordThrottle('clusterResourceModify');
    const throttled = await api.call<PoolStatus>('GET', api.ns('pools/heavy/status'), { token: viewer });
    assert.equal(throttled.body.status.launchBudget?.throttlesLastMinute, 2);
    assert.ok(throttled.body.status.launchBudget!.rateFactor < 1, 'the throttle slowed the launch bucket down');
    const elsewhere = await api.call<PoolStatus>('GET', api.ns('pools/spot/status'), { token: viewer });
    assert.equal(elsewhere.body.status.launchBudget?.throttlesLastMinute, 0, 'another account-region met none');
  });
});
