import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BudgetExhaustedError, GatewayError } from '../../controller/aws/errors.js';
import { guardClusterResync, resyncDue, resyncFailed, type ResyncGuardDeps, type ResyncTrouble, type ResyncTroubleStore } from '../../reconcilers/observe/resync-backoff.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const serverError = () => new GatewayError('transient', 'DescribeTasks', 'ServerException', 'DescribeTasks: ServerException: Service Unavailable', Object.assign(new Error('Service Unavailable'), { name: 'ServerException' }));

function memoryTroubles(): ResyncTroubleStore & { map: Map<string, ResyncTrouble> } {
  const map = new Map<string, ResyncTrouble>();
  return {
    map,
    get: async (cluster) => map.get(cluster) ?? null,
    set: async (cluster, trouble) => void map.set(cluster, trouble),
    clear: async (cluster) => void map.delete(cluster),
  };
}

function harness() {
  const clock = { ms: T0 };
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const failures: string[] = [];
  const troubles = memoryTroubles();
  const deps: ResyncGuardDeps = {
    troubles,
    now: () => clock.ms,
    random: () => 0.5,
    logger: { warn: (fields, message) => warnings.push({ fields: fields as Record<string, unknown>, message }) },
    onFailure: (cluster) => failures.push(cluster),
  };
  return { clock, warnings, failures, troubles, deps };
}

describe('resync backoff: the decision', () => {
  test('grows 5 s, 10 s, 20 s … capped at 2 minutes, with equal jitter', () => {
    let trouble: ResyncTrouble | null = null;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      trouble = resyncFailed(trouble, { reason: 'ServerException', message: 'boom' }, T0, () => 0.5).trouble;
      delays.push(Date.parse(trouble.retryAt) - T0);
    }
    assert.deepEqual(delays, [3_750, 7_500, 15_000, 30_000, 60_000, 90_000, 90_000, 90_000]);
    assert.equal(trouble?.since, new Date(T0).toISOString());
    assert.equal(resyncDue(trouble, T0 + 89_999), false);
    assert.equal(resyncDue(trouble, T0 + 90_000), true);
    assert.equal(resyncDue(null, T0), true);
  });

  test('warns at the 1st, 2nd, 4th, 8th failure and when the error changes', () => {
    let trouble: ResyncTrouble | null = null;
    const warned: number[] = [];
    for (let i = 1; i <= 9; i++) {
      const reason = i === 6 ? 'AccessDeniedException' : 'ServerException';
      const next = resyncFailed(trouble, { reason, message: reason }, T0, () => 0.5);
      if (next.warn) warned.push(i);
      trouble = next.trouble;
    }
    assert.deepEqual(warned, [1, 2, 4, 6, 7, 8]);
  });
});

describe('resync backoff: guarding a cluster resync', () => {
  test('a cluster whose DescribeTasks keeps failing is described once per backoff over an hour of 10 s ticks, not at every tick', async () => {
    const { clock, warnings, failures, deps } = harness();
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw serverError();
    };
    for (let tick = 0; tick < 360; tick++) {
      const result = await guardClusterResync(deps, 'c1', failing);
      assert.equal(result.ran, false);
      clock.ms += 10_000;
    }
    assert.ok(calls <= 60, `${calls} DescribeTasks resyncs in an hour (360 ticks)`);
    assert.equal(failures.length, calls, 'every failure counted');
    assert.deepEqual(warnings.map((w) => w.fields.failures), [1, 2, 4, 8, 16, 32].filter((n) => n <= calls));
    assert.equal(warnings[0].message, 'cluster resync keeps failing (DescribeTasks)');
    assert.equal(warnings[0].fields.error, 'ServerException: Service Unavailable');
  });

  test('a healthy resync after failures clears the trouble and says so once', async () => {
    const { clock, warnings, troubles, deps } = harness();
    await guardClusterResync(deps, 'c1', async () => { throw serverError(); });
    clock.ms += 4_000;
    const result = await guardClusterResync(deps, 'c1', async () => 'described');
    assert.deepEqual(result, { ran: true, result: 'described' });
    assert.equal(troubles.map.size, 0);
    assert.equal(warnings.at(-1)?.message, 'cluster resync recovered');
    await guardClusterResync(deps, 'c1', async () => 'again');
    assert.equal(warnings.filter((w) => w.message === 'cluster resync recovered').length, 1);
  });

  test('our own pacing and errors that are not AWS answers are thrown for the job adapter, not counted', async () => {
    const { failures, troubles, deps } = harness();
    await assert.rejects(guardClusterResync(deps, 'c1', async () => { throw new BudgetExhaustedError('clusterRead', 500); }), BudgetExhaustedError);
    await assert.rejects(guardClusterResync(deps, 'c1', async () => { throw new Error('redis down'); }), /redis down/);
    assert.deepEqual([failures.length, troubles.map.size], [0, 0]);
  });

  test('clusters back off independently', async () => {
    const { deps } = harness();
    await guardClusterResync(deps, 'broken', async () => { throw serverError(); });
    assert.deepEqual(await guardClusterResync(deps, 'healthy', async () => 1), { ran: true, result: 1 });
    assert.equal((await guardClusterResync(deps, 'broken', async () => 1)).ran, false);
  });
});
