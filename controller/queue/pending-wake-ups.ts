/**
 * Longshore's own note that a key was woken while its job was being reconciled. BullMQ's deduplication
 * (keepLastIfActive) does bring such a wake-up back, but only once the active job finishes; a job that
 * requeues itself (`requeueAfterMs`) would otherwise sit out the whole delay with the wake-up unanswered.
 * So every wake-up also leaves a note, a job starting forgets the notes before it (its reconcile reads
 * state written before them), and a job that requeues takes the note and, if there was one, promotes
 * itself at once. The note is a Redis key in the namespace's keyspace (`…:wake-pending:<queue>:<key>`),
 * so it shares the hash tag of every other key of the installation.
 */
import type { RedisClient } from '../redis.js';
import type { QueueName } from '../config.js';
import type { Keyspace } from '../store/keys.js';

export interface PendingWakeUps {
  /** Notes a wake-up of `key`; called before its job is added, so no reconcile can start in between unseen. */
  note(queue: QueueName, key: string): Promise<void>;
  /** Forgets the note: a reconcile of `key` is starting and sees every change woken before now. */
  forget(queue: QueueName, key: string): Promise<void>;
  /** Consumes the note; true when `key` was woken since its reconcile started. */
  take(queue: QueueName, key: string): Promise<boolean>;
}

/**
 * A note outlives no reconcile by much: it is forgotten at the next start of the key's job. The TTL only
 * bounds what a key whose job never runs again (its run deleted) leaves behind; it is far longer than any
 * reconcile, so a note never lapses while its reconcile is still active.
 */
export const PENDING_WAKE_UP_TTL_SECONDS = 3600;

export function createPendingWakeUps(redis: RedisClient, ks: Keyspace): PendingWakeUps {
  const noteKey = (queue: QueueName, key: string) => ks.key('wake-pending', queue, key);
  return {
    async note(queue, key) {
      await redis.set(noteKey(queue, key), '1', 'EX', PENDING_WAKE_UP_TTL_SECONDS);
    },
    async forget(queue, key) {
      await redis.del(noteKey(queue, key));
    },
    async take(queue, key) {
      return (await redis.del(noteKey(queue, key))) > 0;
    },
  };
}
