/**
 * Cancel against launch, with the real Redis store: a run whose cancel was accepted before its launch decision
 * was recorded is never launched; a launch decided before the cancel may still happen and is then stopped.
 * "Recorded" means the compare-and-set status write the launching reconcile itself makes right before RunTask,
 * against a record without cancelRequested — the cancel (a spec write) conflicts with it. Interleavings are
 * forced through the ports (a cancel injected right after one of the reconciler's store calls, or inside
 * RunTask), never by timing. The ECS side is an in-memory fake that remembers what it launched and stopped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisClient } from '../../controller/redis.js';
import type { RunRecord } from '../../controller/api/run.js';
import { ResourceStore } from '../../controller/store/index.js';
import { reconcileRun, type RunReconcilerDeps } from '../../reconcilers/run/reconciler.js';
import type { LaunchRequest, RunStorePort, RunTaskPort } from '../../reconcilers/run/ports.js';
import type { LaunchOutcome } from '../../reconcilers/launch/outcome.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

const V = 'longshore.dev/v1alpha1';
const CLUSTER = 'arn:aws:ecs:us-east-1:000000000000:cluster/default';

interface Launch {
  run: string;
  /** The run record RunTask was issued from (its version and whether it carried the cancel). */
  resourceVersion: string;
  cancelRequested: boolean;
  /** Versions this reconcile itself wrote before the RunTask. */
  writtenByThisReconcile: string[];
}

/** An in-memory ECS: RunTask answers `launchOutcome` (launched by default); tasks stop when asked. */
class FakeEcs {
  launches: Launch[] = [];
  stopped = new Set<string>();
  launchOutcome: (request: LaunchRequest) => LaunchOutcome = (request) => {
    const taskArn = `arn:aws:ecs:us-east-1:000000000000:task/default/${request.run.metadata.name}-${request.attempt}`;
    return { kind: 'launched', task: { taskArn }, taskArn, clusterArn: CLUSTER };
  };
  /** Called inside RunTask, before it answers (a cancel landing while the call is in flight). */
  duringLaunch?: (request: LaunchRequest) => Promise<void>;
  private readonly tasks = new Map<string, string>();

  port(written: string[], duringLaunch = this.duringLaunch): RunTaskPort {
    return {
      launch: async (request) => {
        this.launches.push({
          run: request.run.metadata.name, resourceVersion: request.run.metadata.resourceVersion,
          cancelRequested: request.run.spec.cancelRequested === true, writtenByThisReconcile: [...written],
        });
        await (duringLaunch ?? this.duringLaunch)?.(request);
        const outcome = this.launchOutcome(request);
        if (outcome.kind === 'launched') this.tasks.set(request.run.metadata.name, outcome.taskArn);
        return outcome;
      },
      stop: async ({ taskArn }) => {
        this.stopped.add(taskArn);
        return { kind: 'observed', task: { source: 'describe', taskArn, lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'UserInitiated' } };
      },
      describe: async ({ taskArn }) => ({ kind: 'observed', task: { source: 'describe', taskArn, lastStatus: this.stopped.has(taskArn) ? 'STOPPED' : 'PROVISIONING' } }),
      findLaunched: async ({ run }) => {
        const taskArn = this.tasks.get(run.metadata.name);
        return taskArn && !this.stopped.has(taskArn) ? { kind: 'found', taskArn, clusterArn: CLUSTER } : { kind: 'none' };
      },
    };
  }
}

describe('cancel against launch (real Redis store)', () => {
  let redis: RedisClient;
  let store: ResourceStore;
  const namespace = uniqueNamespace('test-cancel-race');
  before(async () => {
    redis = testRedis();
    store = new ResourceStore(redis, { namespace });
    await store.submit([{ apiVersion: V, kind: 'Pool', metadata: { name: 'p' }, spec: { taskDefinition: {}, image: 'busybox', cpu: 256, memory: 512 } }]);
  });
  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
  });

  /**
   * One reconcile's dependencies: the real store, seen through a port that remembers the versions this
   * reconcile wrote and calls `after(n)` once its n-th store call (1, 2, …) answered, before the reconciler
   * sees the answer — and at the start of RunTask, as the next n.
   */
  function depsFor(ecs: FakeEcs, after?: (call: number) => Promise<void>): RunReconcilerDeps {
    const written: string[] = [];
    let calls = 0;
    const boundary = async <T>(answer: T): Promise<T> => {
      calls += 1;
      await after?.(calls);
      return answer;
    };
    const port: RunStorePort = {
      getRun: async (name) => boundary(await store.getRun(name)),
      getPool: async (name) => boundary(await store.getPool(name)),
      updateRunStatus: async (name, update, expected) => {
        const record = await store.updateRunStatus(name, update, expected);
        written.push(record.metadata.resourceVersion);
        return boundary(record);
      },
    };
    const duringLaunch = after ? () => boundary(undefined) : undefined;
    return { store: port, resolver: { resolve: async () => ({ arn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/p:1' }) }, tasks: ecs.port(written, duringLaunch) };
  }

  /** Cancels `name` right after the reconcile's n-th store call (n = 1: right after its first read). */
  const cancelAfterCall = (name: string, n: number, accepted?: (record: RunRecord) => void) => async (call: number) => {
    if (call !== n) return;
    const record = await store.requestCancel(name);
    accepted?.(record);
  };

  async function submitRun(name: string): Promise<void> {
    await store.submit([{ apiVersion: V, kind: 'Run', metadata: { name }, spec: { pool: 'p' } }]);
  }

  /** Reconciles until the run is stopped (each pass is what one wake-up would do). */
  async function settle(ecs: FakeEcs, name: string): Promise<RunRecord> {
    for (let pass = 0; pass < 20; pass += 1) {
      const run = await store.getRun(name);
      if (run?.status.phase === 'stopped') return run;
      await reconcileRun(depsFor(ecs), name);
    }
    throw new Error(`run ${name} did not stop`);
  }

  /** Leaves the run in launching, its RunTask still to do (a budget wait answered "retry later"). */
  async function launchPending(ecs: FakeEcs, name: string): Promise<void> {
    await submitRun(name);
    const answer = ecs.launchOutcome;
    ecs.launchOutcome = () => ({ kind: 'retry', cause: 'pacing', reason: 'BudgetExhausted', message: 'no token' });
    await reconcileRun(depsFor(ecs), name);
    ecs.launchOutcome = answer;
    const run = await store.getRun(name);
    assert.equal(run?.status.phase, 'taskdef-resolved', 'launching');
    assert.equal(run?.status.attempts.length, 1);
    ecs.launches = [];
  }

  test('a cancel accepted after the read of a run whose launch was waiting: no RunTask', async () => {
    const ecs = new FakeEcs();
    await launchPending(ecs, 'waiting-1');
    await reconcileRun(depsFor(ecs, cancelAfterCall('waiting-1', 1)), 'waiting-1');
    assert.deepEqual(ecs.launches, [], 'RunTask issued from a read older than the cancel');
    const run = await settle(ecs, 'waiting-1');
    assert.equal(run.status.outcome, 'cancelled');
    assert.deepEqual(ecs.launches, []);
  });

  test('a cancel accepted after the read of a new run: no RunTask', async () => {
    const ecs = new FakeEcs();
    await submitRun('new-1');
    await reconcileRun(depsFor(ecs, cancelAfterCall('new-1', 1)), 'new-1');
    const run = await settle(ecs, 'new-1');
    assert.deepEqual([run.status.outcome, run.status.attempts.length, ecs.launches.length], ['cancelled', 0, 0]);
  });

  test('a cancel accepted while RunTask is in flight: the launch decided before it happens, and its task is stopped', async () => {
    const ecs = new FakeEcs();
    await submitRun('inflight-1');
    let cancelled: RunRecord | undefined;
    ecs.duringLaunch = async () => { cancelled = await store.requestCancel('inflight-1'); };
    await reconcileRun(depsFor(ecs), 'inflight-1');
    ecs.duringLaunch = undefined;
    const run = await settle(ecs, 'inflight-1');
    assert.equal(ecs.launches.length, 1);
    const [launch] = ecs.launches;
    assert.ok(Number(launch.resourceVersion) < Number(cancelled?.metadata.resourceVersion), 'decision recorded before the cancel');
    assert.deepEqual([...ecs.stopped], ['arn:aws:ecs:us-east-1:000000000000:task/default/inflight-1-1']);
    assert.equal(run.status.outcome, 'cancelled');
  });

  test('many runs cancelled while they launch: every RunTask follows its own launch decision, recorded before the cancel', async () => {
    const ecs = new FakeEcs();
    const names = Array.from({ length: 40 }, (_, i) => `race-${i}`);
    // Half wait with their launch decided in an earlier reconcile, half are new.
    for (const [i, name] of names.entries()) {
      if (i % 2 === 0) await launchPending(ecs, name);
      else await submitRun(name);
    }
    // Each run's cancel lands at another point of its reconcile: after its 1st, 2nd, … 6th store call or at
    // the start of RunTask, while the other runs' reconciles and cancels interleave with it on the store.
    const cancels = new Map<string, string>();
    await Promise.all(names.map((name, i) => {
      const accepted = (record: RunRecord) => cancels.set(name, record.metadata.resourceVersion);
      return reconcileRun(depsFor(ecs, cancelAfterCall(name, 1 + (Math.floor(i / 2) % 6), accepted)), name);
    }));
    // A reconcile that made fewer store calls than its cancel point finished first: cancel it now.
    for (const name of names.filter((n) => !cancels.has(n))) cancels.set(name, (await store.requestCancel(name)).metadata.resourceVersion);
    for (const name of names) {
      const run = await settle(ecs, name);
      assert.equal(run.status.outcome, 'cancelled', name);
    }

    for (const launch of ecs.launches) {
      assert.equal(launch.cancelRequested, false, `${launch.run}: launched from a record carrying the cancel`);
      assert.equal(launch.writtenByThisReconcile.at(-1), launch.resourceVersion, `${launch.run}: RunTask without its own launch decision written first`);
      assert.ok(Number(launch.resourceVersion) < Number(cancels.get(launch.run)), `${launch.run}: launch decision not before the cancel`);
    }
    const launchedTasks = ecs.launches.map((l) => `arn:aws:ecs:us-east-1:000000000000:task/default/${l.run}-1`);
    assert.deepEqual([...ecs.stopped].sort(), [...new Set(launchedTasks)].sort(), 'every launched task stopped');
    // Cancels before and after the launch decision both occurred.
    assert.ok(ecs.launches.length > 0 && ecs.launches.length < names.length, `launched ${ecs.launches.length} of ${names.length}`);
  });
});
