/**
 * Fair share of one account-region's launch budget (issue 11): pools waiting for the same buckets are served
 * by priority, then in proportion to their weights, by the budget script against a real Redis, with a fake
 * clock and callers that come back exactly when told.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import { RedisBudgets, shareStateKeys, type ShareIdentity, type TokenRequest } from '../../controller/aws/redis-budgets.js';
import { DEFAULT_BUDGETS, type ThrottleCategory } from '../../controller/aws/budgets.js';
import { readPoolShares } from '../../controller/aws/pool-shares.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

/** What a Fargate RunTask of one task spends. */
const LAUNCH: TokenRequest[] = [
  { category: 'clusterResourceModify', count: 1 },
  { category: 'fargateRunTaskCalls', count: 1 },
  { category: 'fargateLaunches', count: 1 },
];
const RATE = DEFAULT_BUDGETS.fargateLaunches.refillPerSecond;
/** The smallest usable burst of the three: the Fargate RunTask call bucket's 20, less the 5 % reserve. */
const CALL_BURST = 19;

interface Caller {
  pool: string;
  weight: number;
  priority: number;
  id: string;
  atMs: number;
}

interface Served {
  pool: string;
  atMs: number;
}

interface Outcome {
  served: Served[];
  refusals: Map<string, number>;
}

/** Deterministic stand-in for Math.random. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Every caller takes at its `atMs`; a refused one comes back exactly retryAfterMs later (unless `gives up`
 * says it never returns). Events at the same millisecond run in arrival order. `clock` is the budgets' clock.
 */
async function simulate(callers: Caller[], clock: { ms: number }, take: (c: Caller) => Promise<{ granted: boolean; retryAfterMs: number }>, givesUp: (c: Caller) => boolean = () => false): Promise<Outcome> {
  const events = [...callers].sort((a, b) => a.atMs - b.atMs);
  const outcome: Outcome = { served: [], refusals: new Map() };
  for (;;) {
    const next = events.shift();
    if (!next) return outcome;
    clock.ms = next.atMs;
    const attempt = await take(next);
    if (attempt.granted) {
      outcome.served.push({ pool: next.pool, atMs: next.atMs });
      continue;
    }
    outcome.refusals.set(next.pool, (outcome.refusals.get(next.pool) ?? 0) + 1);
    assert.ok(attempt.retryAfterMs > 0, 'a refused caller is told to wait');
    if (givesUp(next)) continue;
    const again = { ...next, atMs: next.atMs + attempt.retryAfterMs };
    const at = events.findIndex((e) => e.atMs > again.atMs);
    events.splice(at === -1 ? events.length : at, 0, again);
  }
}

function burst(pool: string, n: number, atMs: number, scheduling: { weight?: number; priority?: number } = {}): Caller[] {
  return Array.from({ length: n }, (_, i) => ({ pool, weight: scheduling.weight ?? 1, priority: scheduling.priority ?? 0, id: `${pool}-${i}`, atMs }));
}

function identity(c: Caller): ShareIdentity {
  return { lane: 'launch', pool: c.pool, caller: c.id, weight: c.weight, priority: c.priority };
}

describe('fair share of a launch budget', () => {
  const namespace = uniqueNamespace('test-fair-share');
  const connections: RedisClient[] = [];
  let scopes = 0;

  function connect(): RedisClient {
    const redis = testRedis();
    connections.push(redis);
    return redis;
  }

  /** A fresh account-region (its own buckets and share keys); `redis` lets two "replicas" share one. */
  function scope(): { prefix: string; shareKey: (name: string) => string } {
    scopes += 1;
    const prefix = `longshore:{${namespace}}:scope-${scopes}:`;
    return { prefix, shareKey: (name: string) => prefix + name };
  }

  function budgets(where: { prefix: string; shareKey: (name: string) => string }, clock: { ms: number }, seed = 11): RedisBudgets {
    return new RedisBudgets({
      redis: connect(), bucketKey: (c: ThrottleCategory) => where.prefix + c, budgets: DEFAULT_BUDGETS, burstReserveFraction: 0.05,
      now: () => clock.ms, random: seededRandom(seed), shareKey: where.shareKey,
    });
  }

  after(async () => {
    await deleteNamespaceKeys(connections[0] ?? connect(), namespace);
    await Promise.all(connections.map((c) => c.quit()));
  });

  test('weights 3 and 1, both saturating, launch 75 % and 25 % (± 5 points) while both wait; replicas share the state', async () => {
    const clock = { ms: 50_000_000 };
    const where = scope();
    // Two replicas on one Redis: callers alternate between them.
    const replicas = [budgets(where, clock, 3), budgets(where, clock, 5)];
    const n = 400;
    const callers = [...burst('heavy', n, clock.ms, { weight: 3 }), ...burst('light', n, clock.ms, { weight: 1 })];
    let turn = 0;
    const outcome = await simulate(callers, clock, (c) => replicas[turn++ % 2].take(LAUNCH, identity(c)));
    assert.equal(outcome.served.length, 2 * n, 'every caller is served');
    // While both have work waiting: up to the moment the first pool has launched everything.
    const heavyDoneAt = outcome.served.filter((s) => s.pool === 'heavy')[n - 1].atMs;
    const lightDoneAt = outcome.served.filter((s) => s.pool === 'light')[n - 1].atMs;
    const bothWaiting = outcome.served.filter((s) => s.atMs <= Math.min(heavyDoneAt, lightDoneAt));
    const heavyShare = (100 * bothWaiting.filter((s) => s.pool === 'heavy').length) / bothWaiting.length;
    assert.ok(Math.abs(heavyShare - 75) <= 5, `heavy launched ${heavyShare.toFixed(1)} % while both waited`);
    assert.ok(heavyDoneAt < lightDoneAt, 'the heavier pool finishes first');
    // The pair is served at the buckets' rate: the last launch comes no later than the rate allows, plus 10 %.
    const lastMs = outcome.served[2 * n - 1].atMs - 50_000_000;
    const idealMs = ((2 * n - CALL_BURST) / RATE) * 1000;
    assert.ok(lastMs <= idealMs * 1.1, `the last launch after ${lastMs} ms (ideal ${idealMs} ms)`);

    const shares = await readPoolShares(connections[0], shareStateKeys(where.shareKey, 'launch'), clock.ms);
    assert.deepEqual(shares.map((s) => [s.pool, s.weight, s.waitingRuns]), [['heavy', 3, 0], ['light', 1, 0]]);
  });

  test('a pool alone gets everything at the full rate, refused no more than without fair share', async () => {
    const n = 300;
    const clockA = { ms: 60_000_000 };
    const shared = budgets(scope(), clockA);
    const alone = await simulate(burst('solo', n, clockA.ms, { weight: 2, priority: 3 }), clockA, (c) => shared.take(LAUNCH, identity(c)));
    const clockB = { ms: 60_000_000 };
    const plain = budgets(scope(), clockB);
    const without = await simulate(burst('solo', n, clockB.ms), clockB, () => plain.take(LAUNCH));
    assert.equal(alone.served.length, n);
    assert.deepEqual(alone.served.map((s) => s.atMs), without.served.map((s) => s.atMs), 'the same launches at the same moments');
    assert.equal(alone.refusals.get('solo'), without.refusals.get('solo'));
  });

  test('priority 1 is served before priority 0, even behind a backlog', async () => {
    const clock = { ms: 70_000_000 };
    const b = budgets(scope(), clock);
    const backlog = burst('batch', 600, clock.ms);
    // The urgent runs arrive 5 s into the backlog, when its callers are all waiting.
    const urgent = burst('urgent', 60, clock.ms + 5_000, { priority: 1 });
    const outcome = await simulate([...backlog, ...urgent], clock, (c) => b.take(LAUNCH, identity(c)));
    assert.equal(outcome.served.length, 660);
    const urgentServed = outcome.served.filter((s) => s.pool === 'urgent');
    const lastUrgent = urgentServed[urgentServed.length - 1].atMs - 70_005_000;
    // 60 launches at 20/s take 3 s; the urgent pool waits at most one waiting line (3 s) for the callers ahead.
    assert.ok(lastUrgent <= 3_000 + 3_000, `the last urgent run launched ${lastUrgent} ms after it arrived`);
    const batchDuring = outcome.served.filter((s) => s.pool === 'batch' && s.atMs > 70_005_000 && s.atMs <= urgentServed[urgentServed.length - 1].atMs).length;
    assert.ok(batchDuring <= urgentServed.length / 4, `${batchDuring} batch launches while urgent runs waited`);
  });

  test('callers that never come back stop counting after their promise runs out', async () => {
    const clock = { ms: 80_000_000 };
    const where = scope();
    const b = budgets(where, clock);
    // Empty the buckets, then 30 callers of "gone" are refused and never return.
    while ((await b.take(LAUNCH)).granted);
    await simulate(burst('gone', 30, clock.ms, { priority: 2 }), clock, (c) => b.take(LAUNCH, identity(c)), () => true);
    const keys = shareStateKeys(where.shareKey, 'launch');
    const waiting = (await readPoolShares(connections[0], keys, clock.ms)).find((s) => s.pool === 'gone');
    assert.equal(waiting?.waitingRuns, 30);
    // While they count, a lower priority is held back even with tokens to spare...
    clock.ms += 500;
    const blocked = await b.take(LAUNCH, identity({ pool: 'later', weight: 1, priority: 0, id: 'l0', atMs: 0 }));
    assert.equal(blocked.granted, false);
    // ...and once their promises (at most the 3 s line, plus 5 s grace) ran out, it is served.
    clock.ms += 3_000 + 5_000 + 1;
    assert.equal((await readPoolShares(connections[0], keys, clock.ms)).find((s) => s.pool === 'gone')?.waitingRuns, 0);
    const served = await b.take(LAUNCH, identity({ pool: 'later', weight: 1, priority: 0, id: 'l0', atMs: 0 }));
    assert.equal(served.granted, true);
  });
});
