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
  outcome: { kind: 'observed', task: { source: 'describe', taskArn: TASK, lastStatus, desiredStatus: 'STOPPED', stopCode: 'UserInitiated', containers: lastStatus === 'STOPPED' ? [{ exitCode: 143 }] : [] } },
});

function submittedRun(spec: Parameters<typeof newRunRecord>[0] = {}): RunRecord {
  return walk(newRunRecord(spec), 1, resolvedTd, launched()).record;
}

function runningRun(spec: Parameters<typeof newRunRecord>[0] = {}): RunRecord {
  // A RUNNING report, delivered here as the task a StopTask-shaped result carries (any observation will do).
  const record = submittedRun(spec);
  const p = planRun(record, { pool, effect: { type: 'stopTask', attempt: 1, outcome: { kind: 'observed', task: { source: 'describe', taskArn: TASK, lastStatus: 'RUNNING' } } } }, EPOCH_MS + 5000);
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

  test('retry (our own budget): nothing recorded, look again after retryAfterMs', () => {
    const { last } = walk(newRunRecord(), 1, resolvedTd, { type: 'runTask', attempt: 1, outcome: { kind: 'retry', cause: 'pacing', reason: 'BudgetExhausted', message: 'x', retryAfterMs: 700 } });
    assert.equal(last.effect, undefined);
    assert.equal(last.requeueAfterMs, 700);
    assert.equal(last.status.phase, 'taskdef-resolved');
    assert.equal(last.snapshot.context.launchTrouble, undefined, 'waiting in our own line is no failure');
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

  test('a stopping run woken again repeats StopTask only while ECS reports the task running and no stop accepted', () => {
    const record = { ...runningRun(), spec: { ...runningRun().spec, cancelRequested: true } };
    const stopping = written(record, plan(record, 10));
    // Woken by something else (no effect result): ECS last said RUNNING, so the stop may have been lost.
    assert.equal(plan(stopping, 12).effect?.type, 'stopTask');
    // StopTask's own answer (still RUNNING, desiredStatus STOPPED, UserInitiated) was recorded: the stop is
    // accepted, and the wake-up that write causes sends no second StopTask.
    const accepted = written(stopping, plan(stopping, 11, stopObserved('RUNNING')));
    const woken = plan(accepted, 12);
    assert.equal(woken.effect, undefined, 'one StopTask per cancelled task');
    assert.equal(woken.requeueAfterMs, STOP_RECHECK_MS);
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
    type: 'describeTask', attempt, outcome: { kind: 'observed', task: { source: 'describe', taskArn: TASK, lastStatus, ...(lastStatus === 'STOPPED' ? { containers: [{ exitCode: 0 }] } : {}) } },
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

describe('planRun: a launch that keeps failing', () => {
  const serverError = (attempt = 1): EffectResult => ({
    type: 'runTask', attempt, outcome: { kind: 'retry', cause: 'transient', reason: 'ServerException', message: 'ServerException: boom' },
  });
  const held = (retryAfterMs: number): EffectResult => ({
    type: 'runTask', attempt: 1, outcome: { kind: 'held', reason: 'BreakerOpen', message: 'RunTask held: the cluster is failing', lastError: 'ServerException: boom', retryAfterMs },
  });
  const half = () => 0.5;
  const at = (record: RunRecord, ms: number, effect?: EffectResult): RunPlan =>
    planRun(record, effect ? { pool, effect } : { pool }, EPOCH_MS + ms, half);
  /** The run just resolved its task definition at t = 1 s and asks for RunTask. */
  const launchingRun = (spec: Parameters<typeof newRunRecord>[0] = {}): RunRecord => walk(newRunRecord(spec), 1, resolvedTd).record;

  /** Fails every RunTask the plan asks for, from `startMs`, until `untilMs`; returns each plan that saw a failure. */
  function failUntil(record: RunRecord, startMs: number, untilMs: number): { record: RunRecord; failed: RunPlan[]; last: RunPlan } {
    let current = record;
    const failed: RunPlan[] = [];
    let nowMs = startMs;
    let last = at(current, nowMs);
    while (nowMs < untilMs && last.effect?.type === 'runTask') {
      last = at(current, nowMs, serverError(last.effect.attempt));
      failed.push(last);
      if (last.write) current = written(current, last);
      nowMs += last.requeueAfterMs ?? 0;
      last = at(current, nowMs);
      if (last.write) current = written(current, last);
    }
    return { record: current, failed, last };
  }

  test('each failed try waits a growing, jittered, capped backoff, and nothing is sent before it ends', () => {
    const { failed } = failUntil(launchingRun(), 1_000, 400_000);
    // Equal jitter with random 0.5: three quarters of 1 s, 2 s, 4 s … capped at 60 s.
    assert.deepEqual(failed.slice(0, 8).map((p) => p.requeueAfterMs), [750, 1_500, 3_000, 6_000, 12_000, 24_000, 45_000, 45_000]);
    const record = written(launchingRun(), at(launchingRun(), 1_000, serverError()));
    const early = at(record, 1_500);
    assert.deepEqual([early.effect, early.write, early.requeueAfterMs], [undefined, false, 250]);
    assert.deepEqual(at(record, 1_750).effect, { type: 'runTask', attempt: 1 }, 'the same attempt, so the same clientToken');
  });

  test('the jitter spreads runs that failed together', () => {
    const record = launchingRun();
    const delays = [0, 0.99].map((r) => planRun(record, { pool, effect: serverError() }, EPOCH_MS + 1_000, () => r).requeueAfterMs);
    assert.deepEqual(delays, [500, 995]);
  });

  test('the error is in the status: a Submitted condition with the reason, AWS message, tries and next try', () => {
    let record = launchingRun();
    record = written(record, at(record, 1_000, serverError()));
    const second = at(record, 1_750, serverError());
    const submitted = second.status.conditions.find((c) => c.type === 'Submitted');
    assert.equal(submitted?.status, 'False');
    assert.equal(submitted?.reason, 'LaunchFailing');
    assert.equal(second.status.message, 'attempt 1: RunTask failing (ServerException: boom); 2 tries failed, next try in 1.5s');
    assert.equal(submitted?.message, second.status.message);
  });

  test('a warning once per escalation (1st, 2nd, 4th, 8th failure), not on every try', () => {
    const { failed } = failUntil(launchingRun(), 1_000, 120_000);
    const warned = failed.map((p, i) => (p.warnings.length > 0 ? i + 1 : 0)).filter((n) => n > 0);
    assert.deepEqual(warned, [1, 2, 4, 8]);
    assert.deepEqual(failed[0].warnings[0].fields, {
      run: 'run-a', attempt: 1, failures: 1, reason: 'ServerException', error: 'ServerException: boom', retryAt: new Date(EPOCH_MS + 1_750).toISOString(),
    });
  });

  test('launchSeconds after the first failed try the attempt ends LaunchTimeout with the last error; the budget decides', () => {
    const { last } = failUntil(launchingRun({ timeouts: { launchSeconds: 20 }, retry: { infrastructureAttempts: 1 } }), 1_000, 60_000);
    assert.equal(last.status.outcome, 'crashed');
    const stoppedCondition = last.status.conditions.find((c) => c.type === 'Stopped');
    assert.equal(stoppedCondition?.reason, 'LaunchTimeout');
    assert.match(last.status.message ?? '', /no task launched within 20s of the first RunTask try; last error: ServerException: boom/);
    assert.equal(last.status.attempts[0].failureReason, 'LaunchTimeout');
    assert.ok(last.warnings.some((w) => w.message === 'launch timed out'));

    const retried = failUntil(launchingRun({ timeouts: { launchSeconds: 20 } }), 1_000, 22_000);
    assert.equal(retried.last.snapshot.value, 'backoff', 'within the budget: a new attempt after the retry backoff');
    assert.equal(retried.last.status.attempts[0].failureReason, 'LaunchTimeout');
  });

  test('the launch deadline is due even when the backoff would come back later', () => {
    let record = launchingRun({ timeouts: { launchSeconds: 20 } });
    record = written(record, at(record, 1_000, serverError()));
    assert.equal(at(record, 1_500).requeueAfterMs, 250);
    // Far later (e.g. a replica was down): the deadline, not another try.
    const late = at(record, 30_000);
    assert.equal(late.effect, undefined);
    assert.equal(late.snapshot.value, 'backoff');
  });

  test('a launch that succeeds after failures clears the trouble', () => {
    let record = launchingRun();
    record = written(record, at(record, 1_000, serverError()));
    const p = at(record, 1_750, launched());
    assert.equal(p.snapshot.context.launchTrouble, undefined);
    assert.equal(p.status.conditions.find((c) => c.type === 'Submitted')?.status, 'True');
  });

  test('held by an open breaker: no try counted, waits for the cool-down plus a spread, shown in the status; the deadline runs', () => {
    let record = launchingRun({ timeouts: { launchSeconds: 20 } });
    const p = at(record, 1_000, held(4_000));
    assert.equal(p.snapshot.context.launchTrouble?.failures, 0);
    assert.equal(p.requeueAfterMs, 4_500);
    assert.equal(p.effect, undefined);
    const submitted = p.status.conditions.find((c) => c.type === 'Submitted');
    assert.deepEqual([submitted?.reason, submitted?.message], ['LaunchHeld', 'attempt 1: RunTask held: the cluster is failing; next try in 4.5s']);
    record = written(record, p);
    const ended = at(record, 21_000);
    assert.equal(ended.status.attempts[0].failureReason, 'LaunchTimeout');
    assert.match(ended.status.message ?? '', /last error: ServerException: boom/, "the cluster's AWS error, not the hold");
  });

  test('network inference failing is a failed try too (it backs off and is shown)', () => {
    const record = launchingRun();
    const p = at(record, 1_000, { type: 'runTask', attempt: 1, outcome: { kind: 'retry', cause: 'dependency', reason: 'Network', message: 'DescribeVpcs: InternalError' } });
    assert.equal(p.requeueAfterMs, 750);
    assert.match(p.status.message ?? '', /DescribeVpcs: InternalError/);
  });
});

describe('planRun: a stop that keeps failing', () => {
  const stopError = (reason = 'ServerException'): EffectResult => ({
    type: 'stopTask', attempt: 1, outcome: { kind: 'retry', cause: 'transient', reason, message: `${reason}: boom` },
  });
  const half = () => 0.5;
  const at = (record: RunRecord, ms: number, effect?: EffectResult): RunPlan =>
    planRun(record, effect ? { pool, effect } : { pool }, EPOCH_MS + ms, half);
  /** A submitted run whose cancel was just written (stopping), asking for StopTask at t = 10 s. */
  function stoppingRun(): RunRecord {
    const submitted = submittedRun();
    const record = { ...submitted, spec: { ...submitted.spec, cancelRequested: true } };
    return written(record, at(record, 10_000));
  }

  /** Fails every StopTask the plan asks for, from `startMs` until `untilMs`; returns each plan that saw a failure. */
  function failStops(record: RunRecord, startMs: number, untilMs: number): { record: RunRecord; failed: RunPlan[]; calls: number } {
    let current = record;
    const failed: RunPlan[] = [];
    let nowMs = startMs;
    let calls = 0;
    let last = at(current, nowMs);
    while (nowMs < untilMs) {
      if (last.effect?.type === 'stopTask') {
        calls += 1;
        last = at(current, nowMs, stopError());
        failed.push(last);
      }
      if (last.write) current = written(current, last);
      nowMs += last.requeueAfterMs ?? 1_000;
      last = at(current, nowMs);
      if (last.write) current = written(current, last);
    }
    return { record: current, failed, calls };
  }

  test('each failed StopTask waits a growing, jittered, capped backoff; nothing is sent before it ends; never given up', () => {
    const { failed, calls, record } = failStops(stoppingRun(), 10_000, 3_600_000);
    assert.deepEqual(failed.slice(0, 8).map((p) => p.requeueAfterMs), [750, 1_500, 3_000, 6_000, 12_000, 24_000, 45_000, 45_000]);
    // An hour of a broken StopTask: about one call per 45 s once capped, not one a second.
    assert.ok(calls < 100, `${calls} StopTask calls in an hour`);
    assert.equal(at(record, 3_600_000).snapshot.value, 'stopping', 'still stopping: a stop has no deadline');
    const once = written(stoppingRun(), at(stoppingRun(), 10_000, stopError()));
    const early = at(once, 10_500);
    assert.deepEqual([early.effect, early.write, early.requeueAfterMs], [undefined, false, 250]);
    assert.equal(at(once, 10_750).effect?.type, 'stopTask');
  });

  test('the error is in the status (Stopped=False StopFailing with AWS message) and warned once per escalation', () => {
    const { failed } = failStops(stoppingRun(), 10_000, 200_000);
    const second = failed[1];
    const condition = second.status.conditions.find((c) => c.type === 'Stopped');
    assert.deepEqual([condition?.status, condition?.reason], ['False', 'StopFailing']);
    assert.equal(second.status.message, 'stopping attempt 1: StopTask failing (ServerException: boom); 2 tries failed, next try in 1.5s');
    assert.equal(condition?.message, second.status.message);
    const warned = failed.map((p, i) => (p.warnings.length > 0 ? i + 1 : 0)).filter((n) => n > 0);
    assert.deepEqual(warned, [1, 2, 4, 8]);
    assert.equal(failed[0].warnings[0].message, 'StopTask keeps failing');
    assert.equal(failed[0].warnings[0].fields.error, 'ServerException: boom');
  });

  test('our own pacing is not a failed try: no backoff growth, nothing shown', () => {
    const p = at(stoppingRun(), 10_000, { type: 'stopTask', attempt: 1, outcome: { kind: 'retry', cause: 'pacing', retryAfterMs: 300 } });
    assert.equal(p.snapshot.context.stopTrouble, undefined);
    assert.equal(p.requeueAfterMs, 300);
  });

  test('once ECS accepts the stop the trouble is cleared; the task stopping ends the run cancelled', () => {
    let record = stoppingRun();
    record = written(record, at(record, 10_000, stopError()));
    const accepted = at(record, 10_750, stopObserved('RUNNING'));
    assert.equal(accepted.snapshot.context.stopTrouble, undefined);
    assert.equal(accepted.status.conditions.find((c) => c.type === 'Stopped'), undefined);
    assert.equal(accepted.status.message, 'stopping attempt 1: ECS accepted the stop');
    const missing = at(record, 10_750, { type: 'stopTask', attempt: 1, outcome: { kind: 'missing' } });
    assert.equal(missing.status.outcome, 'cancelled', 'a task ECS no longer knows counts as stopped');
    assert.equal(missing.status.conditions.find((c) => c.type === 'Stopped')?.reason, 'Cancelled');
  });

  test('the search for an unrecorded task (ListTasks) failing backs off the same way and says so', () => {
    const { record } = walk(newRunRecord(), 1, resolvedTd);
    const cancelled = { ...record, spec: { ...record.spec, cancelRequested: true } };
    const stopping = written(cancelled, at(cancelled, 2_000));
    const p = at(stopping, 2_000, stopError());
    assert.equal(p.requeueAfterMs, 750);
    assert.match(p.status.message ?? '', /^stopping attempt 1: ListTasks failing \(ServerException: boom\)/);
  });
});

describe('planRun: a registration that keeps failing', () => {
  const failing = (failures: number, message = 'ServerException: Service Unavailable'): EffectResult => ({
    type: 'resolveTaskDefinition', resolution: { waitingMs: 30_000, failing: { reason: 'ServerException', message, failures } },
  });
  const at = (record: RunRecord, ms: number, effect?: EffectResult): RunPlan => planRun(record, effect ? { pool, effect } : { pool }, EPOCH_MS + ms);

  test("the waiting run shows AWS's error on TaskDefinitionResolved (RegistrationFailing) and the tries", () => {
    const p = at(newRunRecord(), 1_000, failing(3));
    const condition = p.status.conditions.find((c) => c.type === 'TaskDefinitionResolved');
    assert.deepEqual([condition?.status, condition?.reason], ['False', 'RegistrationFailing']);
    assert.equal(p.status.message, 'waiting for the task definition: RegisterTaskDefinition failing (ServerException: Service Unavailable); 3 tries failed');
    assert.equal(condition?.message, p.status.message);
    assert.equal(p.status.phase, 'pending');
  });

  test('launchSeconds after the run first saw it failing, the run ends crashed RegistrationTimeout with the last error', () => {
    const spec = { timeouts: { launchSeconds: 60 } };
    let record = newRunRecord(spec);
    record = written(record, at(record, 1_000, failing(1)));
    const still = at(record, 31_000, failing(4, 'ServerException: still down'));
    assert.equal(still.status.phase, 'pending');
    assert.equal(still.requeueAfterMs, 30_000, 'the deadline (at 61 s) is no sooner than the fallback look');
    record = written(record, still);
    const ended = at(record, 61_000);
    assert.deepEqual([ended.status.phase, ended.status.outcome], ['stopped', 'crashed']);
    const stopped = ended.status.conditions.find((c) => c.type === 'Stopped');
    assert.equal(stopped?.reason, 'RegistrationTimeout');
    assert.equal(ended.status.message, 'crashed: the task definition was not registered within 60s of the first failed registration try; last error: ServerException: still down');
    assert.deepEqual(ended.effect, { type: 'finalize', outcome: 'crashed' });
    assert.ok(ended.warnings.some((w) => w.message === 'task definition registration timed out'));
  });

  test('a run waiting on a healthy registration has no such deadline; one that resolves after failures launches', () => {
    const waiting = written(newRunRecord(), at(newRunRecord(), 1_000, { type: 'resolveTaskDefinition', resolution: { waitingMs: 30_000 } }));
    assert.equal(at(waiting, 3_600_000).status.phase, 'pending');
    const troubled = written(newRunRecord(), at(newRunRecord(), 1_000, failing(2)));
    const resolved = at(troubled, 2_000, resolvedTd);
    assert.equal(resolved.snapshot.context.registrationTrouble, undefined);
    assert.equal(resolved.status.conditions.find((c) => c.type === 'TaskDefinitionResolved')?.status, 'True');
    assert.deepEqual(resolved.effect, { type: 'runTask', attempt: 1 });
  });
});
