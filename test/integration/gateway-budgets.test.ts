import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import { RedisBudgets } from '../../controller/aws/redis-budgets.js';
import { BudgetTable, DEFAULT_BUDGETS, ThrottleCategory } from '../../controller/aws/budgets.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

describe('Redis token buckets', () => {
  const namespace = uniqueNamespace('test-budgets');
  const connections: RedisClient[] = [];
  let buckets = 0;

  function connect(): RedisClient {
    const redis = testRedis();
    connections.push(redis);
    return redis;
  }

  /** A fresh namespace per test so buckets never leak between tests. */
  function freshKeys(): (category: ThrottleCategory) => string {
    buckets += 1;
    const prefix = `longshore:{${namespace}}:budget-${buckets}:`;
    return (category) => prefix + category;
  }

  function budgets(redis: RedisClient, bucketKey: (c: ThrottleCategory) => string, clock?: { ms: number }, table: BudgetTable = DEFAULT_BUDGETS) {
    return new RedisBudgets({ redis, bucketKey, budgets: table, ...(clock ? { now: () => clock.ms } : {}) });
  }

  after(async () => {
    await deleteNamespaceKeys(connections[0] ?? connect(), namespace);
    await Promise.all(connections.map((c) => c.quit()));
  });

  test('grants the burst at once, then only the sustained rate', async () => {
    const clock = { ms: 1_000_000 };
    const b = budgets(connect(), freshKeys(), clock);
    const one = [{ category: 'taskDefinitionModify' as const, count: 1 }];
    for (let i = 0; i < 20; i++) assert.equal((await b.take(one)).granted, true, `burst token ${i}`);
    const refused = await b.take(one);
    assert.equal(refused.granted, false);
    assert.equal(refused.retryAfterMs, 1000);
    clock.ms += 500;
    assert.equal((await b.take(one)).retryAfterMs, 500);
    clock.ms += 500;
    assert.equal((await b.take(one)).granted, true);
    assert.equal((await b.take(one)).granted, false);
    clock.ms += 3000;
    for (let i = 0; i < 3; i++) assert.equal((await b.take(one)).granted, true);
    assert.equal((await b.take(one)).granted, false);
  });

  test('replicas on different connections share one bucket', async () => {
    const clock = { ms: 5_000_000 };
    const keys = freshKeys();
    const a = budgets(connect(), keys, clock);
    const b = budgets(connect(), keys, clock);
    const one = [{ category: 'taskDefinitionModify' as const, count: 1 }];
    for (let i = 0; i < 10; i++) {
      assert.equal((await a.take(one)).granted, true);
      assert.equal((await b.take(one)).granted, true);
    }
    assert.equal((await a.take(one)).granted, false);
    assert.equal((await b.take(one)).granted, false);
  });

  test('concurrent takers on many connections never get more than the burst', async () => {
    const keys = freshKeys();
    // Redis TIME as the clock; a refill this slow adds no token during the test.
    const table: BudgetTable = { ...DEFAULT_BUDGETS, clusterResourceRead: { burst: 50, refillPerSecond: 0.001 } };
    const takers = Array.from({ length: 5 }, () => budgets(connect(), keys, undefined, table));
    const results = await Promise.all(
      takers.flatMap((t) => Array.from({ length: 30 }, () => t.take([{ category: 'clusterResourceRead', count: 1 }]))),
    );
    assert.equal(results.filter((r) => r.granted).length, 50);
    assert.ok(results.filter((r) => !r.granted).every((r) => r.retryAfterMs > 0));
  });

  test('a multi-bucket take is all or nothing', async () => {
    const clock = { ms: 7_000_000 };
    const b = budgets(connect(), freshKeys(), clock);
    const launch = (count: number) => [
      { category: 'clusterResourceModify' as const, count: 1 },
      { category: 'fargateRunTaskCalls' as const, count: 1 },
      { category: 'fargateLaunches' as const, count },
    ];
    for (let i = 0; i < 10; i++) assert.equal((await b.take(launch(10))).granted, true);
    const refused = await b.take(launch(1));
    assert.equal(refused.granted, false);
    assert.equal(refused.retryAfterMs, 50, 'one launch token at 20/s');
    const api = await b.level('clusterResourceModify');
    assert.equal(api.tokens, 90, 'the refused call took no API token');
    assert.equal((await b.level('fargateRunTaskCalls')).tokens, 10);
  });

  test('a throttle halves the shared rate once per cooldown, empties the bucket, and the rate recovers', async () => {
    const clock = { ms: 9_000_000 };
    const keys = freshKeys();
    const a = budgets(connect(), keys, clock);
    const b = budgets(connect(), keys, clock);
    const first = await a.recordThrottle('clusterResourceModify');
    assert.deepEqual(first, { category: 'clusterResourceModify', tokens: 0, rateFactor: 0.5 });
    const again = await b.recordThrottle('clusterResourceModify');
    assert.equal(again.rateFactor, 0.5, 'a second throttle within the cooldown does not decrease again');
    const refused = await b.take([{ category: 'clusterResourceModify', count: 1 }]);
    assert.equal(refused.retryAfterMs, 50, 'one token at half of 40/s');
    clock.ms += 1000;
    assert.equal((await a.recordThrottle('clusterResourceModify')).rateFactor, 0.275, '(0.5 + 1 s × 0.05/s) × 0.5');
    clock.ms += 10_000;
    const recovered = await b.level('clusterResourceModify');
    assert.equal(recovered.rateFactor, 0.775, '0.275 + 10 s × 0.05/s');
    clock.ms += 60_000;
    assert.equal((await a.level('clusterResourceModify')).rateFactor, 1);
    assert.equal((await a.level('clusterResourceModify')).tokens, 100);
  });

  test('against a time-scaled ECS the slow-down recovers on the budgets\' clock (clockScale)', async () => {
    const clock = { ms: 12_000_000 };
    const scaled = new RedisBudgets({ redis: connect(), bucketKey: freshKeys(), budgets: DEFAULT_BUDGETS, now: () => clock.ms, clockScale: 10 });
    assert.equal((await scaled.recordThrottle('clusterResourceModify')).rateFactor, 0.5);
    clock.ms += 100;
    assert.equal((await scaled.recordThrottle('clusterResourceModify')).rateFactor, 0.275, 'the 1 s cool-down is 100 ms: (0.5 + 0.1 s × 0.5/s) × 0.5');
    clock.ms += 1000;
    assert.equal((await scaled.level('clusterResourceModify')).rateFactor, 0.775, 'recovers 0.05 per budget second: 0.5 per real second at ×10');
  });

  test('the rate never drops below the floor', async () => {
    const clock = { ms: 11_000_000 };
    const b = budgets(connect(), freshKeys(), clock);
    for (let i = 0; i < 10; i++) {
      await b.recordThrottle('logsRead');
      clock.ms += 1000;
    }
    assert.equal((await b.level('logsRead')).rateFactor, 0.05 + 0.05 * 1);
  });

  test('asking for more than the burst is refused outright', async () => {
    const b = budgets(connect(), freshKeys(), { ms: 1 });
    await assert.rejects(b.take([{ category: 'logsRead', count: 11 }]), RangeError);
  });
});
