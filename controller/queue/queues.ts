/**
 * The BullMQ queues and how work gets onto them. Queues live under `longshore:{<namespace>}:bull` so every
 * queue key shares the namespace's hash tag. A job carries only a key. Wake-ups for one key coalesce:
 * BullMQ deduplication by key with keepLastIfActive keeps at most one job active and one waiting; a wake-up
 * for a key whose job sits delayed (a requeue or a backoff) reschedules that job to now, and one for a key
 * whose job is active is also noted (pending-wake-ups.ts) so a requeue does not sit it out.
 */
import { JobsOptions, Queue } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import { QUEUE_NAMES, QueueName } from '../config.js';
import { errorSummary, throttledLogger } from '../log-throttle.js';
import type { PendingWakeUps } from './pending-wake-ups.js';
import type { JobPriorities } from './job-priorities.js';

export interface ReconcileJobData {
  key: string;
}

export type ControllerQueues = Readonly<Record<QueueName, Queue<ReconcileJobData>>>;

export function bullPrefix(namespace: string): string {
  return `longshore:{${namespace}}:bull`;
}

/**
 * The queues, each with an `error` listener: a BullMQ object without one prints every error as a
 * multi-line dump on stderr (its fallback), which breaks the JSON log during a Redis outage. Errors go
 * through pino instead, each kind once per interval with a count of the repeats.
 */
export function createQueues(connection: RedisClient, namespace: string, logger: Logger): ControllerQueues {
  const prefix = bullPrefix(namespace);
  const log = throttledLogger(logger);
  const create = (name: QueueName) => {
    const queue = new Queue<ReconcileJobData>(name, { connection, prefix });
    queue.on('error', (error: Error) => {
      const summary = errorSummary(error);
      log.log('warn', `queue:${name}:${summary.message}`, { queue: name, error: summary.message, code: summary.code }, 'queue error');
    });
    return [name, queue] as const;
  };
  return Object.freeze(Object.fromEntries(QUEUE_NAMES.map(create))) as ControllerQueues;
}

export async function closeQueues(queues: ControllerQueues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

/** Job tries of one wake-up before BullMQ gives up on it (the resync or the next change wakes it again). */
export const MAX_JOB_TRIES = 30;

/** `priority`: BullMQ's job priority (job-priorities.ts), 0 = none (the plain wait list, served first). */
export function wakeUpOptions(key: string, delayMs = 0, priority = 0): JobsOptions {
  return {
    ...(priority > 0 ? { priority } : {}),
    deduplication: { id: key, keepLastIfActive: true, ...(delayMs === 0 ? { reschedule: true } : {}) },
    delay: delayMs,
    attempts: MAX_JOB_TRIES,
    backoff: { type: 'longshore' },
    removeOnComplete: true,
    removeOnFail: { count: 1000, age: 24 * 3600 },
  };
}

/** Wakes keys for reconciliation; handed to reconcilers that need to wake others (e.g. runs waiting on a registration). */
export interface WakeUps {
  wake(queue: QueueName, key: string, options?: { delayMs?: number }): Promise<void>;
}

/**
 * `runPriorities`: the BullMQ priority of each run whose pool this replica knows (job-priorities.ts); a new
 * job of a run queue key carries it, so runs of higher-priority pools are reconciled first.
 */
export function createWakeUps(queues: ControllerQueues, pending: PendingWakeUps, runPriorities?: Pick<JobPriorities, 'of'>): WakeUps {
  return {
    async wake(queue, key, options) {
      // A delayed wake-up means "not before then": it must not cut short a requeue of a job active now.
      if ((options?.delayMs ?? 0) === 0) await pending.note(queue, key);
      const priority = queue === 'reconcile-run' ? runPriorities?.of(key) ?? 0 : 0;
      await queues[queue].add(key, { key }, wakeUpOptions(key, options?.delayMs ?? 0, priority));
    },
  };
}

/** The cluster-wide periodic resync: one scheduler id, so many replicas still produce one job per tick. */
export const RESYNC_TICK_KEY = 'tick';

export async function scheduleResync(queues: ControllerQueues, everyMs: number): Promise<void> {
  await queues.resync.upsertJobScheduler('resync-tick', { every: everyMs }, {
    name: RESYNC_TICK_KEY,
    data: { key: RESYNC_TICK_KEY },
    opts: { removeOnComplete: true, removeOnFail: { count: 100 }, attempts: 1 },
  });
}

/** A sweep on the resync queue: scheduled once per interval cluster-wide; 0 removes its scheduler. */
export async function scheduleSweep(queues: ControllerQueues, key: string, everyMs: number): Promise<void> {
  const schedulerId = `cleanup-${key}`;
  if (everyMs <= 0) {
    await queues.resync.removeJobScheduler(schedulerId);
    return;
  }
  await queues.resync.upsertJobScheduler(schedulerId, { every: everyMs }, {
    name: key,
    data: { key },
    opts: { removeOnComplete: true, removeOnFail: { count: 100 }, attempts: 1 },
  });
}
