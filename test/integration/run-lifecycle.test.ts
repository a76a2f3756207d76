/**
 * The run reconciler end to end: real Redis (the store), the ECS simulator through the real SDK and gateway,
 * TASKDEFS' registration and launch modules, and the per-cluster resync. The test drives the reconcilers
 * itself (no BullMQ) and owns the controller's clock, so timeouts are exercised without waiting for them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Redis } from 'ioredis';
import { startSimulator, type RunningSimulator } from '../../simulator/index.js';
import { createAwsClients, type AwsClients } from '../../controller/aws/clients.js';
import { createAwsGateway, type AwsGateway } from '../../controller/aws/gateway.js';
import { RedisBudgets } from '../../controller/aws/redis-budgets.js';
import { DEFAULT_BUDGETS, THROTTLE_CATEGORIES, type BudgetTable } from '../../controller/aws/budgets.js';
import { ResourceStore } from '../../controller/store/index.js';
import type { RunRecord } from '../../controller/api/run.js';
import type { WakeUps } from '../../controller/queue/queues.js';
import { createTaskdefs, type Taskdefs } from '../../reconcilers/taskdef/index.js';
import { taskdefKeys } from '../../reconcilers/taskdef/keys.js';
import { createNetworkResolver } from '../../reconcilers/launch/network.js';
import { createRunTaskdefAdapter } from '../../reconcilers/taskdef/run-adapter.js';
import { createRunEcsPort } from '../../reconcilers/run-ecs.js';
import { reconcileRun, type RunReconcilerDeps } from '../../reconcilers/run-reconciler.js';
import { resyncCluster, type ResyncDeps } from '../../reconcilers/resync.js';
import { createControlHandler } from '../../reconcilers/control.js';
import { createPoolLimiter } from '../../reconcilers/run-pool-limits.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

const TIME_SCALE = 60;
const V = 'longshore.dev/v1alpha1';
const silent = pino({ level: 'silent' });
const ctx = { logger: silent, reconcileId: 'test', attempt: 1 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function scaled(table: BudgetTable): BudgetTable {
  return Object.fromEntries(THROTTLE_CATEGORIES.map((c) => [c, { burst: table[c].burst, refillPerSecond: table[c].refillPerSecond * TIME_SCALE }])) as BudgetTable;
}

describe('run lifecycle against Redis and the simulator', () => {
  let sim: RunningSimulator;
  let clients: AwsClients;
  let redis: Redis;
  let gateway: AwsGateway;
  let store: ResourceStore;
  let taskdefs: Taskdefs;
  let runDeps: RunReconcilerDeps;
  let resyncDeps: ResyncDeps;
  const namespace = uniqueNamespace('test-run');
  const registrations: string[] = [];
  /** The controller's clock: real time plus a jump the test controls. */
  let clockOffsetMs = 0;
  const now = () => Date.now() + clockOffsetMs;

  before(async () => {
    const phase = { kind: 'fixed' as const, seconds: 1 };
    sim = await startSimulator({
      timeScale: TIME_SCALE, seed: 11,
      scenario: { phases: { provisioning: phase, pending: phase, activating: phase, running: { kind: 'fixed', seconds: 2 }, deactivating: phase, stopping: phase, deprovisioning: phase } },
    });
    redis = testRedis();
    clients = createAwsClients({ region: 'us-east-1', endpointUrl: sim.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const ks = new ResourceStore(redis, { namespace }).keyspace;
    const budgets = new RedisBudgets({ redis, bucketKey: (c) => ks.key('budget', c), budgets: scaled(DEFAULT_BUDGETS), burstReserveFraction: 0.05 });
    gateway = createAwsGateway({ clients, budgets, maxWaitMs: 10_000 });
    store = new ResourceStore(redis, { namespace });
    const wakeUps: WakeUps = { wake: async (queue, key) => { if (queue === 'register-taskdef') registrations.push(key); } };
    taskdefs = createTaskdefs({ redis, keyspace: ks, gateway, wakeUps, defaultRegion: 'us-east-1' });
    const network = createNetworkResolver({ redis, keys: taskdefKeys(ks), gateway });
    const adapter = createRunTaskdefAdapter({ resolver: taskdefs.resolver, network, defaultRegion: 'us-east-1' });
    const tasks = createRunEcsPort({ gateway, namespace, network, defaultRegion: 'us-east-1', launchDetails: (p, r, arn) => adapter.launchDetails(p, r, arn) });
    const limiter = createPoolLimiter(redis, ks);
    runDeps = { store, resolver: adapter, tasks, now, limiter, releaseTaskDefinition: (r, arn) => adapter.release(r, arn) };
    resyncDeps = { store, gateway, wake: async () => undefined, now, missingGraceMs: 5_000 };
    await store.submit([
      { apiVersion: V, kind: 'Pool', metadata: { name: 'fargate' }, spec: { taskDefinition: {}, image: 'busybox', cpu: 256, memory: 512, retry: { infrastructureAttempts: 2, backoff: { initialSeconds: 0.05, maxSeconds: 0.1 } } } },
      { apiVersion: V, kind: 'Pool', metadata: { name: 'narrow' }, spec: { taskDefinition: {}, image: 'busybox', cpu: 256, memory: 512, limits: { maxRunning: 1 } } },
      { apiVersion: V, kind: 'Pool', metadata: { name: 'spot' }, spec: { taskDefinition: {}, image: 'busybox', cpu: 256, memory: 512, launchType: 'FARGATE_SPOT', retry: { infrastructureAttempts: 2, backoff: { initialSeconds: 0.05, maxSeconds: 0.1 } } } },
    ]);
  });

  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
    clients.destroy();
    await sim.close();
  });

  async function submitRun(name: string, pool: string, spec: object = {}): Promise<void> {
    await store.submit([{ apiVersion: V, kind: 'Run', metadata: { name }, spec: { pool, ...spec } }]);
  }

  /** Registrations, run reconciles and resyncs, round after round, until `done` holds. */
  async function driveUntil(names: string[], done: (runs: RunRecord[]) => boolean, options: { resync?: boolean; timeoutMs?: number } = {}): Promise<RunRecord[]> {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      while (registrations.length > 0) await taskdefs.reconciler(registrations.shift() ?? '', ctx);
      for (const name of names) await reconcileRun(runDeps, name);
      if (options.resync !== false) for (const cluster of await store.liveTaskClusters()) await resyncCluster(resyncDeps, cluster);
      const runs = (await Promise.all(names.map((n) => store.getRun(n)))).filter((r): r is RunRecord => r !== null);
      if (done(runs)) return runs;
      if (Date.now() > deadline) throw new Error(`runs did not settle: ${runs.map((r) => `${r.metadata.name}=${r.status.phase}/${r.status.message}`).join('; ')}`);
      await sleep(50);
    }
  }
  const allStopped = (runs: RunRecord[]) => runs.every((r) => r.status.phase === 'stopped');
  const tasksOf = (name: string) => sim.audit().tasks.filter((t) => t.startedBy?.endsWith(`/${name}`));

  test('exit 0 succeeds and exit 3 fails, one task each, with conditions and attempt details', async () => {
    await submitRun('ok-1', 'fargate');
    await submitRun('bad-1', 'fargate', { env: { SIM_EXIT_CODE: '3' } });
    const [ok, bad] = await driveUntil(['ok-1', 'bad-1'], allStopped);
    assert.deepEqual([ok.status.outcome, ok.status.attempts.length, ok.status.attempts[0].exitCode], ['succeeded', 1, 0]);
    assert.deepEqual([bad.status.outcome, bad.status.attempts[0].exitCode, bad.status.attempts[0].failureReason], ['failed', 3, 'ExitCode']);
    for (const run of [ok, bad]) {
      assert.equal(tasksOf(run.metadata.name).length, 1);
      assert.ok(run.status.taskDefinitionArn);
      assert.deepEqual(run.status.conditions.map((c) => `${c.type}=${c.status}`).sort(), ['Running=False', 'Stopped=True', 'Submitted=True', 'TaskDefinitionResolved=True']);
      assert.equal(run.status.observedGeneration, 1);
    }
    assert.equal(registrations.length, 0);
  });

  test('a failed start retries within the budget, then crashes with the reason', async () => {
    await submitRun('pull-1', 'fargate', { env: { SIM_FAIL_START: 'CannotPullContainerError' } });
    const [run] = await driveUntil(['pull-1'], allStopped);
    assert.equal(run.status.outcome, 'crashed');
    assert.deepEqual(run.status.attempts.map((a) => a.failureReason), ['TaskFailedToStart', 'TaskFailedToStart']);
    assert.match(run.status.message ?? '', /CannotPullContainerError.*budget of 2/);
    assert.equal(tasksOf('pull-1').length, 2);
    assert.equal(new Set(tasksOf('pull-1').map((t) => t.clientToken)).size, 2);
  });

  test('a Fargate Spot interruption is classified and retried', async () => {
    await submitRun('spot-1', 'spot', { env: { SIM_SPOT_INTERRUPT_AFTER_SECONDS: '0.5', SIM_RUN_SECONDS: '60' } });
    const [run] = await driveUntil(['spot-1'], allStopped);
    assert.equal(run.status.outcome, 'crashed');
    assert.deepEqual(run.status.attempts.map((a) => a.failureReason), ['SpotInterruption', 'SpotInterruption']);
  });

  test('cancel before launch never launches; cancel while running stops the task', async () => {
    await submitRun('early-1', 'fargate', { cancelRequested: true });
    const [early] = await driveUntil(['early-1'], allStopped);
    assert.deepEqual([early.status.outcome, early.status.attempts.length, tasksOf('early-1').length], ['cancelled', 0, 0]);

    await submitRun('late-1', 'fargate', { env: { SIM_RUN_SECONDS: '600' } });
    await driveUntil(['late-1'], (runs) => runs[0]?.status.phase === 'running');
    const handle = createControlHandler({ store, gateway, wake: async () => undefined });
    await handle({ id: '1-0', message: { type: 'cancel', run: 'late-1' } });
    const [late] = await driveUntil(['late-1'], allStopped);
    assert.equal(late.status.outcome, 'cancelled');
    assert.equal(tasksOf('late-1')[0]?.stopCode, 'UserInitiated');
  });

  test('two reconciles of one run racing each other launch one task and finalize it', async () => {
    await submitRun('race-1', 'fargate');
    const concluded: string[] = [];
    const racing = { ...runDeps, observer: { concluded: (outcome: string) => concluded.push(outcome) } };
    const deadline = Date.now() + 20_000;
    for (;;) {
      while (registrations.length > 0) await taskdefs.reconciler(registrations.shift() ?? '', ctx);
      await Promise.all([reconcileRun(racing, 'race-1'), reconcileRun(racing, 'race-1')]);
      for (const cluster of await store.liveTaskClusters()) await resyncCluster(resyncDeps, cluster);
      const current = await store.getRun('race-1');
      const finalized = (current?.lifecycle as { context?: { finalized?: boolean } } | undefined)?.context?.finalized === true;
      if (finalized || Date.now() > deadline) break;
      await sleep(50);
    }
    const run = await store.getRun('race-1');
    assert.equal(run?.status.outcome, 'succeeded');
    assert.equal(tasksOf('race-1').length, 1);
    // Finalizing is at-least-once: two racing reconciles may both count the run (BullMQ keeps one active per run).
    assert.ok(concluded.length >= 1 && concluded.every((outcome) => outcome === 'succeeded'), concluded.join());
  });

  test('kill by task ARN stops the task; the run ends crashed, not retried', async () => {
    await submitRun('kill-1', 'fargate', { env: { SIM_RUN_SECONDS: '600' } });
    const [running] = await driveUntil(['kill-1'], (runs) => runs[0]?.status.phase === 'running');
    const taskArn = running.status.attempts[0].taskArn ?? '';
    await createControlHandler({ store, gateway, wake: async () => undefined })({ id: '2-0', message: { type: 'kill', taskArn } });
    const [run] = await driveUntil(['kill-1'], allStopped);
    assert.deepEqual([run.status.outcome, run.status.attempts.length, run.status.attempts[0].failureReason], ['crashed', 1, 'StoppedByUser']);
  });

  test('maxRunning 1: runs of the pool take turns, and all of them finish', async () => {
    const names = ['turn-1', 'turn-2', 'turn-3'];
    for (const name of names) await submitRun(name, 'narrow');
    let most = 0;
    await driveUntil(names, (runs) => {
      most = Math.max(most, runs.filter((r) => ['taskdef-resolved', 'submitted', 'running'].includes(r.status.phase) && r.status.attempts.some((a) => a.taskArn && !a.stoppedAt)).length);
      return allStopped(runs);
    });
    assert.equal(most, 1);
    for (const name of names) assert.equal((await store.getRun(name))?.status.outcome, 'succeeded');
  });

  test('a start timeout stops the task and ends the run timed-out', async () => {
    await submitRun('slow-1', 'fargate', { timeouts: { startSeconds: 30 } });
    await driveUntil(['slow-1'], (runs) => runs[0]?.status.phase === 'submitted', { resync: false });
    clockOffsetMs += 31_000;
    const [run] = await driveUntil(['slow-1'], allStopped);
    assert.deepEqual([run.status.outcome, run.status.attempts[0].failureReason], ['timed-out', 'StartTimeout']);
    assert.equal(tasksOf('slow-1')[0]?.stopCode, 'UserInitiated');
  });
});
