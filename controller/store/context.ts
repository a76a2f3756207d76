/** What every store operation needs: the connection, the keys, the clock and the retention settings. */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis.js';
import { keyspace, storeKeys, type Keyspace, type StoreKeys } from './keys.js';
import { RV, type AtomicWrite } from './atomic.js';

export interface StoreOptions {
  /** Defaults to LONGSHORE_NAMESPACE, else `default`. */
  namespace?: string;
  /** How long a stopped run is kept before expireFinished removes it. Default 7 days. */
  finishedRunRetentionSeconds?: number;
  /** Approximate cap on the change feed's length (XADD MAXLEN ~). Default 100,000. */
  changeFeedMaxLen?: number;
  now?: () => Date;
  newUid?: () => string;
}

export interface StoreContext {
  redis: RedisClient;
  ks: Keyspace;
  keys: StoreKeys;
  now: () => Date;
  newUid: () => string;
  retentionSeconds: number;
  /** TTL set on a stopped run's keys: retention plus a day, a safety net behind the sweeper. */
  ttlSeconds: number;
  changeFeedMaxLen: number;
}

export const DEFAULT_RETENTION_SECONDS = 7 * 24 * 3600;

export function storeContext(redis: RedisClient, options: StoreOptions = {}): StoreContext {
  const ks = keyspace(options.namespace);
  const retentionSeconds = options.finishedRunRetentionSeconds ?? DEFAULT_RETENTION_SECONDS;
  if (!(retentionSeconds > 0)) throw new Error(`finishedRunRetentionSeconds must be positive, got ${retentionSeconds}`);
  return {
    redis,
    ks,
    keys: storeKeys(ks),
    now: options.now ?? (() => new Date()),
    newUid: options.newUid ?? randomUUID,
    retentionSeconds,
    ttlSeconds: Math.ceil(retentionSeconds) + 24 * 3600,
    changeFeedMaxLen: options.changeFeedMaxLen ?? 100_000,
  };
}

export type ChangeKind = 'Pool' | 'Run';
export type ChangeType = 'created' | 'updated' | 'deleted';

/**
 * Appends the change-feed entry to the same atomic write as the change itself. `subresource: 'status'` marks a
 * write of status alone (the controller's own bookkeeping), which readers may tell apart from a user's change.
 * `wokenByWriter`: the writer wakes the run's reconcile itself, durably (the control handler, whose message stays
 * pending until it has): the controller's feed follower need not wake it a second time (changeWakesRun).
 */
export function recordChange(
  ctx: StoreContext, w: AtomicWrite, kind: ChangeKind, name: string, change: ChangeType, subresource?: 'status', wokenByWriter = false,
): void {
  const fields = ['kind', kind, 'name', name, 'change', change, 'resourceVersion', RV];
  if (subresource !== undefined) fields.push('subresource', subresource);
  if (wokenByWriter) fields.push('wakes', 'writer');
  w.op('XADD', ctx.keys.changes, 'MAXLEN', '~', ctx.changeFeedMaxLen, '*', ...fields);
}
