/** The benchmark's pure arithmetic: INFO commandstats deltas, the bucket's ideal window, median and spread. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandDelta, parseCommandStats } from '../../cmd/bench/redis-server.js';
import { idealLaunchWindowSeconds } from '../../cmd/bench/headline.js';
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
