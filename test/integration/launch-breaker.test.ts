/**
 * The RunTask breaker shared in Redis by two replicas: while a cluster fails, at most one RunTask at a time
 * reaches it after the breaker opens; a healthy cluster is not held back; a success closes it for everyone.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { keyspace } from '../../controller/store/keys.js';
import { createLaunchBreaker, type LaunchBreaker } from '../../reconcilers/launch/breaker.js';
import { BREAKER_SETTINGS } from '../../reconcilers/launch/breaker-policy.js';
import type { LaunchOutcome } from '../../reconcilers/launch/outcome.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

const settings = { ...BREAKER_SETTINGS, failureThreshold: 3, coolDown: { baseMs: 50, factor: 2, capMs: 200 }, probePollMs: 20 };
const failed: LaunchOutcome = { kind: 'retry', cause: 'transient', reason: 'ServerException', message: 'ServerException: boom' };
const launched: LaunchOutcome = { kind: 'launched', task: {}, taskArn: 'arn:aws:ecs:us-east-1:1:task/c/t', clusterArn: undefined };

/** A cluster's RunTask that takes a while to answer, counting how many calls overlap. */
function cluster(answer: () => LaunchOutcome) {
  const stats = { calls: 0, inFlight: 0, maxInFlight: 0 };
  return {
    stats,
    async call(): Promise<LaunchOutcome> {
      stats.calls += 1;
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      await delay(30);
      stats.inFlight -= 1;
      return answer();
    },
  };
}

describe('RunTask breaker across replicas (Redis)', () => {
  const redisA = testRedis();
  const redisB = testRedis();
  const ks = keyspace(uniqueNamespace('test-breaker'));
  const breakerOn = (redis: typeof redisA): LaunchBreaker =>
    createLaunchBreaker({ redis, key: (region, name) => ks.key('breaker', 'run-task', region, name), settings });
  const replicas = [breakerOn(redisA), breakerOn(redisB)];

  after(async () => {
    await deleteNamespaceKeys(redisA, ks.namespace);
    await Promise.all([redisA.quit(), redisB.quit()]);
  });

  /** `runs` runs, spread over both replicas, each retrying after a held/failed answer, until `untilMs`. */
  async function drive(target: { region: string; cluster: string }, call: () => Promise<LaunchOutcome>, runs: number, untilMs: number, onOpen?: () => void) {
    const outcomes: LaunchOutcome['kind'][] = [];
    await Promise.all(Array.from({ length: runs }, async (_, i) => {
      const breaker = replicas[i % 2];
      while (Date.now() < untilMs) {
        const outcome = await breaker.guard(target, call);
        outcomes.push(outcome.kind);
        if (outcome.kind === 'launched') return;
        if (outcome.kind === 'held') onOpen?.();
        await delay(outcome.kind === 'held' ? outcome.retryAfterMs : 5);
      }
    }));
    return outcomes;
  }

  test('while the cluster fails, after it opens at most one RunTask is in flight across both replicas', async () => {
    const broken = cluster(() => failed);
    let opened = false;
    let callsAtOpen = 0;
    const counted = { calls: 0, inFlight: 0, maxInFlight: 0 };
    const call = async () => {
      if (!opened) return broken.call();
      // From the first refusal on: count overlap of the calls that started after the breaker opened.
      counted.calls += 1;
      counted.inFlight += 1;
      counted.maxInFlight = Math.max(counted.maxInFlight, counted.inFlight);
      try {
        return await broken.call();
      } finally {
        counted.inFlight -= 1;
      }
    };
    const outcomes = await drive({ region: 'us-east-1', cluster: 'broken' }, call, 20, Date.now() + 1_500, () => {
      if (!opened) callsAtOpen = broken.stats.calls;
      opened = true;
    });
    assert.ok(opened, 'the breaker opened');
    assert.ok(outcomes.filter((k) => k === 'held').length > 20, 'runs were held instead of calling');
    assert.ok(counted.calls >= 3, `probes happened after the breaker opened (${counted.calls})`);
    assert.equal(counted.maxInFlight, 1, 'one probe at a time');
    // 20 runs retrying every 5 ms for 1.5 s would make thousands of calls; the breaker lets a handful through.
    assert.ok(broken.stats.calls < callsAtOpen + 20, `calls after opening: ${broken.stats.calls - callsAtOpen}`);
  });

  test('a healthy cluster next to the broken one is not held back', async () => {
    const healthy = cluster(() => launched);
    const outcomes = await drive({ region: 'us-east-1', cluster: 'healthy' }, () => healthy.call(), 10, Date.now() + 1_000);
    assert.deepEqual(outcomes, Array(10).fill('launched'));
  });

  test('a successful probe closes the breaker for every replica; the same cluster named by ARN shares it', async () => {
    const target = { region: 'us-east-1', cluster: 'flaky' };
    let healthy = false;
    const flaky = cluster(() => (healthy ? launched : failed));
    // Three failures in a row on one replica open it for 50 ms: the other replica, asked at once, holds.
    for (let i = 0; i < 3; i++) assert.equal((await replicas[0].guard(target, () => flaky.call())).kind, 'retry');
    const byArn = { region: 'eu-west-1', cluster: 'arn:aws:ecs:us-east-1:000000000000:cluster/flaky' };
    const held = await replicas[1].guard(byArn, async () => assert.fail('an open breaker lets no call through'));
    assert.equal(held.kind, 'held');
    assert.match(held.kind === 'held' ? held.message : '', /cluster flaky's RunTask keeps failing \(ServerException: boom\)/);
    healthy = true;
    const outcomes = await drive(target, () => flaky.call(), 6, Date.now() + 2_000);
    assert.ok(outcomes.includes('launched'));
    assert.equal((await replicas[0].guard(byArn, () => flaky.call())).kind, 'launched');
    assert.equal((await replicas[1].guard(target, () => flaky.call())).kind, 'launched');
  });
});
