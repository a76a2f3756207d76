/**
 * The SQS task-event consumer against an in-memory store and ECS: events are hints, DescribeTasks is the
 * authority (issue 7). Forged messages decide nothing; a STOPPED event only asks for a batched DescribeTasks.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { Task } from '@aws-sdk/client-ecs';
import { pino } from 'pino';
import type { RunRecord } from '../../controller/api/run.js';
import { EPOCH_MS } from '../../machines/fixtures.js';
import { planRun } from '../../reconcilers/run/plan.js';
import { handleTaskEvents, type TaskEventBatchResult, type TaskEventDeps, type TaskEventSource } from '../../reconcilers/observe/task-events.js';
import { parseTaskStateChange, type TaskEventResult } from '../../reconcilers/observe/task-event-policy.js';
import { confirmKey, confirmTasks, resyncCluster, type ResyncDeps } from '../../reconcilers/observe/resync.js';
import { newPool, newRunRecord } from './run-builders.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/default`;
const taskArn = (id: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task/default/${id}`;
const TASK_A = taskArn('a');
const TASK_B = taskArn('b');

interface Envelope { source?: string; account?: string; region?: string; detail: Record<string, unknown> }
/** An event as EventBridge delivers it, genuine unless a field says otherwise. */
function eventBody(detail: Record<string, unknown>, envelope: Partial<Envelope> = {}): string {
  return JSON.stringify({
    version: '0', id: 'e1', 'detail-type': 'ECS Task State Change', source: 'aws.ecs', account: ACCOUNT, region: REGION,
    time: '2026-01-01T00:00:05Z', resources: [detail.taskArn], ...envelope,
    detail: { clusterArn: CLUSTER, ...detail },
  });
}
const stoppedDetail = (task: string, exitCode: number, version: number) => ({
  taskArn: task, lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', version,
  containers: [{ name: 'flow', exitCode, lastStatus: 'STOPPED' }],
});

/** A run whose attempt 1 was submitted as `task` in CLUSTER, as the run reconciler would have stored it. */
function submittedRecord(name: string, task: string): RunRecord {
  let record = newRunRecord({}, name);
  const steps = [
    undefined,
    { type: 'resolveTaskDefinition' as const, resolution: { arn: 'arn:td:1' } },
    { type: 'runTask' as const, attempt: 1, outcome: { kind: 'launched' as const, task: { taskArn: task }, taskArn: task, clusterArn: CLUSTER } },
  ];
  for (const effect of steps) {
    const p = planRun(record, effect ? { pool: newPool(), effect } : { pool: newPool() }, EPOCH_MS + 1000);
    record = { ...record, status: p.status, lifecycle: p.lifecycle };
  }
  return record;
}

/** Two submitted runs (run-a: TASK_A, run-b: TASK_B), the ECS view of their tasks, a queue and a log. */
function world() {
  const runs = new Map<string, RunRecord>([['run-a', submittedRecord('run-a', TASK_A)], ['run-b', submittedRecord('run-b', TASK_B)]]);
  const ecs = new Map<string, Task>([
    [TASK_A, { taskArn: TASK_A, lastStatus: 'PENDING', version: 1 }],
    [TASK_B, { taskArn: TASK_B, lastStatus: 'PENDING', version: 1 }],
  ]);
  const confirm = new Map<string, Set<string>>();
  const described: string[][] = [];
  const woken: string[] = [];
  const results: TaskEventResult[] = [];
  const logLines: Record<string, unknown>[] = [];
  const logStream = new Writable({ write(chunk: Buffer, _enc, done) { logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  const store = {
    runNameForTask: async (arn: string) => [...runs].find(([, r]) => r.status.attempts.some((a) => a.taskArn === arn))?.[0] ?? null,
    getRun: async (name: string) => runs.get(name) ?? null,
    updateRunStatus: async (name: string, update: Pick<RunRecord, 'status' | 'lifecycle'>) => {
      const next = { ...runs.get(name)!, ...update };
      runs.set(name, next);
      return next;
    },
    liveTaskClusters: async () => [CLUSTER],
    liveTaskArns: async () => [TASK_A, TASK_B],
    requestTaskConfirmation: async (cluster: string, arn: string) => {
      confirm.set(cluster, (confirm.get(cluster) ?? new Set()).add(arn));
    },
    takeTasksToConfirm: async (cluster: string, max: number) => {
      const all = [...(confirm.get(cluster) ?? [])].sort();
      const taken = all.slice(0, max);
      confirm.set(cluster, new Set(all.slice(max)));
      return taken;
    },
  };
  const wake = async (queue: string, key: string, options?: { delayMs?: number }) => {
    woken.push(`${queue}:${key}${options?.delayMs ? ` after ${options.delayMs}ms` : ''}`);
  };
  const now = () => EPOCH_MS + 30_000;
  const logger = pino({ level: 'debug' }, logStream);
  const eventDeps: TaskEventDeps = { store, wake, now, logger, onResult: (r) => results.push(r) };
  const resyncDeps: ResyncDeps = {
    store, wake, now,
    gateway: {
      describeTasks: async (input) => {
        described.push([...(input.tasks ?? [])]);
        return { tasks: (input.tasks ?? []).flatMap((arn) => ecs.get(arn) ?? []), $metadata: {} };
      },
    },
  };
  const deleted: string[] = [];
  const source: TaskEventSource = { receive: async () => [], delete: async (handles) => { deleted.push(...handles); } };
  let sent = 0;
  return {
    runs, ecs, confirm, described, woken, results, logLines, deleted,
    /** Delivers the bodies as one SQS batch. */
    async deliver(...bodies: string[]): Promise<TaskEventBatchResult> {
      const messages = bodies.map((body) => { sent += 1; return { id: `m${sent}`, receiptHandle: `h${sent}`, body }; });
      return handleTaskEvents(eventDeps, source, messages);
    },
    resync: () => resyncCluster(resyncDeps, CLUSTER),
    confirmStops: () => confirmTasks(resyncDeps, CLUSTER),
    phase: (name: string) => runs.get(name)?.status.phase,
    outcome: (name: string) => runs.get(name)?.status.outcome,
  };
}

const onlyCount = (result: TaskEventBatchResult) => Object.fromEntries(Object.entries(result.counts).filter(([, n]) => n > 0));

describe('task events are hints, DescribeTasks is the authority', () => {
  test('a forged version-999999 event cannot pin a run: the real stop, described, concludes it', async () => {
    const w = world();
    w.ecs.set(TASK_A, { taskArn: TASK_A, lastStatus: 'RUNNING', version: 3 });
    await w.resync();
    assert.equal(w.phase('run-a'), 'running');
    await w.deliver(eventBody({ taskArn: TASK_A, lastStatus: 'RUNNING', version: 999_999 }));
    w.ecs.set(TASK_A, { taskArn: TASK_A, lastStatus: 'STOPPED', version: 6, containers: [{ name: 'flow', exitCode: 0 }] });
    await w.resync();
    assert.equal(w.outcome('run-a'), 'succeeded');
  });

  test('an event saying STOPPED with exit 1 only asks DescribeTasks; the run follows the real task to exit 0', async () => {
    const w = world();
    w.ecs.set(TASK_A, { taskArn: TASK_A, lastStatus: 'RUNNING', version: 3 });
    await w.resync();
    const forged = await w.deliver(eventBody(stoppedDetail(TASK_A, 1, 50)));
    assert.deepEqual(onlyCount(forged), { 'confirm-requested': 1 });
    assert.equal(w.phase('run-a'), 'running', 'the event alone concludes nothing');
    assert.ok(w.woken.includes(`resync:${confirmKey(CLUSTER)} after 1000ms`), w.woken.join());
    await w.confirmStops();
    assert.deepEqual(w.described.at(-1), [TASK_A]);
    assert.equal(w.phase('run-a'), 'running', 'DescribeTasks says RUNNING');
    w.ecs.set(TASK_A, { taskArn: TASK_A, lastStatus: 'STOPPED', version: 6, containers: [{ name: 'flow', exitCode: 0 }] });
    await w.deliver(eventBody(stoppedDetail(TASK_A, 0, 6)));
    await w.confirmStops();
    assert.equal(w.outcome('run-a'), 'succeeded');
    assert.equal(w.runs.get('run-a')?.status.attempts[0].exitCode, 0);
  });

  test('the stop events of one moment share one DescribeTasks', async () => {
    const w = world();
    const batch = await w.deliver(eventBody(stoppedDetail(TASK_A, 0, 5)), eventBody(stoppedDetail(TASK_B, 3, 5)), eventBody(stoppedDetail(TASK_A, 0, 5)));
    assert.deepEqual(onlyCount(batch), { 'confirm-requested': 3 });
    assert.deepEqual(w.woken.filter((k) => k.startsWith('resync:')), [`resync:${confirmKey(CLUSTER)} after 1000ms`]);
    w.ecs.set(TASK_A, { taskArn: TASK_A, lastStatus: 'STOPPED', version: 5, containers: [{ name: 'flow', exitCode: 0 }] });
    w.ecs.set(TASK_B, { taskArn: TASK_B, lastStatus: 'STOPPED', version: 5, containers: [{ name: 'flow', exitCode: 3 }] });
    const confirmed = await w.confirmStops();
    assert.deepEqual(w.described, [[TASK_A, TASK_B]]);
    assert.deepEqual([...confirmed.changed].sort(), ['run-a', 'run-b']);
    assert.deepEqual([w.outcome('run-a'), w.outcome('run-b')], ['succeeded', 'failed']);
    assert.deepEqual(await w.confirmStops(), { described: 0, changed: [], rejected: 0 }, 'the set was drained');
  });

  test('events not from ECS for the attempt are dropped and counted: source, account, region, cluster', async () => {
    const w = world();
    const running = { taskArn: TASK_A, lastStatus: 'RUNNING', version: 2 };
    const result = await w.deliver(
      eventBody(running, { source: 'my.app' }),
      eventBody(running, { account: '999999999999' }),
      eventBody(running, { region: 'eu-west-1' }),
      eventBody({ ...running, clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other` }),
      eventBody(stoppedDetail(TASK_A, 1, 9), { account: '999999999999' }),
    );
    assert.deepEqual(onlyCount(result), { foreign: 5 });
    assert.deepEqual(w.results, ['foreign', 'foreign', 'foreign', 'foreign', 'foreign']);
    assert.equal(w.phase('run-a'), 'submitted');
    assert.equal(w.confirm.size, 0, 'no confirmation was requested');
    assert.deepEqual(w.deleted.length, 5, 'refused messages are deleted, not redelivered');
  });

  test('refusals are logged at info with their reason, never with the body', async () => {
    const w = world();
    await w.deliver(eventBody({ taskArn: TASK_A, lastStatus: 'RUNNING', version: 2, overrides: { secret: 'hunter2' } }, { region: 'eu-west-1' }), 'not json');
    const refused = w.logLines.filter((l) => l.msg === 'task event refused');
    assert.deepEqual(refused.map((l) => [l.level, l.result, l.reason]), [
      [30, 'foreign', "region is not the attempt's region"],
      [30, 'malformed', 'not JSON'],
    ]);
    assert.ok(!JSON.stringify(w.logLines).includes('hunter2'));
  });

  test('unknown tasks, earlier knowledge and duplicates are counted apart; genuine progress is applied', async () => {
    const w = world();
    const progress = eventBody({ taskArn: TASK_B, lastStatus: 'RUNNING', version: 3 });
    const result = await w.deliver(
      eventBody({ taskArn: taskArn('nobody'), lastStatus: 'RUNNING', version: 1 }),
      progress,
      progress,
      eventBody({ taskArn: TASK_B, lastStatus: 'PENDING', version: 2 }),
      JSON.stringify({ 'detail-type': 'ECS Task State Change', detail: { taskArn: TASK_B, lastStatus: 'RUNNING' } }),
    );
    assert.deepEqual(onlyCount(result), { 'unknown-task': 1, applied: 1, duplicate: 1, stale: 1, malformed: 1 });
    assert.equal(w.phase('run-b'), 'running');
    assert.deepEqual(result.changed, ['run-b']);
  });

  test('events about a stopped run are stale and ask for nothing', async () => {
    const w = world();
    w.ecs.set(TASK_A, { taskArn: TASK_A, lastStatus: 'STOPPED', version: 5, containers: [{ name: 'flow', exitCode: 0 }] });
    await w.resync();
    assert.equal(w.outcome('run-a'), 'succeeded');
    const result = await w.deliver(eventBody(stoppedDetail(TASK_A, 0, 5)));
    assert.deepEqual(onlyCount(result), { stale: 1 });
    assert.equal(w.confirm.size, 0);
  });
});

describe('parseTaskStateChange', () => {
  test('the envelope gives the origin, the detail an event observation (version, stop facts, containers)', () => {
    const parsed = parseTaskStateChange(eventBody({
      taskArn: 'arn:t', lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.',
      stoppedAt: '2026-01-01T00:00:00.000Z', version: 5, containers: [{ name: 'flow', exitCode: 143, image: 'busybox' }], group: 'family:x',
    }));
    assert.deepEqual(parsed, {
      origin: { source: 'aws.ecs', account: ACCOUNT, region: REGION, clusterArn: CLUSTER },
      observation: {
        source: 'event', taskArn: 'arn:t', lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.',
        stoppedAt: '2026-01-01T00:00:00.000Z', version: 5, containers: [{ name: 'flow', exitCode: 143 }],
      },
    });
  });

  test('anything else is invalid, with the reason', () => {
    assert.deepEqual(parseTaskStateChange('{'), { invalid: 'not JSON' });
    const wrongType = parseTaskStateChange(JSON.stringify({ 'detail-type': 'EC2 Instance State-change Notification', detail: {} }));
    assert.ok('invalid' in wrongType && /detail-type/.test(wrongType.invalid));
    const noArn = parseTaskStateChange(eventBody({ lastStatus: 'RUNNING' }));
    assert.ok('invalid' in noArn && /detail.taskArn/.test(noArn.invalid));
    const noAccount = parseTaskStateChange(JSON.stringify({ ...JSON.parse(eventBody({ taskArn: 'arn:t', lastStatus: 'RUNNING' })) as object, account: undefined }));
    assert.ok('invalid' in noAccount && /account/.test(noAccount.invalid));
  });
});

describe('handleTaskEvents', () => {
  test('a store failure leaves the failed and later messages for redelivery, deleting the handled ones', async () => {
    const deleted: string[] = [];
    const source: TaskEventSource = { receive: async () => [], delete: async (handles) => { deleted.push(...handles); } };
    let calls = 0;
    const store = {
      runNameForTask: async () => { calls += 1; if (calls === 2) throw new Error('redis down'); return null; },
      getRun: async () => null,
      updateRunStatus: async () => { throw new Error('unused'); },
      requestTaskConfirmation: async () => { throw new Error('unused'); },
    };
    const messages = ['m1', 'm2', 'm3'].map((id) => ({ id, receiptHandle: `h-${id}`, body: eventBody({ taskArn: taskArn(id), lastStatus: 'RUNNING' }) }));
    await assert.rejects(handleTaskEvents({ store, wake: async () => undefined }, source, messages), /redis down/);
    assert.deepEqual(deleted, ['h-m1']);
  });
});
