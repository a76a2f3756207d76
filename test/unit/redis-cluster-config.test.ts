import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, Redis } from 'ioredis';
import { ConfigError, compileConfig } from '../../controller/config.js';
import { closeRedis, createRedisConnection, describeRedisTarget, parseClusterNodes, redisTarget } from '../../controller/redis.js';

describe('REDIS_CLUSTER_NODES', () => {
  test('unset means one node at REDIS_URL', () => {
    assert.equal(compileConfig({}).redisClusterNodes, undefined);
  });

  test('a host:port list becomes the cluster seed nodes, IPv6 in brackets included', () => {
    const config = compileConfig({ REDIS_CLUSTER_NODES: 'redis-a:7000, 10.0.0.2:7001,[::1]:7002', REDIS_URL: 'rediss://user:secret@ignored:6379' });
    assert.deepEqual(config.redisClusterNodes, [{ host: 'redis-a', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: '::1', port: 7002 }]);
  });

  test('logs and errors name the seed nodes of a cluster, and a single node by its URL, password redacted', () => {
    const cluster = compileConfig({ REDIS_CLUSTER_NODES: 'redis-a:7000,[::1]:7002', REDIS_URL: 'rediss://user:secret@ignored:6379' });
    assert.equal(describeRedisTarget(redisTarget(cluster)), 'Redis Cluster at redis-a:7000,[::1]:7002');
    const single = describeRedisTarget(redisTarget(compileConfig({ REDIS_URL: 'redis://:secret@cache:6380' })));
    assert.match(single, /^Redis at redis:\/\/.*@cache:6380$/);
    assert.doesNotMatch(single, /secret/);
  });

  test('an entry that is not host:port is an error naming the variable', () => {
    for (const bad of ['redis-a', 'redis-a:0', 'redis-a:70000', 'a:1,,b', 'a:1,b:x', ',']) {
      assert.equal(parseClusterNodes(bad), undefined, bad);
      assert.throws(() => compileConfig({ REDIS_CLUSTER_NODES: bad }), (error: unknown) => error instanceof ConfigError && error.problems.some((p) => p.startsWith('REDIS_CLUSTER_NODES')));
    }
  });

  test('a target with nodes connects through ioredis Cluster with the URL\'s credentials and TLS', async () => {
    const target = redisTarget({ redisUrl: 'rediss://user:p%40ss@ignored:6379', redisClusterNodes: [{ host: '127.0.0.1', port: 1 }] });
    const cluster = createRedisConnection(target, 'test-cluster', 'blocking', undefined, { lazyConnect: true });
    const single = createRedisConnection('redis://127.0.0.1:1', 'test-single', 'command', undefined, { lazyConnect: true });
    try {
      assert.ok(cluster instanceof Cluster);
      assert.ok(single instanceof Redis);
      const nodeOptions = cluster.options.redisOptions ?? {};
      assert.equal(nodeOptions.username, 'user');
      assert.equal(nodeOptions.password, 'p@ss');
      assert.deepEqual(nodeOptions.tls, {});
      assert.equal(nodeOptions.maxRetriesPerRequest, null);
      assert.equal(nodeOptions.connectionName, 'test-cluster');
    } finally {
      await closeRedis(cluster, single);
    }
  });
});
