import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { keyspace } from '../../controller/store/keys.js';
import { createPoolLimiter, slotsFor } from '../../reconcilers/run/pool-limits.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';
import { newPool } from '../unit/run-builders.js';

describe('pool limits in Redis', () => {
  const redis = testRedis();
  const namespace = uniqueNamespace('test-limits');
  const limiter = createPoolLimiter(redis, keyspace(namespace));

  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
  });

  test('maxRunning: the last slot goes to one run; the holder may ask again; release frees it', async () => {
    const pool = newPool({ limits: { maxRunning: 1 } }, 'narrow');
    assert.deepEqual(await limiter.acquire(pool, 'a'), { ok: true });
    assert.deepEqual(await limiter.acquire(pool, 'a'), { ok: true });
    assert.deepEqual(await limiter.acquire(pool, 'b'), { ok: false, limit: 'maxRunning', max: 1 });
    await limiter.release(pool.metadata.name, 'a', slotsFor('running'));
    assert.deepEqual(await limiter.acquire(pool, 'b'), { ok: false, limit: 'maxRunning', max: 1 });
    await limiter.release(pool.metadata.name, 'a', slotsFor('stopped'));
    assert.deepEqual(await limiter.acquire(pool, 'b'), { ok: true });
  });

  test('maxSubmitting frees its slot when the run is running, while maxRunning still counts it', async () => {
    const pool = newPool({ limits: { maxSubmitting: 1, maxRunning: 2 } }, 'mixed');
    assert.deepEqual(await limiter.acquire(pool, 'a'), { ok: true });
    assert.deepEqual(await limiter.acquire(pool, 'b'), { ok: false, limit: 'maxSubmitting', max: 1 });
    await limiter.release(pool.metadata.name, 'a', slotsFor('running'));
    assert.deepEqual(await limiter.acquire(pool, 'b'), { ok: true });
    await limiter.release(pool.metadata.name, 'b', slotsFor('running'));
    assert.deepEqual(await limiter.acquire(pool, 'c'), { ok: false, limit: 'maxRunning', max: 2 });
  });

  test('concurrent acquisitions never exceed the limit', async () => {
    const pool = newPool({ limits: { maxRunning: 3 } }, 'burst');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.acquire(pool, `r${i}`)));
    assert.equal(results.filter((r) => r.ok).length, 3);
  });

  test('freeing a slot names the oldest waiters, one per freed slot; a stopped waiter leaves the line', async () => {
    const pool = newPool({ limits: { maxRunning: 1 } }, 'line');
    assert.equal((await limiter.acquire(pool, 'holder')).ok, true);
    for (const name of ['first', 'second', 'gone']) assert.equal((await limiter.acquire(pool, name)).ok, false);
    assert.deepEqual(await limiter.release(pool.metadata.name, 'gone', slotsFor('stopped')), []);
    assert.deepEqual(await limiter.release(pool.metadata.name, 'holder', slotsFor('running')), ['first']);
    assert.deepEqual(await limiter.release(pool.metadata.name, 'holder', slotsFor('stopped')), ['first']);
    assert.equal((await limiter.acquire(pool, 'first')).ok, true);
    assert.deepEqual(await limiter.release(pool.metadata.name, 'first', slotsFor('stopped')), ['second']);
  });

  test('an unlimited pool always grants', async () => {
    const pool = newPool({}, 'wide');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => limiter.acquire(pool, `r${i}`)));
    assert.ok(results.every((r) => r.ok));
  });
});
