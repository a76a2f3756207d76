import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../controller/api/run.js';
import { EPOCH_MS, at } from '../../machines/fixtures.js';
import { startLifecycle } from '../../machines/run-lifecycle.js';
import { STALE_TASK_DEFINITION_BACKOFF, STALE_TASK_DEFINITIONS_FREE } from '../../machines/run-logic.js';
import { backoffMs } from '../../controller/backoff.js';
import { STOP_RECHECK_MS, planRun, type RunPlan } from '../../reconcilers/run/plan.js';
import type { EffectResult } from '../../reconcilers/run/ports.js';
import { buildRunTaskInput } from '../../reconcilers/launch/run-task-input.js';
import { newPool, newRunRecord } from './run-builders.js';

const pool = newPool();
const TASK = 'arn:aws:ecs:us-east-1:000000000000:task/default/t1';
const CLUSTER = 'arn:aws:ecs:us-east-1:000000000000:cluster/default';
const TD = 'arn:aws:ecs:us-east-1:000000000000:task-definition/fam:1';

let rv = 10;
/** What the store would hold after writing the plan. */
function written(record: RunRecord, plan: RunPlan): RunRecord {
  rv += 1;
  return { ...record, status: plan.status, lifecycle: plan.lifecycle, metadata: { ...record.metadata, resourceVersion: String(rv) } };
}

function plan(record: RunRecord, seconds: number, effect?: EffectResult): RunPlan {
  return planRun(record, effect ? { pool, effect } : { pool }, EPOCH_MS + seconds * 1000);
}

/** Runs the plan/write loop with scripted effect results, the way the executor does. */
function walk(record: RunRecord, seconds: number, ...results: EffectResult[]): { record: RunRecord; last: RunPlan } {
  let current = record;
  let last = plan(current, seconds);
  if (last.write) current = written(current, last);
  for (const result of results) {
    last = plan(current, seconds, result);
    if (last.write) current = written(current, last);
  }
  return { record: current, last };
}

/** The clientToken ECS receives for a runTask effect: the executor builds RunTask from the effect's attempt. */
function tokenSent(record: RunRecord, effect: RunPlan['effect']): string | undefined {
  if (effect?.type !== 'runTask') return undefined;
  const taskDefinition = { taskDefinitionArn: TD, containerName: 'main' };
  return buildRunTaskInput({ pool, run: record, attempt: effect.attempt, namespace: 'test', taskDefinition }).clientToken;
}

const resolvedTd: EffectResult = { type: 'resolveTaskDefinition', resolution: { arn: TD } };
const launched = (attempt = 1, taskArn = TASK): EffectResult => ({
  type: 'runTask', attempt, outcome: { kind: 'launched', task: { taskArn }, taskArn, clusterArn: CLUSTER },
});
const stopObserved = (lastStatus: string, attempt = 1): EffectResult => ({
  type: 'stopTask', attempt,
  outcome: { kind: 'observed', task: { taskArn: TASK, lastStatus, desiredStatus: 'STOPPED', stopCode: 'UserInitiated', containers: lastStatus === 'STOPPED' ? [{ exitCode: 143 }] : [] } },
});

function submittedRun(spec: Parameters<typeof newRunRecord>[0] = {}): RunRecord {
  return walk(newRunRecord(spec), 1, resolvedTd, launched()).record;
}

function runningRun(spec: Parameters<typeof newRunRecord>[0] = {}): RunRecord {
  // A RUNNING report, delivered here as the task a StopTask-shaped result carries (any observation will do).
  const record = submittedRun(spec);
  const p = planRun(record, { pool, effect: { type: 'stopTask', attempt: 1, outcome: { kind: 'observed', task: { taskArn: TASK, lastStatus: 'RUNNING' } } } }, EPOCH_MS + 5000);
  assert.equal(p.status.phase, 'running');
  return written(record, p);
}

describe('planRun: the first reconcile', () => {
  test('a new run gets its lifecycle, a pending status and asks for its task definition', () => {
    const p = plan(newRunRecord(), 0);
    assert.equal(p.write, true);
    assert.deepEqual([p.status.phase, p.status.observedGeneration], ['pending', 1]);
    assert.deepEqual(p.effect, { type: 'resolveTaskDefinition' });
    assert.equal(p.requeueAfterMs, undefined);
  });

  test('a run whose pool is gone before it started is blocked, nothing written', () => {
    const p = planRun(newRunRecord(), { pool: null }, EPOCH_MS);
    assert.match(p.blocked ?? '', /pool "pool-a" not found/);
    assert.equal(p.write, false);
  });

  test('the pool and run policies reach the lifecycle (timeouts, retry, container)', () => {
    const p = planRun(newRunRecord({ timeouts: { runSeconds: 60 }, retry: { infrastructureAttempts: 5 } }), { pool: newPool({ containerName: 'flow' }) }, EPOCH_MS);
    const ctx = p.snapshot.context;
    assert.deepEqual([ctx.timeouts.startSeconds, ctx.timeouts.runSeconds, ctx.retry.infrastructureAttempts, ctx.containerName], [300, 60, 5, 'flow']);
    assert.deepEqual(ctx.retry.backoff, { initialMs: 10_000, factor: 2, maxMs: 300_000 });
  });

  test('a lifecycle started without a policy gets the same defaults as a run that sets none', () => {
    const fromApi = planRun(newRunRecord(), { pool: newPool() }, EPOCH_MS).snapshot.context;
    const bare = startLifecycle({ runUid: 'uid-run-a', now: at(0) }).snapshot.context;
    assert.deepEqual([bare.retry, bare.timeouts], [fromApi.retry, fromApi.timeouts]);
    // As docs/resources.md documents them.
    assert.deepEqual(bare.retry.backoff, { initialMs: 10_000, factor: 2, maxMs: 300_000 });
    assert.deepEqual([bare.retry.infrastructureAttempts, bare.timeouts.startSeconds], [3, 300]);
  });
});

describe('planRun: task definition', () => {
  test('resolved: launch attempt 1 with the clientToken', () => {
    const { record, last } = walk(newRunRecord(), 1, resolvedTd);
    assert.deepEqual(last.effect, { type: 'runTask', attempt: 1 });
    assert.equal(tokenSent(record, last.effect), 'uid-run-a:1');
    assert.deepEqual([last.status.phase, last.status.taskDefinitionArn], ['taskdef-resolved', TD]);
    assert.deepEqual(last.transitions.map((t) => `${t.from}->${t.to}`), ['pending->taskdef-resolved']);
  });

  test('waiting: no effect, look again after waitingMs', () => {
    const { last } = walk(newRunRecord(), 1, { type: 'resolveTaskDefinition', resolution: { waitingMs: 2500 } });
    assert.equal(last.effect, undefined);
    assert.equal(last.requeueAfterMs, 2500);
    assert.equal(last.status.phase, 'pending');
  });

  test('failed: the run fails with the message', () => {
    const { last } = walk(newRunRecord(), 1, { type: 'resolveTaskDefinition', resolution: { failed: 'image is required' } });
    assert.deepEqual([last.status.phase, last.status.outcome], ['stopped', 'failed']);
    assert.match(last.status.message ?? '', /image is required/);
  });
});

describe('planRun: launch outcomes', () => {
  test('launched: submitted, nothing to do until the start timeout', () => {
    const { last } = walk(newRunRecord(), 1, resolvedTd, launched());
    assert.equal(last.status.phase, 'submitted');
    assert.deepEqual([last.status.attempts[0].taskArn, last.status.attempts[0].clusterArn], [TASK, CLUSTER]);
    assert.equal(last.effect, undefined);
    assert.equal(last.requeueAfterMs, 300_000);
  });

  test('infrastructure failure: backoff, come back when it ends', () => {
    const { last } = walk(newRunRecord(), 1, resolvedTd, { type: 'runTask', attempt: 1, outcome: { kind: 'infrastructure', reason: 'RESOURCE:MEMORY', message: 'x' } });
    assert.equal(last.snapshot.value, 'backoff');
    assert.equal(last.effect, undefined);
    assert.equal(last.requeueAfterMs, 10_000);
  });

  test('terminal failure: failed with the explanation', () => {
    const { last } = walk(newRunRecord(), 1, resolvedTd, { type: 'runTask', attempt: 1, outcome: { kind: 'terminal', reason: 'ClusterNotFound', message: "cluster 'x' not found" } });
    assert.deepEqual([last.status.outcome, last.status.attempts[0].failureReason], ['failed', 'ClusterNotFound']);
  });

  test('retry (budget, throttle): nothing recorded, look again after retryAfterMs', () => {
    const { last } = walk(newRunRecord(), 1, resolvedTd, { type: 'runTask', attempt: 1, outcome: { kind: 'retry', reason: 'BudgetExhausted', message: 'x', retryAfterMs: 700 } });
    assert.equal(last.effect, undefined);
    assert.equal(last.requeueAfterMs, 700);
    assert.equal(last.status.phase, 'taskdef-resolved');
  });

  test('conflict naming the task adopts it; conflict without one is an infrastructure failure', () => {
    const adopt = walk(newRunRecord(), 1, resolvedTd, { type: 'runTask', attempt: 1, outcome: { kind: 'conflict', taskArns: [TASK], message: 'x' } });
    assert.equal(adopt.last.status.attempts[0].taskArn, TASK);
    const unknown = walk(newRunRecord(), 1, resolvedTd, { type: 'runTask', attempt: 1, outcome: { kind: 'conflict', taskArns: [], message: 'x' } });
    assert.equal(unknown.last.status.attempts[0].failureReason, 'ClientTokenConflict');
  });

  test('stale task definition: resolve again', () => {
    const { last } = walk(newRunRecord(), 1, resolvedTd, { type: 'runTask', attempt: 1, outcome: { kind: 'stale-task-definition', problem: 'inactive', message: 'inactive' } });
    assert.deepEqual(last.effect, { type: 'resolveTaskDefinition' });
    assert.equal(last.status.phase, 'pending');
  });

  test('a revision refused again and again: after the free re-resolutions the plan waits, growing, then resolves', () => {
    const refused: EffectResult = { type: 'runTask', attempt: 1, outcome: { kind: 'stale-task-definition', problem: 'missing', message: 'ClientException: TaskDefinition not found.' } };
    const loops: EffectResult[] = [];
    for (let i = 0; i < STALE_TASK_DEFINITIONS_FREE; i += 1) loops.push(resolvedTd, refused);
    const { record, last } = walk(newRunRecord(), 1, ...loops);
    assert.deepEqual(last.effect, { type: 'resolveTaskDefinition' }, 'the free re-resolutions resolve at once');
    const waiting = walk(record, 1, resolvedTd, refused);
    assert.equal(waiting.last.effect, undefined, 'no resolve while the wait lasts');
    const waitMs = backoffMs(STALE_TASK_DEFINITION_BACKOFF, 1);
    assert.equal(waiting.last.requeueAfterMs, waitMs);
    assert.equal(waiting.last.status.phase, 'pending');
    assert.match(waiting.last.status.message ?? '', /refused 3 times for attempt 1; next resolve in/);
    const early = plan(waiting.record, 1 + waitMs / 2000);
    assert.equal(early.effect, undefined);
    const due = plan(waiting.record, 1 + waitMs / 1000);
    assert.deepEqual(due.effect, { type: 'resolveTaskDefinition' });
  });

  test('a persisted launching state re-issues RunTask with the same clientToken (crash between write and call)', () => {
    const { record } = walk(newRunRecord(), 1, resolvedTd);
    const again = plan(record, 2);
    assert.equal(again.write, false);
    assert.deepEqual(again.effect, { type: 'runTask', attempt: 1 });
    assert.equal(tokenSent(record, again.effect), 'uid-run-a:1');
  });

  test("an effect result for another attempt is ignored", () => {
    const { record } = walk(newRunRecord(), 1, resolvedTd);
    const p = plan(record, 2, launched(2));
    assert.equal(p.status.phase, 'taskdef-resolved');
    assert.equal(p.effect?.type, 'runTask');
  });
});

describe('planRun: cancel', () => {
  test('pending: cancelled without a task', () => {
    const p = plan(newRunRecord({ cancelRequested: true }), 1);
    assert.deepEqual([p.status.outcome, p.effect], ['cancelled', { type: 'finalize', outcome: 'cancelled' }]);
  });

  test('submitted: StopTask by ARN; STOPPING keeps stopping and rechecks; STOPPED ends cancelled', () => {
    const record = { ...submittedRun(), spec: { ...submittedRun().spec, cancelRequested: true } };
    const first = plan(record, 10);
    assert.deepEqual(first.effect, { type: 'stopTask', attempt: 1, taskArn: TASK, clusterArn: CLUSTER, reason: 'Longshore: run cancelled' });
    const stopping = written(record, first);
    const second = plan(stopping, 11, stopObserved('DEPROVISIONING'));
    assert.equal(second.effect, undefined);
    assert.equal(second.requeueAfterMs, STOP_RECHECK_MS);
    assert.deepEqual(second.rejected, []);
    const third = plan(written(stopping, second), 30, stopObserved('STOPPED'));
    assert.deepEqual([third.status.phase, third.status.outcome], ['stopped', 'cancelled']);
  });

  test('a stopping run woken again repeats StopTask only while ECS still reports the task running', () => {
    const record = { ...runningRun(), spec: { ...runningRun().spec, cancelRequested: true } };
    const stopping = written(record, plan(record, 10));
    // Woken by something else (no effect result): ECS last said RUNNING, so the stop may have been lost.
    assert.equal(plan(stopping, 12).effect?.type, 'stopTask');
    const underway = written(stopping, plan(stopping, 11, stopObserved('STOPPING')));
    const again = plan(underway, 12);
    assert.equal(again.effect, undefined);
    assert.equal(again.requeueAfterMs, STOP_RECHECK_MS);
  });

  test('launching: search for an unrecorded task; found → stop it by ARN, none → cancelled', () => {
    const { record } = walk(newRunRecord(), 1, resolvedTd);
    const cancelled = { ...record, spec: { ...record.spec, cancelRequested: true } };
    const first = plan(cancelled, 2);
    assert.deepEqual(first.effect, { type: 'stopTask', attempt: 1, reason: 'Longshore: run cancelled' });
    const stopping = written(cancelled, first);
    const found = plan(stopping, 3, { type: 'stopTask', attempt: 1, outcome: { kind: 'found', taskArn: TASK, clusterArn: CLUSTER } });
    assert.deepEqual(found.effect, { type: 'stopTask', attempt: 1, taskArn: TASK, clusterArn: CLUSTER, reason: 'Longshore: run cancelled' });
    const none = plan(stopping, 3, { type: 'stopTask', attempt: 1, outcome: { kind: 'none' } });
    assert.deepEqual([none.status.outcome, none.effect?.type], ['cancelled', 'finalize']);
  });

  test('stopped task missing from ECS ends cancelled', () => {
    const record = { ...submittedRun(), spec: { ...submittedRun().spec, cancelRequested: true } };
    const stopping = written(record, plan(record, 10));
    const p = plan(stopping, 11, { type: 'stopTask', attempt: 1, outcome: { kind: 'missing' } });
    assert.equal(p.status.outcome, 'cancelled');
  });
});

describe('planRun: time', () => {
  const described = (lastStatus: string, attempt = 1): EffectResult => ({
    type: 'describeTask', attempt, outcome: { kind: 'observed', task: { taskArn: TASK, lastStatus, ...(lastStatus === 'STOPPED' ? { containers: [{ exitCode: 0 }] } : {}) } },
  });

  test('start timeout passed: look at the task once more, then StopTask, then timed-out', () => {
    const record = submittedRun();
    const look = plan(record, 1 + 300);
    assert.deepEqual(look.effect, { type: 'describeTask', attempt: 1, taskArn: TASK, clusterArn: CLUSTER });
    assert.equal(look.write, false);
    const p = plan(record, 1 + 300, described('PENDING'));
    assert.equal(p.effect?.type, 'stopTask');
    const done = plan(written(record, p), 305, stopObserved('STOPPED'));
    assert.equal(done.status.outcome, 'timed-out');
  });

  test('with retry.onStartTimeout a start timeout stops the task and starts a new attempt', () => {
    const record = submittedRun({ retry: { onStartTimeout: true } });
    const p = plan(record, 1 + 300, described('PENDING'));
    assert.equal(p.effect?.type, 'stopTask');
    const stopped = plan(written(record, p), 305, stopObserved('STOPPED'));
    assert.notEqual(stopped.status.phase, 'stopped');
    assert.equal(stopped.status.attempts[0]?.failureReason, 'StartTimeout');
  });

  test('a task that started just before its start timeout is not stopped', () => {
    const p = plan(submittedRun(), 1 + 300, described('RUNNING'));
    assert.deepEqual([p.status.phase, p.effect], ['running', undefined]);
  });

  test('a task that finished just before its run timeout keeps its own outcome', () => {
    const record = runningRun({ timeouts: { runSeconds: 60 } });
    const p = plan(record, 65, described('STOPPED'));
    assert.equal(p.status.outcome, 'succeeded');
  });

  test('run timeout is counted from Running', () => {
    const record = runningRun({ timeouts: { runSeconds: 60 } });
    assert.equal(plan(record, 30).requeueAfterMs, 35_000);
    assert.equal(plan(record, 65).effect?.type, 'describeTask');
    const p = plan(record, 65, described('RUNNING'));
    assert.equal(p.effect?.type, 'stopTask');
    assert.match(p.status.message ?? '', /run-timeout/);
  });

  test('backoff: wait for it, then launch the next attempt', () => {
    const { record } = walk(newRunRecord(), 1, resolvedTd, { type: 'runTask', attempt: 1, outcome: { kind: 'infrastructure', reason: 'RESOURCE:CPU', message: 'x' } });
    assert.equal(plan(record, 5).requeueAfterMs, 6_000);
    const p = plan(record, 11);
    assert.deepEqual(p.effect, { type: 'runTask', attempt: 2 });
    assert.equal(tokenSent(record, p.effect), 'uid-run-a:2', 'a new attempt is a new RunTask to ECS');
  });
});

describe('planRun: steady states', () => {
  test('nothing changed: no write, no effect', () => {
    const record = submittedRun();
    const p = plan(record, 2);
    assert.deepEqual([p.write, p.effect, p.accepted.length], [false, undefined, 0]);
  });

  test('a spec change is acknowledged through observedGeneration', () => {
    const record = submittedRun();
    const bumped = { ...record, metadata: { ...record.metadata, generation: 2 } };
    const p = plan(bumped, 2);
    assert.deepEqual([p.write, p.status.observedGeneration], [true, 2]);
  });

  test('a stopped run is finalized once, then stays quiet', () => {
    const stopped = written(newRunRecord({ cancelRequested: true }), plan(newRunRecord({ cancelRequested: true }), 1));
    const finalizing = plan(stopped, 2);
    assert.deepEqual([finalizing.write, finalizing.effect], [false, { type: 'finalize', outcome: 'cancelled' }]);
    const finalized = plan(stopped, 2, { type: 'finalize' });
    assert.deepEqual([finalized.write, finalized.effect, finalized.snapshot.context.finalized], [true, undefined, true]);
    const p = plan(written(stopped, finalized), 100);
    assert.deepEqual([p.write, p.effect, p.requeueAfterMs, p.rejected.length], [false, undefined, undefined, 0]);
  });

  test('the written status is what the store accepts', async () => {
    const { RunStatus } = await import('../../controller/api/run-status.js');
    const { last } = walk(newRunRecord(), 1, resolvedTd, launched());
    assert.ok(RunStatus.safeParse(last.status).success);
    assert.equal(last.status.conditions.find((c) => c.type === 'Submitted')?.lastTransitionTime, at(1));
  });
});
