/** The benchmark's pure arithmetic: INFO commandstats deltas, the bucket's ideal window, median and spread. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandDelta, parseCommandStats } from '../../cmd/bench/redis-server.js';
import { idealLaunchAtSeconds, idealLaunchWindowSeconds, idealRegionsWindowSeconds, perfectPacingAllRunningSeconds } from '../../cmd/bench/headline.js';
import { regionOfTaskArn } from '../../cmd/bench/figures.js';
import { BENCH_REGIONS, benchPools, planRuns, poolDocument } from '../../cmd/bench/workload.js';
import { median } from '../../cmd/bench/repeat.js';

test('INFO commandstats is parsed per command and differenced, zeros left out', () => {
  const before = parseCommandStats('# Commandstats\r\ncmdstat_get:calls=10,usec=5,usec_per_call=0.5\r\ncmdstat_evalsha:calls=3,usec=9\r\n');
  const after = parseCommandStats('# Commandstats\r\ncmdstat_get:calls=25,usec=9\r\ncmdstat_evalsha:calls=3,usec=9\r\ncmdstat_xadd:calls=4,usec=1\r\n');
  assert.deepEqual(before, { get: 10, evalsha: 3 });
  assert.deepEqual(commandDelta(before, after), { get: 15, xadd: 4 });
});

test('the RunTask call bucket allows its burst at once, then 20 a second', () => {
  assert.equal(idealLaunchWindowSeconds(1000), 49);
  assert.equal(idealLaunchWindowSeconds(20), 0);
  assert.equal(idealLaunchWindowSeconds(5), 0);
});

test('median of an odd and an even count', () => {
  assert.equal(median([1, 2, 9]), 2);
  assert.equal(median([1, 2, 4, 9]), 3);
});

test('--regions N: one pool per Region, the controller\'s Region first; runs dealt over them in turn', () => {
  assert.deepEqual(benchPools(1), [{ name: 'bench' }]);
  assert.deepEqual(benchPools(3), [
    { name: 'bench-us-east-1', region: 'us-east-1' },
    { name: 'bench-eu-west-1', region: 'eu-west-1' },
    { name: 'bench-ap-southeast-2', region: 'ap-southeast-2' },
  ]);
  assert.equal(new Set(BENCH_REGIONS).size, BENCH_REGIONS.length);
  assert.throws(() => benchPools(0), /regions: expected an integer from 1/);
  assert.throws(() => benchPools(BENCH_REGIONS.length + 1), /regions/);
  const runs = planRuns({ runs: 7, definitions: 2, mix: { succeed: 1 }, seed: 1, runSeconds: 5, pools: ['a', 'b', 'c'] });
  assert.deepEqual(runs.map((r) => r.document.spec.pool), ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  // Every pool uses every definition: each Region registers each one.
  assert.deepEqual(runs.map((r) => r.document.spec.deployment), ['flow-0', 'flow-0', 'flow-0', 'flow-1', 'flow-1', 'flow-1', 'flow-0']);
  assert.deepEqual(poolDocument({ name: 'bench-eu-west-1', region: 'eu-west-1' }).spec.region, 'eu-west-1');
  assert.equal('region' in poolDocument().spec, false);
});

test('several Regions: each launches from its own bucket, so the ideal window is the longest Region\'s', () => {
  assert.equal(idealRegionsWindowSeconds([1000]), idealLaunchWindowSeconds(1000));
  // 1000 launches over three Regions: 334 in the first, 333 in the others → (334 − 20) ÷ 20.
  assert.equal(idealRegionsWindowSeconds([334, 333, 333]), 15.7);
  assert.equal(idealRegionsWindowSeconds([]), 0);
  assert.equal(regionOfTaskArn('arn:aws:ecs:eu-west-1:123456789012:task/default/abc'), 'eu-west-1');
  assert.equal(regionOfTaskArn('not-an-arn'), 'unknown');
});

test('the efficiency ceiling replays the tasks\' own start times at the ideal launch moments', () => {
  // The last of 1,000 launches ideally goes at 49 s: the same as the ideal window.
  assert.equal(idealLaunchAtSeconds(999), idealLaunchWindowSeconds(1000));
  assert.equal(idealLaunchAtSeconds(0), 0);
  assert.equal(idealLaunchAtSeconds(19), 0);
  assert.equal(idealLaunchAtSeconds(20), 0.05);
  // 40 launches, all starting in 10 s except the 21st (launched at 0.05 s), which takes 30 s.
  const starts = Array.from({ length: 40 }, (_, i) => (i === 20 ? 30 : 10));
  assert.equal(perfectPacingAllRunningSeconds({ 'us-east-1': starts }), 30.05);
  // Equal starts: the last launch decides (at 1 s, + 10 s).
  assert.equal(perfectPacingAllRunningSeconds({ 'us-east-1': Array.from({ length: 40 }, () => 10) }), 11);
  // Each Region replays its own bucket; the latest Region's moment counts.
  assert.equal(perfectPacingAllRunningSeconds({ a: [5, 5], b: [7] }), 7);
  assert.equal(perfectPacingAllRunningSeconds({}), undefined);
});
