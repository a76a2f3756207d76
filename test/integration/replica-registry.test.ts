/** Replicas register their build in Redis; the registry lists the live ones and forgets the ones that stopped refreshing. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisClient } from '../../controller/redis.js';
import { buildInfo, stampedRevision, UNKNOWN } from '../../controller/build-info.js';
import { registerReplica, replicaBuilds, startReplicaRegistration, unregisterReplica } from '../../controller/replica-registry.js';
import { pino } from 'pino';
import { keyspace } from '../../controller/store/index.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';

describe('build info', () => {
  test('the version is package.json\'s; the revision is the stamp\'s, or "unknown"', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(buildInfo().version, pkg.version);
    assert.equal(buildInfo().node, process.version);
    const dir = mkdtempSync(join(tmpdir(), 'longshore-stamp-'));
    try {
      writeFileSync(join(dir, 'good.json'), '{"revision":"abc123"}');
      writeFileSync(join(dir, 'empty.json'), '{"revision":""}');
      writeFileSync(join(dir, 'broken.json'), '{revision');
      assert.deepEqual(['good', 'empty', 'broken', 'absent'].map((n) => stampedRevision(join(dir, `${n}.json`))), ['abc123', UNKNOWN, UNKNOWN, UNKNOWN]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('replica registry', () => {
  let redis: RedisClient;
  const namespace = uniqueNamespace('test-replicas');
  const ks = keyspace(namespace);
  const build = (replica: string) => ({ replica, version: '1.2.3', revision: 'r1', node: 'v22.0.0', startedAt: '2026-01-01T00:00:00.000Z' });
  before(() => {
    redis = testRedis();
  });
  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
  });

  test('live replicas are listed by id; an unregistered or expired one is not, and its id is pruned', async () => {
    await registerReplica(redis, ks, build('b'), 60_000);
    await registerReplica(redis, ks, build('a'), 60_000);
    await registerReplica(redis, ks, build('short'), 50);
    assert.deepEqual((await replicaBuilds(redis, ks)).map((r) => r.replica).filter((r) => r !== 'short'), ['a', 'b']);
    await until(async () => !(await replicaBuilds(redis, ks)).some((r) => r.replica === 'short'), { what: 'the short-lived registration expired' });
    await unregisterReplica(redis, ks, 'b');
    await registerReplica(redis, ks, build('a'), 60_000);
    assert.deepEqual(await replicaBuilds(redis, ks), [build('a')]);
    assert.deepEqual(await redis.smembers(ks.key('replicas')), ['a'], 'the refresh pruned the expired id');
  });

  test('a running registration registers this build at once and unregisters on stop', async () => {
    const registration = startReplicaRegistration({ redis, keyspace: ks, replica: 'live-1', logger: pino({ level: 'silent' }), intervalMs: 60_000 });
    const found = await until(async () => (await replicaBuilds(redis, ks)).find((r) => r.replica === 'live-1'), { what: 'the first registration' });
    assert.equal(found.version, buildInfo().version);
    await registration.stop();
    assert.equal((await replicaBuilds(redis, ks)).some((r) => r.replica === 'live-1'), false);
  });
});
