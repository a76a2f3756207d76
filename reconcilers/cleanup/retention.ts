/**
 * Retention: deletes runs that stopped longer ago than the store's retention period (with their index
 * entries), a batch at a time. Run from one scheduled job per interval for the whole installation, so
 * replicas never race each other over the same batch (the store's writes are guarded regardless).
 */

/** The store's expireFinished takes at most this many runs per call. */
export const EXPIRE_BATCH = 500;
/** Batches one sweep may take; what is left waits for the next sweep (bounded work per job). */
export const MAX_EXPIRE_BATCHES = 20;

export interface RetentionStore {
  /** Removes up to one batch of runs stopped before now minus the retention period; returns how many went. */
  expireFinished(now?: Date): Promise<number>;
}

/** Expires batches until one comes back short (nothing more is due) or the batch limit is reached. */
export async function sweepRetention(store: RetentionStore, now: () => number, maxBatches = MAX_EXPIRE_BATCHES): Promise<number> {
  let removed = 0;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const count = await store.expireFinished(new Date(now()));
    removed += count;
    if (count < EXPIRE_BATCH) break;
  }
  return removed;
}
