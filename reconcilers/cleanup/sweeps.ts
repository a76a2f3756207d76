/**
 * The clean-up sweeps (design step 8) as jobs on the resync queue. Each sweep is a BullMQ job scheduler
 * (one id, so many replicas still produce one job per interval cluster-wide) whose key names the sweep.
 * The prefixes cannot collide with the resync's own keys: cluster names have no ":" and ARNs start "arn:".
 * - `sweep:retention`: expire stopped runs past retention, and wake stopped runs never finalized
 *   (finalize-recovery.ts);
 * - `sweep:orphans`: fan out one `orphans:<cluster>` job per cluster the installation knows.
 */
import type { Logger } from 'pino';
import type { ReconcileResult, Reconciler } from '../../controller/queue/reconcile.js';
import { sweepRetention, type RetentionStore } from './retention.js';
import { FINALIZE_GRACE_MS, wakeUnfinalizedRuns, type FinalizeRecoveryDeps } from './finalize-recovery.js';
import { ORPHAN_JOB_PREFIX, scheduleOrphanSweeps, sweepClusterOrphans, type OrphanSweepDeps } from './orphan-sweep.js';

export const CLEANUP_KEYS = { retention: 'sweep:retention', orphans: 'sweep:orphans' } as const;
/** Retention (and finalize recovery) run this often; both are cheap when there is nothing to do. */
export const RETENTION_SWEEP_INTERVAL_MS = 60_000;

export function isCleanupKey(key: string): boolean {
  return key.startsWith('sweep:') || key.startsWith('orphans:');
}

export interface CleanupDeps {
  store: RetentionStore;
  /** Finalize recovery; without it the retention sweep only expires. */
  finalize?: FinalizeRecoveryDeps;
  /** The orphan sweep; without it orphan keys are ignored. */
  orphans?: OrphanSweepDeps;
  now?: () => number;
  logger?: Logger;
}

export function createCleanupReconciler(deps: CleanupDeps): Reconciler {
  const now = deps.now ?? Date.now;
  return async (key, context): Promise<ReconcileResult> => {
    const logger = deps.logger ?? context.logger;
    if (key === CLEANUP_KEYS.retention) {
      const expired = await sweepRetention(deps.store, now);
      if (expired > 0) logger.info({ expired }, 'expired finished runs');
      if (deps.finalize) {
        const recovered = await wakeUnfinalizedRuns(deps.finalize, now() - FINALIZE_GRACE_MS);
        if (recovered.woken.length > 0) logger.info({ runs: recovered.woken.length }, 'woke stopped runs that were never finalized');
      }
      return {};
    }
    if (deps.orphans && key === CLEANUP_KEYS.orphans) {
      const clusters = await scheduleOrphanSweeps(deps.orphans);
      logger.debug({ clusters: clusters.length }, 'orphan sweeps scheduled');
      return {};
    }
    if (deps.orphans && key.startsWith(ORPHAN_JOB_PREFIX)) {
      const cluster = key.slice(ORPHAN_JOB_PREFIX.length);
      const swept = await sweepClusterOrphans({ ...deps.orphans, logger: deps.orphans.logger ?? logger }, cluster);
      logger.debug({ cluster, listed: swept.listed, described: swept.described, stopped: swept.stopped.length, adopted: swept.adopted.length }, 'orphans swept');
      return {};
    }
    logger.warn({ key }, 'unknown clean-up key ignored');
    return {};
  };
}

/** One reconciler for the resync queue: clean-up keys go to `cleanup`, every other key is a cluster to resync. */
export function withCleanup(resync: Reconciler, cleanup: Reconciler): Reconciler {
  return (key, context) => (isCleanupKey(key) ? cleanup(key, context) : resync(key, context));
}
