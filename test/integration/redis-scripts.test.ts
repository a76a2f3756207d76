import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineScript, integerReply, optionalStringReply, stringListReply } from '../../controller/redis-scripts.js';
import { keyspace } from '../../controller/store/keys.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

const INCR_BY = defineScript('longshoreTestIncrBy', `return redis.call('INCRBY', KEYS[1], ARGV[1])`, integerReply);
const GET_OR_FALSE = defineScript('longshoreTestGet', `return redis.call('GET', KEYS[1])`, optionalStringReply);
const KEYS_AND_ARGS = defineScript('longshoreTestEcho', `
local out = {}
for _, k in ipairs(KEYS) do out[#out + 1] = 'k:' .. k end
for _, a in ipairs(ARGV) do out[#out + 1] = 'a:' .. a end
return out`, stringListReply);
const WRONG_SHAPE = defineScript('longshoreTestWrongShape', `return {1, 2}`, stringListReply);

describe('Redis scripts', () => {
  const redis = testRedis();
  const other = testRedis();
  const ks = keyspace(uniqueNamespace('test-scripts'));

  after(async () => {
    await deleteNamespaceKeys(redis, ks.namespace);
    await Promise.all([redis.quit(), other.quit()]);
  });

  test('a script runs repeatedly and on several connections, with its keys and arguments kept apart', async () => {
    const counter = ks.key('counter');
    assert.equal(await INCR_BY.run(redis, [counter], [2]), 2);
    assert.equal(await INCR_BY.run(redis, [counter], ['3']), 5);
    assert.equal(await INCR_BY.run(other, [counter], [10]), 15);
    assert.deepEqual(await KEYS_AND_ARGS.run(redis, [ks.key('a'), ks.key('b')], ['x', 1.5]),
      [`k:${ks.key('a')}`, `k:${ks.key('b')}`, 'a:x', 'a:1.5']);
    assert.deepEqual(await KEYS_AND_ARGS.run(redis, [], []), []);
  });

  test('a nil reply decodes to null', async () => {
    assert.equal(await GET_OR_FALSE.run(redis, [ks.key('absent')], []), null);
    await redis.set(ks.key('present'), 'v');
    assert.equal(await GET_OR_FALSE.run(redis, [ks.key('present')], []), 'v');
  });

  test('a reply of the wrong shape is an error naming the script', async () => {
    await assert.rejects(WRONG_SHAPE.run(redis, [], []), /longshoreTestWrongShape returned \[1,2\], expected a list of strings/);
  });

  test('names must be unique and prefixed, so they never shadow a client method', () => {
    assert.throws(() => defineScript('longshoreTestIncrBy', 'return 1', integerReply), /defined twice/);
    assert.throws(() => defineScript('get', 'return 1', integerReply), /must start with "longshore"/);
  });
});
