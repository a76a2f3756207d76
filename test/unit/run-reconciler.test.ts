import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { PoolRecord } from '../../controller/api/pool.js';
import type { RunRecord } from '../../controller/api/run.js';
import { TerminalError } from '../../controller/queue/reconcile.js';
import { EPOCH_MS } from '../../machines/fixtures.js';
import { createRunReconciler, reconcileRun, type RunReconcilerDeps } from '../../reconcilers/run/reconciler.js';
import type { LaunchRequest, RunStorePort, RunTaskPort, TaskDefinitionResolution, TaskDefinitionResolver } from '../../reconcilers/run/ports.js';
import type { LaunchOutcome } from '../../reconcilers/launch/outcome.js';
import { feedTaskReport } from '../../reconcilers/observe/feed.js';
import { LIMIT_RECHECK_MS } from '../../reconcilers/run/pool-limits.js';
import { newPool, newRunRecord } from './run-builders.js';

const TASK = 'arn:aws:ecs:us-east-1:000000000000:task/default/t1';
const CLUSTER = 'arn:aws:ecs:us-east-1:000000000000:cluster/default';

class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** An in-memory store with the real store's compare-and-set contract. */
class FakeStore implements RunStorePort {
  runs = new Map<string, RunRecord>();
  pools = new Map<string, PoolRecord>();
  writes: RunRecord[] = [];
  conflictsToInject = 0;
  private rv = 100;
  async getRun(name: string) { return structuredClone(this.runs.get(name) ?? null); }
  async getPool(name: string) { return structuredClone(this.pools.get(name) ?? null); }
  async updateRunStatus(name: string, update: { status: RunRecord['status']; lifecycle: unknown }, expected: string) {
    const current = this.runs.get(name);
    if (!current) throw new Error('not found');
    if (this.conflictsToInject > 0) {
      this.conflictsToInject -= 1;
      this.bump(name);
      throw new ConflictError('changed');
    }
    if (current.metadata.resourceVersion !== expected) throw new ConflictError('changed');
    const next: RunRecord = structuredClone({ ...current, status: update.status, lifecycle: update.lifecycle, metadata: { ...current.metadata, resourceVersion: String(++this.rv) } });
    this.runs.set(name, next);
    this.writes.push(next);
    return structuredClone(next);
  }
  /** Someone else wrote the run (e.g. the resync): only the resourceVersion moves. */
  bump(name: string) {
    const current = this.runs.get(name);
    if (current) this.runs.set(name, { ...current, metadata: { ...current.metadata, resourceVersion: String(++this.rv) } });
  }
}

function setup(options: { resolution?: TaskDefinitionResolution; outcome?: LaunchOutcome; run?: RunRecord } = {}) {
  const store = new FakeStore();
  store.pools.set('pool-a', newPool());
  const run = options.run ?? newRunRecord();
  store.runs.set(run.metadata.name, run);
  const calls = { resolve: 0, launch: [] as LaunchRequest[], phasesAtLaunch: [] as string[], stop: 0, released: [] as string[], concluded: [] as string[] };
  const resolver: TaskDefinitionResolver = {
    async resolve() { calls.resolve += 1; return options.resolution ?? { arn: 'arn:td:1' }; },
  };
  const tasks: RunTaskPort = {
    async launch(request) {
      calls.launch.push(request);
      calls.phasesAtLaunch.push(store.runs.get(request.run.metadata.name)?.status.phase ?? '?');
      return options.outcome ?? { kind: 'launched', task: { taskArn: TASK }, taskArn: TASK, clusterArn: CLUSTER };
    },
    async stop() { calls.stop += 1; return { kind: 'missing' }; },
    async describe() { return { kind: 'missing' }; },
    async findLaunched() { return { kind: 'none' }; },
  };
  const deps: RunReconcilerDeps = {
    store, resolver, tasks, now: () => EPOCH_MS + 1000,
    releaseTaskDefinition: async (r, arn) => { calls.released.push(`${r.metadata.name}:${arn}`); },
    observer: { concluded: (outcome) => calls.concluded.push(outcome) },
  };
  return { store, deps, calls };
}

describe('reconcileRun', () => {
  test('a new run goes pending → launching → submitted in one reconcile, writing before each effect', async () => {
    const { store, deps, calls } = setup();
    const result = await reconcileRun(deps, 'run-a');
    assert.deepEqual(store.writes.map((w) => w.status.phase), ['pending', 'taskdef-resolved', 'submitted']);
    assert.equal(calls.resolve, 1);
    assert.equal(calls.launch.length, 1);
    assert.equal(calls.launch[0].attempt, 1);
    assert.equal(calls.launch[0].taskDefinitionArn, 'arn:td:1');
    assert.deepEqual(calls.phasesAtLaunch, ['taskdef-resolved']);
    assert.deepEqual(result, { requeueAfterMs: 300_000 });
    assert.equal(store.runs.get('run-a')?.status.attempts[0].taskArn, TASK);
  });

  test('waiting for a registration: one resolve, requeue after waitingMs', async () => {
    const { store, deps, calls } = setup({ resolution: { waitingMs: 4000 } });
    assert.deepEqual(await reconcileRun(deps, 'run-a'), { requeueAfterMs: 4000 });
    assert.equal(calls.resolve, 1);
    assert.deepEqual(store.writes.map((w) => w.status.phase), ['pending', 'pending']);
    assert.equal(store.runs.get('run-a')?.status.message, 'waiting for the task definition to be registered');
    assert.equal(store.runs.get('run-a')?.status.conditions.find((c) => c.type === 'TaskDefinitionResolved')?.reason, 'Registering');
    await reconcileRun(deps, 'run-a');
    assert.equal(store.writes.length, 2, 'waiting again writes nothing new');
  });

  test('a conflicting write is re-read and re-planned, and the launch result is not lost', async () => {
    const { store, deps, calls } = setup();
    const launchOnce = deps.tasks.launch;
    const tasks = { ...deps.tasks, launch: async (request: LaunchRequest) => { store.conflictsToInject = 1; return launchOnce(request); } };
    await reconcileRun({ ...deps, tasks }, 'run-a');
    assert.equal(calls.launch.length, 1);
    assert.equal(store.runs.get('run-a')?.status.phase, 'submitted');
    assert.equal(store.runs.get('run-a')?.status.attempts[0].taskArn, TASK);
  });

  test('too many conflicts give up with the error (the job backs off)', async () => {
    const { store, deps } = setup();
    store.conflictsToInject = 100;
    await assert.rejects(reconcileRun({ ...deps, maxConflicts: 2 }, 'run-a'), /changed/);
  });

  test('a run that no longer exists is done', async () => {
    const { deps } = setup();
    assert.deepEqual(await reconcileRun(deps, 'nobody'), {});
  });

  test('reaching stopped releases the task definition and reports the outcome once', async () => {
    const { deps, calls } = setup({ outcome: { kind: 'terminal', reason: 'ClusterNotFound', message: 'no cluster' } });
    await reconcileRun(deps, 'run-a');
    await reconcileRun(deps, 'run-a');
    assert.deepEqual(calls.concluded, ['failed']);
    assert.deepEqual(calls.released, ['run-a:arn:td:1']);
  });

  test('a run stopped by someone else (the resync) is finalized by its next reconcile', async () => {
    const { store, deps, calls } = setup();
    await reconcileRun(deps, 'run-a');
    const submitted = store.runs.get('run-a')!;
    const fed = feedTaskReport(submitted, { taskArn: TASK, observation: { source: 'describe', taskArn: TASK, lastStatus: 'STOPPED', containers: [{ exitCode: 0 }] } }, EPOCH_MS + 2000);
    assert.equal(fed.kind, 'write');
    if (fed.kind !== 'write') return;
    await store.updateRunStatus('run-a', { status: fed.status, lifecycle: fed.lifecycle }, submitted.metadata.resourceVersion);
    assert.deepEqual(await reconcileRun(deps, 'run-a'), {});
    assert.deepEqual([calls.concluded, calls.released], [['succeeded'], ['run-a:arn:td:1']]);
    await reconcileRun(deps, 'run-a');
    assert.equal(calls.concluded.length, 1);
  });

  test('no pool slot: RunTask waits and the run looks again later; slots are released as the state moves on', async () => {
    const { deps, calls, store } = setup();
    const released: string[] = [];
    let grant = false;
    const limiter = {
      acquire: async () => (grant ? { ok: true as const } : { ok: false as const, limit: 'maxRunning' as const, max: 1 }),
      release: async (_pool: unknown, _run: string, keep: { submitting: boolean; running: boolean }) => {
        released.push(`${keep.submitting}/${keep.running}`);
        // Whatever the limiter names is woken (the real one names the oldest waiters for the slots it freed).
        return released.length === 1 ? ['run-waiting'] : [];
      },
    };
    const woken: string[] = [];
    assert.deepEqual(await reconcileRun({ ...deps, limiter, wake: async (n) => { woken.push(n); } }, 'run-a'), { requeueAfterMs: LIMIT_RECHECK_MS });
    assert.equal(calls.launch.length, 0);
    assert.equal(store.runs.get('run-a')?.status.phase, 'taskdef-resolved');
    assert.equal(store.runs.get('run-a')?.status.message, 'waiting for a slot in pool "pool-a" (maxRunning 1)');
    grant = true;
    await reconcileRun({ ...deps, limiter }, 'run-a');
    assert.equal(calls.launch.length, 1);
    // No release before the run has an attempt (it cannot hold a slot yet): the first is at launching.
    assert.ok(released.length > 0 && released.every((r) => r === 'true/true'), `launching and submitted keep both slots: ${released.join(', ')}`);
    assert.deepEqual(woken, ['run-waiting'], 'the waiters the limiter names are woken');
  });

  test('an unreadable lifecycle is a terminal error', async () => {
    const run = { ...newRunRecord(), lifecycle: { machine: 'something-else' } };
    const { deps } = setup({ run });
    const reconcile = createRunReconciler(deps);
    await assert.rejects(reconcile('run-a', { logger: pino({ level: 'silent' }), reconcileId: 'r', jobTry: 1 }), TerminalError);
  });

  test('effects chained in one reconcile are bounded', async () => {
    const { deps, calls } = setup({ outcome: { kind: 'stale-task-definition', problem: 'inactive', message: 'inactive' } });
    const result = await reconcileRun({ ...deps, maxEffects: 3 }, 'run-a');
    assert.deepEqual(result, { requeueAfterMs: 0 });
    assert.equal(calls.resolve + calls.launch.length, 3);
  });
});
