/**
 * A Redis Cluster whose seed nodes accept connections and never answer (a hung or paused cluster): every
 * command on a command connection must still fail by the command timeout. ioredis bounds commands per node
 * connection only, and a Cluster that never becomes ready holds commands in its own offline queue, where
 * nothing bounded them (controller/redis.ts BoundedCluster). The test's own timeout is what fails it when a
 * command waits for ever; no duration is asserted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRedisConnection, type RedisClient } from '../../controller/redis.js';
import { startMuteServer, type MuteServer } from '../helpers/mute-redis.js';

function addressOf(server: MuteServer): { host: string; port: number } {
  const url = new URL(server.url);
  return { host: url.hostname, port: Number(url.port) };
}

describe('a Redis Cluster that accepts connections and never answers', () => {
  const mutes: MuteServer[] = [];
  const clients: RedisClient[] = [];
  before(async () => {
    mutes.push(await startMuteServer(), await startMuteServer());
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    for (const mute of mutes) await mute.close();
  });

  test('reads, writes and scripts on a command connection fail with a timeout instead of waiting for ever', { timeout: 60_000 }, async () => {
    const redis = createRedisConnection(
      { url: 'redis://', clusterNodes: mutes.map(addressOf) }, 'silent-cluster-test', 'command', { connectMs: 300, commandMs: 1000 },
    );
    clients.push(redis);
    redis.on('error', () => undefined);
    await assert.rejects(redis.get('longshore:{silent}:k'), /Command timed out/);
    await assert.rejects(redis.set('longshore:{silent}:k', 'v'), /Command timed out/);
    await assert.rejects(redis.eval('return 1', 1, 'longshore:{silent}:k'), /Command timed out/);
    assert.ok(mutes.some((mute) => mute.accepted() > 0), 'the cluster client never connected to a seed node, so the test proves nothing');
  });
});
