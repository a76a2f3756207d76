/**
 * The store gauges on real Redis: of two replicas' exporters exactly one holds the lease and exports runs,
 * pool runs, queue depths and budget levels; the other exports none of them. The run counts are one
 * snapshot that adds up per phase and per pool, every account-region the pools use has its own budget
 * series against its own capacity, a bucket nobody used reads full, and when the elected replica stops the
 * other takes over.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import { ResourceStore } from '../../controller/store/index.js';
import { createMetrics, type ControllerMetrics } from '../../controller/metrics.js';
import { RedisBudgets } from '../../controller/aws/redis-budgets.js';
import { DEFAULT_BUDGETS, type ThrottleCategory } from '../../controller/aws/budgets.js';
import { budgetKeyParts, budgetScopesOfPools } from '../../controller/aws/budget-keys.js';
import type { BudgetScope } from '../../controller/aws/target.js';
import { listAll } from '../../controller/store/index.js';
import { readRunCounts, startStoreGaugeExporter, type StoreGaugeExporter } from '../../controller/store-gauges.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';

const V = 'longshore.dev/v1alpha1';
const HOME_REGION = 'us-east-1';
const PARTNER = '210987654321';

describe('store gauges exported by one elected replica', () => {
  let redis: RedisClient;
  const namespace = uniqueNamespace('test-gauges');
  let store: ResourceStore;
  let budgets: RedisBudgets;
  /** The budgets of one account-region, keyed as the controller keys them. */
  const budgetsOf = (scope: BudgetScope) => new RedisBudgets({
    redis, budgets: DEFAULT_BUDGETS, bucketKey: (category) => store.keyspace.key(...budgetKeyParts(scope, { region: HOME_REGION }, category)),
  });
  const budgetDeps = () => ({
    budgetScopes: async () => budgetScopesOfPools((await listAll((cursor) => store.listPools(cursor === undefined ? {} : { cursor }))).map((p) => p.spec), { region: HOME_REGION }),
    budgetLevel: (scope: BudgetScope, category: ThrottleCategory) => budgetsOf(scope).level(category),
    budgetCapacity: (category: ThrottleCategory) => budgets.usableBurst(category),
  });

  before(async () => {
    redis = testRedis();
    store = new ResourceStore(redis, { namespace });
    budgets = budgetsOf({ account: 'default', region: HOME_REGION });
    await store.submit([
      { apiVersion: V, kind: 'Pool', metadata: { name: 'alpha' }, spec: { taskDefinition: {} } },
      { apiVersion: V, kind: 'Pool', metadata: { name: 'beta' }, spec: { taskDefinition: {}, region: 'eu-west-1', roleArn: `arn:aws:iam::${PARTNER}:role/launcher` } },
      ...['a1', 'a2', 'a3'].map((name) => ({ apiVersion: V, kind: 'Run', metadata: { name }, spec: { pool: 'alpha' } })),
      { apiVersion: V, kind: 'Run', metadata: { name: 'b1' }, spec: { pool: 'beta' } },
    ]);
    const b1 = await store.getRun('b1');
    await store.updateRunStatus('b1', { status: { ...b1!.status, phase: 'submitted' } }, b1!.metadata.resourceVersion);
  });

  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
  });

  test('run counts are one snapshot by phase and by pool and phase', async () => {
    const scratch = store.keyspace.key('metrics', 'scratch', 'test');
    const counts = await readRunCounts(redis, store.keyspace, scratch);
    assert.equal(await redis.exists(scratch), 0, 'the scratch key is gone');
    assert.equal(counts.byPhase.pending, 3);
    assert.equal(counts.byPhase.submitted, 1);
    assert.deepEqual(counts.byPool.get('alpha'), { pending: 3, 'taskdef-resolved': 0, submitted: 0, running: 0 });
    assert.deepEqual(counts.byPool.get('beta'), { pending: 0, 'taskdef-resolved': 0, submitted: 1, running: 0 });
  });

  test('a replica whose Redis does not answer says so and exports no store gauges, though no one else holds the lease', async () => {
    const metrics = createMetrics({ namespace, replica: 'cut-off' });
    const exporter = startStoreGaugeExporter({
      redis, keyspace: store.keyspace, replicaId: 'cut-off', metrics, intervalMs: 100,
      sampleQueues: async () => undefined, ...budgetDeps(), redisAnswers: async () => false,
    });
    try {
      await until(async () => /^longshore_redis_up\{[^}]*\} 0$/m.test(await metrics.registry.metrics()), { timeoutMs: 5000, intervalMs: 50, what: 'redis_up 0' });
      const text = await metrics.registry.metrics();
      assert.match(text, /^longshore_store_gauges_elected\{[^}]*\} 0$/m);
      assert.doesNotMatch(text, /^longshore_(runs|pool_runs|queue_jobs|budget_tokens|budget_capacity|budget_rate_factor)\{/m);
      assert.equal(await redis.exists(store.keyspace.key('metrics', 'exporter')), 0);
    } finally {
      await exporter.stop();
    }
  });

  test('exactly one of two replicas exports them; the other takes over when it stops', async () => {
    const replicas: { id: string; metrics: ControllerMetrics; exporter: StoreGaugeExporter }[] = ['one', 'two'].map((id) => {
      const metrics = createMetrics({ namespace, replica: id });
      const exporter = startStoreGaugeExporter({
        redis, keyspace: store.keyspace, replicaId: id, metrics, intervalMs: 100,
        sampleQueues: async () => metrics.queueJobs.set({ queue: 'reconcile-run', state: 'waiting' }, 7),
        ...budgetDeps(),
        redisAnswers: async () => true,
      });
      return { id, metrics, exporter };
    });
    const exported = async (m: ControllerMetrics) => {
      const text = await m.registry.metrics();
      return {
        elected: /^longshore_store_gauges_elected\{[^}]*\} 1$/m.test(text),
        series: text.split('\n').filter((line) => /^longshore_(runs|pool_runs|queue_jobs|budget_tokens|budget_capacity|budget_rate_factor)\{/.test(line)),
        text,
      };
    };
    try {
      await until(async () => replicas.some((r) => r.exporter.elected()), { timeoutMs: 5000, intervalMs: 50, what: 'an elected replica' });
      await until(async () => (await exported(replicas.find((r) => r.exporter.elected())!.metrics)).series.some((line) => line.startsWith('longshore_pool_runs')), { timeoutMs: 5000, intervalMs: 50, what: 'pool runs exported' });
      const [first, second] = [replicas.find((r) => r.exporter.elected())!, replicas.find((r) => !r.exporter.elected())!];
      const a = await exported(first.metrics);
      const b = await exported(second.metrics);
      assert.equal(a.elected, true);
      assert.equal(b.elected, false);
      assert.deepEqual(b.series, []);
      assert.ok(a.text.includes('longshore_runs{phase="pending",'), a.text);
      assert.match(a.text, /^longshore_pool_runs\{pool="alpha",phase="pending",[^}]*\} 3$/m);
      assert.match(a.text, /^longshore_queue_jobs\{queue="reconcile-run",state="waiting",[^}]*\} 7$/m);
      // Nobody took from the fargateLaunches buckets: each account-region's reads full (its burst), not 0,
      // against a capacity of its own.
      const burst = DEFAULT_BUDGETS.fargateLaunches.burst;
      for (const [region, account] of [[HOME_REGION, 'default'], ['eu-west-1', PARTNER]]) {
        const labels = `category="fargateLaunches",region="${region}",account="${account}"`;
        assert.match(a.text, new RegExp(`^longshore_budget_tokens\\{${labels},[^}]*\\} ${burst}$`, 'm'), `${region}/${account} tokens`);
        assert.match(a.text, new RegExp(`^longshore_budget_capacity\\{${labels},[^}]*\\} ${burst}$`, 'm'), `${region}/${account} capacity`);
        assert.match(a.text, new RegExp(`^longshore_budget_rate_factor\\{${labels},[^}]*\\} 1$`, 'm'), `${region}/${account} rate factor`);
      }
      assert.equal(a.text.split('\n').filter((line) => line.startsWith('longshore_budget_tokens{category="fargateLaunches"')).length, 2, 'one series per account-region');
      // Both replicas label the pools they read, with counters at 0 before any run of theirs ended.
      assert.match(b.text, /^longshore_runs_completed_total\{outcome="failed",pool="beta",[^}]*\} 0$/m);

      await first.exporter.stop();
      assert.deepEqual((await exported(first.metrics)).series, []);
      await until(async () => second.exporter.elected() && (await exported(second.metrics)).series.length > 0, { timeoutMs: 5000, intervalMs: 50, what: 'the other replica to take over' });
    } finally {
      await Promise.all(replicas.map((r) => r.exporter.stop()));
    }
  });
});
