import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../controller/redis.js';
import { testRedis } from '../helpers/redis-namespace.js';
import { createLogger } from '../../controller/logger.js';
import { startStreamFollower, StreamSource } from '../../controller/queue/stream-follower.js';
import { until } from '../helpers/until.js';

const logger = createLogger({ level: 'silent' });

interface Entry { id: string; name: string }

/** A consumer-group source over a real Redis stream, as the store's change feed provides. */
function source(redis: RedisClient, stream: string, group: string, consumer: string): StreamSource<Entry> {
  const toEntries = (reply: unknown): Entry[] =>
    ((reply as [string, [string, string[]][]][] | null) ?? []).flatMap(([, entries]) => entries.map(([id, f]) => ({ id, name: f[1] })));
  return {
    read: async (count, blockMs) => toEntries(await redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', stream, '>')),
    claimStale: async (minIdleMs, count) => {
      const reply = (await redis.xautoclaim(stream, group, consumer, minIdleMs, '0', 'COUNT', count)) as [string, [string, string[]][]];
      return reply[1].map(([id, f]) => ({ id, name: f[1] }));
    },
    ack: (ids) => redis.xack(stream, group, ...ids),
  };
}

describe('stream follower', () => {
  const redis = testRedis();
  const streams: string[] = [];
  after(async () => {
    // One at a time: each stream has its own hash tag, so on a cluster they sit in different slots.
    for (const stream of streams) await redis.del(stream);
    await redis.quit();
  });

  async function freshStream(group: string): Promise<string> {
    const stream = `longshore:{test-${randomUUID()}}:changes`;
    streams.push(stream);
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    return stream;
  }

  test('hands every entry to the handler once and acknowledges it', async () => {
    const stream = await freshStream('g');
    for (let i = 0; i < 5; i++) await redis.xadd(stream, '*', 'name', `run-${i}`);
    const reader = redis.duplicate();
    const seen: string[] = [];
    const follower = startStreamFollower({ name: 't', source: source(reader, stream, 'g', 'c1'), logger, blockMs: 50, handle: async (e) => { seen.push(e.name); } });
    await until(() => seen.length >= 5, { what: () => `5 entries handled (saw ${seen.length})` });
    await follower.stop();
    await reader.quit();
    assert.deepEqual(seen, ['run-0', 'run-1', 'run-2', 'run-3', 'run-4']);
    const pending = (await redis.xpending(stream, 'g')) as [number, ...unknown[]];
    assert.equal(pending[0], 0);
  });

  test('an entry whose handling failed stays pending and is claimed again', async () => {
    const stream = await freshStream('g');
    await redis.xadd(stream, '*', 'name', 'run-x');
    const reader = redis.duplicate();
    let attempts = 0;
    const follower = startStreamFollower({
      name: 't', source: source(reader, stream, 'g', 'c1'), logger, blockMs: 20, claimIdleMs: 50, errorPauseMs: 10,
      handle: async () => {
        attempts++;
        if (attempts === 1) throw new Error('queue unavailable');
      },
    });
    await until(() => attempts >= 2, { what: 'the failed entry to be claimed and handled again' });
    await follower.stop();
    await reader.quit();
    const pending = (await redis.xpending(stream, 'g')) as [number, ...unknown[]];
    assert.equal(pending[0], 0, 'acknowledged once handled');
  });
});
