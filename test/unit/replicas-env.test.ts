import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inheritedEnv } from '../../cmd/replicas.js';

test("the demo's and benchmark's replicas never inherit a Redis Cluster from the caller's shell", () => {
  const saved = process.env.REDIS_CLUSTER_NODES;
  process.env.REDIS_CLUSTER_NODES = '127.0.0.1:7101';
  try {
    const env = inheritedEnv();
    assert.equal(env.REDIS_CLUSTER_NODES, undefined);
    assert.equal(env.PATH, process.env.PATH);
  } finally {
    if (saved === undefined) delete process.env.REDIS_CLUSTER_NODES;
    else process.env.REDIS_CLUSTER_NODES = saved;
  }
});
