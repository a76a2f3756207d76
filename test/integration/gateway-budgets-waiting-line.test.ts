/**
 * Many callers waiting for one bucket: the script keeps an approximate waiting line so that refused callers
 * are told distinct turns instead of all coming back when the next single token refills.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import { RedisBudgets, TokenRequest } from '../../controller/aws/redis-budgets.js';
import { DEFAULT_BUDGETS, ThrottleCategory } from '../../controller/aws/budgets.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

const RUN_TASK_CALLS: TokenRequest[] = [{ category: 'fargateRunTaskCalls', count: 1 }];
const { burst: BURST, refillPerSecond: RATE } = DEFAULT_BUDGETS.fargateRunTaskCalls;
/** Long enough for the 200 waiters below (9 s of refill) to stand in one line. */
const LINE_SECONDS = 10;

interface Attempt {
  granted: boolean;
  retryAfterMs: number;
}

interface Outcome {
  refusals: number;
  /** Waiters in the order they were granted, with the clock at the grant. */
  served: { id: number; atMs: number }[];
}

/**
 * N waiters all arrive at `startMs` (in id order); each refused waiter comes back exactly retryAfterMs later.
 * Events at the same millisecond run in the order they were scheduled. `take` sees the stepped clock.
 */
async function simulateWaiters(n: number, startMs: number, take: (nowMs: number) => Promise<Attempt>): Promise<Outcome> {
  let sequence = 0;
  const events = Array.from({ length: n }, (_, id) => ({ atMs: startMs, seq: sequence++, id }));
  const outcome: Outcome = { refusals: 0, served: [] };
  for (;;) {
    const next = events.shift();
    if (!next) return outcome;
    const attempt = await take(next.atMs);
    if (attempt.granted) {
      outcome.served.push({ id: next.id, atMs: next.atMs });
      continue;
    }
    outcome.refusals++;
    assert.ok(attempt.retryAfterMs > 0, 'a refused waiter is told to wait');
    const again = { atMs: next.atMs + attempt.retryAfterMs, seq: sequence++, id: next.id };
    const at = events.findIndex((e) => e.atMs > again.atMs || (e.atMs === again.atMs && e.seq > again.seq));
    events.splice(at === -1 ? events.length : at, 0, again);
  }
}

/** The script before the waiting line, as a model: every refused caller is told when ONE token refills. */
function oldStyleBucket(): (nowMs: number) => Promise<Attempt> {
  let tokens = BURST;
  let updatedMs = 0;
  return async (nowMs) => {
    tokens = Math.min(BURST, tokens + (RATE * Math.max(0, nowMs - updatedMs)) / 1000);
    updatedMs = nowMs;
    if (tokens + 1e-9 >= 1) {
      tokens -= 1;
      return { granted: true, retryAfterMs: 0 };
    }
    return { granted: false, retryAfterMs: Math.ceil(((1 - tokens) / RATE) * 1000) };
  };
}

/** Deterministic stand-in for Math.random. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Never more than the burst at once, never faster than the rate: checked over every window of grants. */
function assertWithinBucket(served: readonly { atMs: number }[]): void {
  for (let i = 0; i < served.length; i++) {
    for (let j = i; j < served.length; j++) {
      const allowed = BURST + (RATE * (served[j].atMs - served[i].atMs)) / 1000 + 1e-6;
      assert.ok(j - i + 1 <= allowed, `${j - i + 1} grants within ${served[j].atMs - served[i].atMs} ms`);
    }
  }
}

describe('the waiting line of a shared bucket', () => {
  const namespace = uniqueNamespace('test-waiting-line');
  const connections: RedisClient[] = [];
  let buckets = 0;

  function connect(): RedisClient {
    const redis = testRedis();
    connections.push(redis);
    return redis;
  }

  function budgets(clock: { ms: number }, seed = 7): RedisBudgets {
    buckets += 1;
    const prefix = `longshore:{${namespace}}:budget-${buckets}:`;
    const bucketKey = (category: ThrottleCategory) => prefix + category;
    return new RedisBudgets({
      redis: connect(), bucketKey, budgets: DEFAULT_BUDGETS, now: () => clock.ms, random: seededRandom(seed), waitingLineSeconds: LINE_SECONDS,
    });
  }

  after(async () => {
    await deleteNamespaceKeys(connections[0] ?? connect(), namespace);
    await Promise.all(connections.map((c) => c.quit()));
  });

  test('200 waiters on a 20/s bucket are served at its rate, roughly in turn, with few refusals', async () => {
    const n = 200;
    const clock = { ms: 20_000_000 };
    const b = budgets(clock);
    const outcome = await simulateWaiters(n, clock.ms, async (nowMs) => {
      clock.ms = nowMs;
      return b.take(RUN_TASK_CALLS);
    });

    assert.equal(outcome.served.length, n, 'every waiter is served');
    assertWithinBucket(outcome.served);
    const lastMs = outcome.served[n - 1].atMs - 20_000_000;
    const idealMs = ((n - BURST) / RATE) * 1000;
    assert.ok(lastMs <= idealMs * 1.1, `the last waiter is served after ${lastMs} ms (ideal ${idealMs} ms)`);

    const bound = 3 * n;
    assert.ok(outcome.refusals < bound, `${outcome.refusals} refusals`);
    const old = await simulateWaiters(n, 0, oldStyleBucket());
    assert.equal(old.served.length, n);
    assert.ok(old.refusals > 10 * bound, `one-token retries would refuse ${old.refusals} times`);

    // Roughly first come, first served: nearly every waiter is served close to its place in the line.
    const displaced = outcome.served.filter(({ id }, position) => Math.abs(position - id) > 3);
    assert.ok(displaced.length <= n / 20, `${displaced.length} waiters served more than 3 places from their turn`);
  });

  test('waiters that never come back hold the line for at most its cap, and a throttle clears it', async () => {
    const clock = { ms: 30_000_000 };
    const b = budgets(clock);
    for (let i = 0; i < BURST; i++) assert.equal((await b.take(RUN_TASK_CALLS)).granted, true);
    const told: number[] = [];
    for (let i = 0; i < 400; i++) told.push((await b.take(RUN_TASK_CALLS)).retryAfterMs);
    const turnMs = 1000 / RATE;
    const inLine = told.slice(0, 200);
    assert.ok(inLine.every((ms, i) => i === 0 || ms > inLine[i - 1] - turnMs), 'later callers are told later turns, give or take the jitter');
    assert.ok(inLine[199] > 9_000, 'the line holds 10 s of refill');
    // Past the cap, callers are spread over the whole line rather than piled at its end.
    const beyond = told.slice(200);
    assert.ok(beyond.every((ms) => ms >= 50 && ms <= 10_000), 'no one is told more than the line');
    assert.ok(beyond.filter((ms) => ms < 5_000).length > 50 && beyond.filter((ms) => ms >= 5_000).length > 50, 'spread over the line');

    // Nobody came back: once every turn has come due, newcomers see no line at all.
    clock.ms += 10_000 + 2_000;
    for (let i = 0; i < BURST; i++) assert.equal((await b.take(RUN_TASK_CALLS)).granted, true, `burst token ${i}`);
    assert.equal((await b.take(RUN_TASK_CALLS)).retryAfterMs, 50);

    // A line built at the old rate is wrong after a throttle: the throttle empties it with the bucket.
    for (let i = 0; i < 50; i++) await b.take(RUN_TASK_CALLS);
    await b.recordThrottle('fargateRunTaskCalls');
    assert.equal((await b.take(RUN_TASK_CALLS)).retryAfterMs, 100, 'one token at half of 20/s, nobody ahead');
  });

  test('a multi-bucket caller joins only the lines it waits in', async () => {
    const clock = { ms: 40_000_000 };
    const b = budgets(clock);
    const launch: TokenRequest[] = [
      { category: 'clusterResourceModify', count: 1 },
      { category: 'fargateRunTaskCalls', count: 1 },
      { category: 'fargateLaunches', count: 1 },
    ];
    for (let i = 0; i < BURST; i++) assert.equal((await b.take(launch)).granted, true);
    for (let i = 0; i < 100; i++) assert.equal((await b.take(launch)).granted, false);
    // clusterResourceModify had tokens all along: a StopTask there is not sent behind the RunTask line.
    const stop = [{ category: 'clusterResourceModify' as const, count: 1 }];
    for (let i = 0; i < 100 - BURST; i++) assert.equal((await b.take(stop)).granted, true);
    assert.equal((await b.take(stop)).retryAfterMs, 25, 'one token at 40/s, nobody ahead');
    assert.ok((await b.take(launch)).retryAfterMs >= 4_000, 'the RunTask line is still there');
  });
});
