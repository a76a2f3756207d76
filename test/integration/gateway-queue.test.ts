/**
 * The job adapter and queue wiring against real Redis and BullMQ: coalesced wake-ups, requeues, retries,
 * terminal errors, budget waits and bounded shutdown. Each test uses its own namespace.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QueueEvents } from 'bullmq';
import { createRedisConnection } from '../../controller/redis.js';
import { createLogger } from '../../controller/logger.js';
import { createMetrics } from '../../controller/metrics.js';
import { closeQueues, createQueues, createWakeUps, ControllerQueues, WakeUps } from '../../controller/queue/queues.js';
import { startWorkers, RunningWorkers } from '../../controller/queue/workers.js';
import { createPendingWakeUps } from '../../controller/queue/pending-wake-ups.js';
import { createJobPriorities, runJobPriority, type JobPriorities } from '../../controller/queue/job-priorities.js';
import { keyspace } from '../../controller/store/keys.js';
import { Reconciler, TerminalError } from '../../controller/queue/reconcile.js';
import { BudgetExhaustedError } from '../../controller/aws/errors.js';
import { deleteNamespaceKeys, TEST_REDIS_TARGET, testRedis } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';

const logger = createLogger({ level: 'silent' });
/** The in-flight reconcile of the shutdown test: work that takes a while, not a wait for something. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Harness {
  queues: ControllerQueues;
  wakeUps: WakeUps;
  workers: RunningWorkers;
  metrics: ReturnType<typeof createMetrics>;
  /** True when the run queue holds no job in any state that could still reconcile (nothing more will happen). */
  drained(): Promise<boolean>;
  stop(): Promise<void>;
}

describe('reconcile queues', () => {
  const redis = testRedis();
  const namespaces: string[] = [];

  after(async () => {
    for (const ns of namespaces) {
      await deleteNamespaceKeys(redis, ns);
    }
    await redis.quit();
  });

  function harness(reconcile: Reconciler, concurrency = 4, runPriorities?: JobPriorities): Harness {
    const namespace = `test-${randomUUID()}`;
    namespaces.push(namespace);
    const connection = createRedisConnection(TEST_REDIS_TARGET, 'test-queues');
    const queues = createQueues(connection, namespace, logger);
    const metrics = createMetrics();
    const pendingWakeUps = createPendingWakeUps(connection, keyspace(namespace));
    const workers = startWorkers({
      namespace, replicaId: 'r1', reconcilers: { 'reconcile-run': reconcile },
      concurrency: { 'reconcile-run': concurrency, 'register-taskdef': 1, resync: 1 },
      connect: (name) => createRedisConnection(TEST_REDIS_TARGET, name, 'blocking'),
      queues, pendingWakeUps, logger, metrics, backoff: { baseMs: 20, capMs: 100 },
      ...(runPriorities ? { runPriorities } : {}),
    });
    return {
      queues, wakeUps: createWakeUps(queues, pendingWakeUps, runPriorities), workers, metrics,
      async drained() {
        const counts = await queues['reconcile-run'].getJobCounts('active', 'waiting', 'delayed', 'prioritized', 'waiting-children');
        return Object.values(counts).every((n) => n === 0);
      },
      async stop() {
        await workers.stop(2000);
        await closeQueues(queues);
        await connection.quit();
      },
    };
  }

  /**
   * A reconciler that records the keys it reconciles and holds the key 'blocker' until `release()`:
   * `occupy(h)` wakes the blocker and waits until it holds the harness's only worker.
   */
  function blockedWorker() {
    const calls: string[] = [];
    let blockerActive = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const reconcile: Reconciler = async (key) => {
      if (key === 'blocker') {
        blockerActive = true;
        await gate;
      }
      calls.push(key);
      return {};
    };
    const occupy = async (h: Harness) => {
      await h.wakeUps.wake('reconcile-run', 'blocker');
      await until(() => blockerActive, { what: 'the blocker to occupy the only worker' });
    };
    return { calls, reconcile, occupy, release };
  }

  test('wake-ups for one key while it waits coalesce into one reconcile', async () => {
    const { calls, reconcile, occupy, release } = blockedWorker();
    const h = harness(reconcile, 1);
    try {
      await occupy(h);
      for (let i = 0; i < 10; i++) await h.wakeUps.wake('reconcile-run', 'run-a');
      release();
      await until(() => calls.length >= 2, { what: 'the reconcile of run-a' });
      await until(() => h.drained(), { what: 'the queue to drain' });
      assert.deepEqual(calls, ['blocker', 'run-a']);
    } finally {
      await h.stop();
    }
  });

  test('wake-ups while a key is active give exactly one more reconcile afterwards', async () => {
    const calls: string[] = [];
    let active = 0;
    let maxActive = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const h = harness(async (key) => {
      active++;
      maxActive = Math.max(maxActive, active);
      calls.push(key);
      if (calls.length === 1) await gate;
      active--;
      return {};
    });
    try {
      await h.wakeUps.wake('reconcile-run', 'run-b');
      await until(() => calls.length === 1);
      for (let i = 0; i < 10; i++) await h.wakeUps.wake('reconcile-run', 'run-b');
      release();
      await until(() => calls.length === 2, { what: 'the reconcile owed to the wake-ups' });
      await until(() => h.drained(), { what: 'the queue to drain' });
      assert.equal(calls.length, 2);
      assert.equal(maxActive, 1, 'never two reconciles of one key at once');
    } finally {
      await h.stop();
    }
  });

  test('requeueAfterMs reconciles the key again after the delay', async () => {
    // When each reconcile ran, and the due time of each of BullMQ's own "delayed" events. The events come
    // through a stream that a separate connection reads, so they may arrive after the reconcile they led to:
    // they are kept apart and compared by time, not by arrival order.
    const reconciledAt: number[] = [];
    const dueAt: number[] = [];
    const h = harness(async () => {
      reconciledAt.push(Date.now());
      return reconciledAt.length < 3 ? { requeueAfterMs: 100 } : {};
    });
    const queue = h.queues['reconcile-run'];
    const eventsConnection = createRedisConnection(TEST_REDIS_TARGET, 'test-events', 'blocking');
    // From the stream's start (the namespace is new): a reader that starts at '$' could miss the first event.
    const events = new QueueEvents(queue.name, { connection: eventsConnection, prefix: queue.opts.prefix, lastEventId: '0' });
    events.on('delayed', ({ delay }) => dueAt.push(Number(delay)));
    const journal = () => `reconciled at ${reconciledAt.join(', ')}; due at ${dueAt.join(', ')}`;
    try {
      await events.waitUntilReady();
      await h.wakeUps.wake('reconcile-run', 'run-c');
      await until(() => reconciledAt.length === 3, { what: () => `three reconciles: ${journal()}` });
      await until(() => dueAt.length === 2, { what: () => `two delayed events: ${journal()}` });
      await until(() => h.drained(), { what: 'the queue to drain' });
      assert.equal(reconciledAt.length, 3, journal());
      const [first, second, third] = reconciledAt as [number, number, number];
      const [firstDue, secondDue] = dueAt as [number, number];
      // Each requeue was scheduled for at least 100 ms after the reconcile that asked for it (a due time BullMQ
      // recorded, not a measured duration), and the next reconcile came only once that delayed job was due.
      assert.ok(firstDue - first >= 100 && secondDue - second >= 100, journal());
      assert.ok(second >= firstDue && third >= secondDue, journal());
      const text = await h.metrics.registry.metrics();
      assert.ok(text.includes('longshore_reconcile_total{reconciler="run",result="requeue"} 2'));
      assert.ok(text.includes('longshore_reconcile_total{reconciler="run",result="success"} 1'));
    } finally {
      await events.close();
      eventsConnection.disconnect();
      await h.stop();
    }
  });

  test('a wake-up during a long requeue delay reconciles at once', async () => {
    let calls = 0;
    const h = harness(async () => {
      calls++;
      return { requeueAfterMs: 60_000 };
    });
    try {
      await h.wakeUps.wake('reconcile-run', 'run-d');
      await until(() => calls === 1, { what: 'the first reconcile' });
      await until(async () => (await h.queues['reconcile-run'].getDelayedCount()) === 1, { what: 'the job to sit in its 60 s delay' });
      await h.wakeUps.wake('reconcile-run', 'run-d');
      await until(() => calls === 2, { timeoutMs: 3000, what: 'the reconcile the wake-up asked for' });
    } finally {
      await h.stop();
    }
  });

  test('a wake-up that arrives while active is not lost to a requeue delay', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const h = harness(async () => {
      calls++;
      if (calls === 1) await gate;
      return { requeueAfterMs: 60_000 };
    });
    try {
      await h.wakeUps.wake('reconcile-run', 'run-e');
      await until(() => calls === 1);
      await h.wakeUps.wake('reconcile-run', 'run-e');
      release();
      await until(() => calls === 2, { timeoutMs: 3000, what: 'the reconcile the wake-up asked for' });
    } finally {
      await h.stop();
    }
  });

  test('a change woken while its key is reconciled is seen by a prompt second reconcile, though the first requeued', async () => {
    let state = 'v1';
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstHasRead = false;
    const h = harness(async () => {
      const read = state;
      if (seen.length === 0) {
        firstHasRead = true;
        await gate;
      }
      seen.push(read);
      return { requeueAfterMs: 60_000 };
    });
    try {
      await h.wakeUps.wake('reconcile-run', 'run-j');
      await until(() => firstHasRead);
      state = 'v2';
      await h.wakeUps.wake('reconcile-run', 'run-j');
      release();
      await until(() => seen.length === 2, { timeoutMs: 3000, what: "the second reconcile" });
      assert.deepEqual(seen, ['v1', 'v2']);
    } finally {
      await h.stop();
    }
  });

  test('a wake-up that came before the reconcile started does not cut that reconcile\'s requeue short', async () => {
    const calls: string[] = [];
    let runXWhenSentinelRan: { delayed: number; waiting: number } | undefined;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // One worker slot: the sentinel runs only once run-x's job has been fully handled (requeued, and
    // promoted if it was going to be), so its state at that moment is settled.
    const h = harness(async (key) => {
      calls.push(key);
      if (key === 'blocker') await gate;
      if (key === 'sentinel') {
        const counts = await h.queues['reconcile-run'].getJobCounts('delayed', 'waiting');
        runXWhenSentinelRan = { delayed: counts.delayed ?? 0, waiting: counts.waiting ?? 0 };
      }
      return key === 'run-x' ? { requeueAfterMs: 60_000 } : {};
    }, 1);
    try {
      await h.wakeUps.wake('reconcile-run', 'blocker');
      await until(() => calls.includes('blocker'));
      await h.wakeUps.wake('reconcile-run', 'run-x');
      release();
      await until(() => calls.includes('run-x'));
      await h.wakeUps.wake('reconcile-run', 'sentinel');
      await until(() => runXWhenSentinelRan !== undefined);
      assert.deepEqual(runXWhenSentinelRan, { delayed: 1, waiting: 0 }, 'run-x waits out its requeue');
      assert.deepEqual(calls, ['blocker', 'run-x', 'sentinel']);
    } finally {
      await h.stop();
    }
  });

  test('errors are retried with backoff until the reconcile succeeds', async () => {
    let calls = 0;
    const h = harness(async () => {
      calls++;
      if (calls < 4) throw new Error('store unavailable');
      return {};
    });
    try {
      await h.wakeUps.wake('reconcile-run', 'run-f');
      await until(() => calls === 4);
      assert.ok((await h.metrics.registry.metrics()).includes('longshore_reconcile_total{reconciler="run",result="error"} 3'));
    } finally {
      await h.stop();
    }
  });

  test('a TerminalError is not retried', async () => {
    let calls = 0;
    const h = harness(async () => {
      calls++;
      throw new TerminalError('pool deleted');
    });
    try {
      await h.wakeUps.wake('reconcile-run', 'run-g');
      await until(async () => (await h.queues['reconcile-run'].getFailedCount()) === 1, { what: 'the job to fail' });
      assert.ok(await h.drained(), 'nothing is left to retry it');
      assert.equal(calls, 1);
    } finally {
      await h.stop();
    }
  });

  test('an exhausted budget requeues without spending a job try', async () => {
    const jobTries: number[] = [];
    const h = harness(async (_key, context) => {
      jobTries.push(context.jobTry);
      if (jobTries.length < 3) throw new BudgetExhaustedError('clusterResourceModify', 30);
      return {};
    });
    try {
      await h.wakeUps.wake('reconcile-run', 'run-h');
      await until(() => jobTries.length === 3);
      assert.deepEqual(jobTries, [1, 1, 1]);
    } finally {
      await h.stop();
    }
  });

  test('stop lets an in-flight reconcile finish within the grace period', async () => {
    let finished = false;
    let started = false;
    const h = harness(async () => {
      started = true;
      await sleep(300);
      finished = true;
      return {};
    });
    await h.wakeUps.wake('reconcile-run', 'run-i');
    await until(() => started);
    await h.stop();
    assert.equal(finished, true);
  });

  test('runs of a higher-priority pool are reconciled before a waiting backlog of a lower one', async () => {
    const priorities = createJobPriorities();
    const { calls, reconcile, occupy, release } = blockedWorker();
    const h = harness(reconcile, 1, priorities);
    try {
      // What the run reconciler would have learned: ten backlog runs of a priority-0 pool, one urgent run of a
      // priority-1 pool, and one run this replica has never reconciled (its pool unknown: woken at the front).
      for (let i = 0; i < 10; i++) priorities.note(`backlog-${i}`, 0);
      priorities.note('urgent', 1);
      await occupy(h);
      for (let i = 0; i < 10; i++) await h.wakeUps.wake('reconcile-run', `backlog-${i}`);
      await h.wakeUps.wake('reconcile-run', 'urgent');
      await h.wakeUps.wake('reconcile-run', 'new-run');
      release();
      await until(() => calls.length === 13, { what: () => `every reconcile: ${calls.join(', ')}` });
      assert.deepEqual(calls.slice(0, 3), ['blocker', 'new-run', 'urgent'], calls.join(', '));
      assert.deepEqual(calls.slice(3), Array.from({ length: 10 }, (_, i) => `backlog-${i}`), 'the backlog in its own order');
    } finally {
      await h.stop();
    }
  });

  test('a requeued job takes the priority its run\'s pool has, learned during the reconcile', async () => {
    const priorities = createJobPriorities();
    let calls = 0;
    const h = harness(async (key) => {
      calls++;
      // The run reconciler notes the pool's priority as it reads the run; here the first reconcile does.
      priorities.note(key, 7);
      return calls === 1 ? { requeueAfterMs: 60_000 } : {};
    }, 1, priorities);
    try {
      await h.wakeUps.wake('reconcile-run', 'run-p');
      await until(async () => (await h.queues['reconcile-run'].getDelayedCount()) === 1, { what: 'the requeued job' });
      const [delayed] = await h.queues['reconcile-run'].getDelayed();
      assert.equal(delayed?.priority, runJobPriority(7));
      // Woken early, it leaves its delay into the prioritized set, not the plain wait list.
      await h.wakeUps.wake('reconcile-run', 'run-p');
      await until(() => calls === 2, { what: 'the second reconcile' });
    } finally {
      await h.stop();
    }
  });

  test('a stop whose reconcile never settles still stops the workers\' lock renewal (no timer keeps the process alive)', async () => {
    let started = false;
    const h = harness(async () => {
      started = true;
      return new Promise<never>(() => {});
    });
    await h.wakeUps.wake('reconcile-run', 'run-hung');
    await until(() => started, { what: 'the reconcile that never settles' });
    await h.stop();
    // BullMQ's close waits for that job before it stops its lock manager; workers.ts stops it itself. These are
    // the BullMQ internals it relies on (a BullMQ upgrade that renames them fails here, not in production).
    for (const worker of h.workers.workers) {
      const internals = worker as unknown as { lockManager?: { closed?: boolean } };
      assert.equal(internals.lockManager?.closed, true, 'the lock manager is closed');
    }
  });
});
