/**
 * One BullMQ worker per queue, each running its reconciler through the job adapter. Stalled-job recovery
 * is on: a job whose replica died is re-delivered once its lock lapses. Stopping is bounded: workers stop
 * taking jobs, in-flight jobs get `graceMs` to finish, then the workers close forcibly and what is still
 * active is handed back through the same stalled-job recovery.
 */
import { Job, Worker } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import { equalJitterBackoffMs } from '../backoff.js';
import { errorSummary, throttledLogger } from '../log-throttle.js';
import type { QueueName } from '../config.js';
import type { ControllerMetrics } from '../metrics.js';
import { createJobProcessor } from './job-adapter.js';
import { createWorkerConnections } from './worker-connections.js';
import type { PendingWakeUps } from './pending-wake-ups.js';
import type { JobPriorities } from './job-priorities.js';
import { ControllerQueues, ReconcileJobData, bullPrefix } from './queues.js';
import type { Reconciler } from './reconcile.js';

/** Reconciler label used in metrics and logs for each queue. */
export const RECONCILER_OF_QUEUE: Readonly<Record<QueueName, string>> = {
  'reconcile-run': 'run',
  'register-taskdef': 'taskdef',
  resync: 'resync',
};

export interface StartWorkersOptions {
  namespace: string;
  replicaId: string;
  /** Only queues with a reconciler get a worker. */
  reconcilers: Partial<Record<QueueName, Reconciler>>;
  concurrency: Readonly<Record<QueueName, number>>;
  /** Makes a blocking connection per worker (BullMQ workers need their own). */
  connect: (name: string) => RedisClient;
  queues: ControllerQueues;
  /** The notes the wake-ups leave (the same object createWakeUps was given). */
  pendingWakeUps: PendingWakeUps;
  logger: Logger;
  metrics?: Pick<ControllerMetrics, 'reconcileTotal' | 'reconcileDuration'>;
  backoff?: { baseMs: number; capMs: number };
  /** How long a job's lock lasts without renewal before another replica may take it over. */
  lockDurationMs?: number;
  /** The run queue's job priorities by run (job-priorities.ts; the same object createWakeUps was given). */
  runPriorities?: Pick<JobPriorities, 'of'>;
}

export interface RunningWorkers {
  readonly workers: ReadonlyArray<Worker<ReconcileJobData, void>>;
  /** True once every worker is running. */
  started(): boolean;
  stop(graceMs: number): Promise<{ handedBack: boolean }>;
  /** The workers' connections (BullMQ's own copies included) not yet closed, for a report of what is still open. */
  openConnections(): string[];
}

/** How long a forced close of the workers may take before their connections are closed under them. */
const FORCED_CLOSE_BOUND_MS = 2000;

export function startWorkers(options: StartWorkersOptions): RunningWorkers {
  const backoff = options.backoff ?? { baseMs: 200, capMs: 300_000 };
  const lockDuration = options.lockDurationMs ?? 30_000;
  const workers: Worker<ReconcileJobData, void>[] = [];
  const connections = createWorkerConnections();
  const pending = options.pendingWakeUps;
  // Worker errors are mostly its connections' errors, many a second while Redis is away: once per interval.
  const errorLog = throttledLogger(options.logger);
  for (const [queueName, reconcile] of Object.entries(options.reconcilers) as [QueueName, Reconciler][]) {
    const reconcileJob = createJobProcessor({
      reconciler: RECONCILER_OF_QUEUE[queueName],
      reconcile,
      logger: options.logger,
      metrics: options.metrics,
      takePendingWakeUp: (key) => pending.take(queueName, key),
      ...(queueName === 'reconcile-run' && options.runPriorities ? { priorityOf: options.runPriorities.of } : {}),
    });
    // Notes left before this start are answered by this very reconcile; only later ones may cut a requeue short.
    const processor = async (job: Job<ReconcileJobData>, token?: string) => {
      await pending.forget(queueName, job.data.key);
      return reconcileJob(job, token);
    };
    const connection = connections.own(options.connect(`longshore:${options.replicaId}:worker:${queueName}`));
    const worker = new Worker<ReconcileJobData, void>(queueName, processor, {
      connection,
      prefix: bullPrefix(options.namespace),
      name: options.replicaId,
      concurrency: options.concurrency[queueName],
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      maxStalledCount: 10,
      // Equal jitter: failed keys spread out, yet each waits at least half its ceiling.
      settings: { backoffStrategy: (attemptsMade: number) => equalJitterBackoffMs(backoff, attemptsMade, Math.random) },
    });
    worker.on('error', (error) => {
      const summary = errorSummary(error);
      errorLog.log('error', `worker:${queueName}:${summary.message}`, { queue: queueName, error: summary.message, code: summary.code }, 'worker error');
    });
    worker.on('failed', (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        options.logger.error({ queue: queueName, key: job.data.key, err: error }, 'reconcile gave up after retries');
      }
    });
    workers.push(worker);
  }
  return {
    workers,
    started: () => workers.every((w) => w.isRunning()),
    openConnections: () => connections.open(),
    async stop(graceMs) {
      const finished = await within(Promise.all(workers.map((w) => w.close())), graceMs);
      // A forced close returns the pending graceful one when that is what hangs: bounded too, and then the
      // connections are closed under the workers, which ends whatever they still wait for.
      if (!finished) await within(Promise.all(workers.map((w) => w.close(true))), FORCED_CLOSE_BOUND_MS);
      await connections.closeAll();
      if (!finished) await Promise.all(workers.map(stopWorkerTimers));
      return { handedBack: !finished };
    },
  };
}

/** The parts of a BullMQ Worker (6.7) that a close which never finished leaves running. */
interface WorkerTimers {
  lockManager?: { close(): Promise<void> };
  stalledCheckStopper?: () => void;
}

/**
 * Stops the lock-renewal timer and the stalled-job checker of a worker whose close did not finish. BullMQ's
 * Worker.close awaits the jobs in flight before it stops them, and a forced close returns that same pending
 * close, so a job that never settles (seen after a Redis Cluster failover: a reconcile waiting on the
 * killed master) leaves the lock renewal rescheduling itself every lockDuration / 2 for ever: the replica
 * ran into its shutdown deadline and exited 1 with nothing but that timer alive. The jobs' locks lapse and
 * another replica recovers them as stalled, as for any forced close.
 */
async function stopWorkerTimers(worker: Worker<ReconcileJobData, void>): Promise<void> {
  const internals = worker as unknown as WorkerTimers;
  try {
    await internals.lockManager?.close();
    internals.stalledCheckStopper?.();
  } catch {
    // Nothing left to do for a worker being abandoned: the shutdown deadline still bounds the exit.
  }
}

/** True when `work` settled within `boundMs`, false when the bound came first (its timer never outlives the race). */
async function within(work: Promise<unknown>, boundMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), boundMs);
  });
  try {
    return await Promise.race([work.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
