/** The arithmetic of the fair-share reader: slots in the last minute, waiting callers by pool, shares. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarisePoolShares } from '../../controller/aws/pool-shares.js';
import { shareCallerOf } from '../../reconcilers/run/ecs-adapter.js';
import type { PoolRecord } from '../../controller/api/pool.js';
import { newPool } from './run-builders.js';
import { shareText } from '../../cmd/cli/pool-view.js';

const NOW = 1_000_005_000; // 5 s into slot 100000

test('launches of the last six slots count; older slots and other pools do not', () => {
  const records = {
    heavy: JSON.stringify({ p: 10, w: 3, r: 0, n: 2, s: [[99_994, 100, 0], [99_995, 30, 4], [100_000, 30, 2]] }),
    light: JSON.stringify({ p: 10, w: 1, r: 0, n: 1, s: [[99_999, 20, 9]] }),
  };
  const shares = summarisePoolShares(records, ['heavy\nrun-1', 'heavy\nrun-2', 'light\nrun-9'], NOW);
  assert.deepEqual(shares.map((s) => s.pool), ['heavy', 'light']);
  const [heavy, light] = shares;
  assert.equal(heavy.waitingRuns, 2);
  assert.equal(light.waitingRuns, 1);
  // 60 and 20 launches in the window, which runs 55 s (five whole slots and 5 s of the current one).
  assert.equal(heavy.sharePercent, 75);
  assert.equal(light.sharePercent, 25);
  assert.ok(Math.abs(heavy.launchesPerSecond - 60 / 55) < 1e-9);
  assert.equal(heavy.refusalsLastMinute, 6);
  assert.equal(heavy.weight, 3);
});

test('higher priorities first; an unreadable record is an empty one, not an error', () => {
  const shares = summarisePoolShares({ a: '{"w":2,"r":0,"s":[]}', b: '{"w":1,"r":5}', c: 'not json' }, [], NOW);
  assert.deepEqual(shares.map((s) => [s.pool, s.priority, s.weight]), [['b', 5, 1], ['a', 0, 2], ['c', 0, 1]]);
  assert.ok(shares.every((s) => s.sharePercent === 0 && s.launchesPerSecond === 0));
});

test("a run's launch carries its pool's scheduling, defaults when the record predates it", () => {
  const pool = newPool({ scheduling: { weight: 3, priority: 2 } }, 'etl');
  assert.deepEqual(shareCallerOf(pool, 'run-1'), { pool: 'etl', caller: 'run-1', weight: 3, priority: 2 });
  const old = { ...pool, spec: { ...pool.spec, scheduling: undefined } } as unknown as PoolRecord;
  assert.deepEqual(shareCallerOf(old, 'run-2'), { pool: 'etl', caller: 'run-2', weight: 1, priority: 0 });
});

test('pool describe names the scheduling and, when read, the waiting runs, share and rate', () => {
  const pool = newPool({ scheduling: { weight: 3 } }, 'etl');
  assert.match(shareText(pool, undefined), /^weight 3, priority 0 \(no launches waited/);
  const text = shareText(pool, { pool: 'etl', weight: 3, priority: 0, waitingRuns: 12, launchesPerSecond: 14.5, sharePercent: 74.6, refusalsLastMinute: 30 });
  assert.equal(text, "weight 3, priority 0; 12 runs waiting, 75 % of the account-region's launches, 14.50 launches/s, 30 refusals (last minute)");
});
