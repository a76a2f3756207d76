/**
 * Entries on the change feed that do not parse (anything that can XADD can write them) must not stay pending
 * for ever, re-claimed by every replica: two controller processes acknowledge and count them, once each, and
 * keep serving the valid changes around them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { keyspace, storeKeys } from '../../controller/store/index.js';
import { until } from '../helpers/until.js';
import { Harness, QUICK_PHASES, metricSum, pool, run, startHarness, waitStopped } from './controller-harness.js';

const GARBAGE = 25;

describe('garbage on the change feed', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
    await Promise.all([h.startReplica('replica-a'), h.startReplica('replica-b')]);
  });
  after(async () => {
    await h.close();
  });

  test('is acknowledged and counted once across replicas, and valid changes still reach their runs', async () => {
    const changes = storeKeys(keyspace(h.namespace)).changes;
    const redis = h.store.ctx.redis;
    for (let i = 0; i < GARBAGE; i += 1) await redis.xadd(changes, '*', 'junk', `entry-${i}`);
    await h.store.submit([pool('jobs'), run('amid-garbage', { pool: 'jobs', env: { SIM_RUN_SECONDS: '1' } })], { mode: 'apply' });

    const runs = await waitStopped(h.store, ['amid-garbage'], 60_000);
    assert.equal(runs.get('amid-garbage')?.status.outcome, 'succeeded');

    const dropped = () => metricSum(h.replicas, 'longshore_stream_entries_malformed_total', 'stream="changes"');
    await until(async () => (await dropped()) >= GARBAGE, { timeoutMs: 30_000, intervalMs: 200, what: async () => `${GARBAGE} malformed entries counted (${await dropped()})` });
    assert.equal(await dropped(), GARBAGE, 'each garbage entry counted once across the replicas');
    const [pending] = (await redis.xpending(changes, 'controller')) as [number, ...unknown[]];
    assert.equal(pending, 0, 'nothing left pending for a replica to re-claim');
  });
});
