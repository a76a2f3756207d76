/**
 * The order of the run queue follows the pools' `scheduling.priority` (issue 11).
 *
 * Fair share at the budget (controller/aws/redis-budgets.ts) serves a higher-priority pool first only once
 * its runs ask the budget; runs that are still waiting for a worker behind a low-priority backlog's
 * reconciles (2,000 runs that each come back every few seconds to ask again) never get that far. So every
 * run's reconcile job carries a BullMQ job priority derived from its pool's priority: a priority-100 pool's
 * jobs get 1 (BullMQ's highest), a priority-0 pool's get 101, and BullMQ hands out the smaller number first.
 *
 * Jobs of a run this replica has not reconciled yet carry no priority (0: BullMQ's plain wait list, served
 * before every prioritized job): a run's first reconcile is what learns its pool, and a new run of any pool
 * must not wait behind a backlog to be looked at. From then on its wake-ups and requeues carry its pool's
 * priority. What a replica learned is kept per run (bounded, oldest forgotten first) and forgotten when the
 * run stops; another replica that has not seen the run yet wakes it at the front, which costs one early
 * reconcile and nothing else.
 *
 * The price: prioritized jobs live in a sorted set instead of a list, about 9 more Redis commands per run
 * lifecycle (212.6 → 221.2 in the benchmark's unthrottled burst, +4 %; CPU unchanged). Giving jobs no
 * priority while every known run is of one priority removes that price but leaves a transient whenever a
 * second priority appears: the backlog's jobs already queued without one (plain jobs are served before any
 * prioritized one) all run before the urgent ones, which cost the benchmark's urgent runs 16.1 simulated s
 * against 13.8 (docs/benchmark.md). A higher priority served first, always, is what pools are promised.
 */
import { MAX_SCHEDULING_PRIORITY } from '../api/pool.js';

/** BullMQ's job priority for a run of a pool of scheduling priority `priority` (1 = served first). */
export function runJobPriority(schedulingPriority: number): number {
  const clamped = Math.min(MAX_SCHEDULING_PRIORITY, Math.max(0, Math.trunc(schedulingPriority)));
  return 1 + MAX_SCHEDULING_PRIORITY - clamped;
}

export interface JobPriorities {
  /** The BullMQ priority for the next job of `key`, or undefined while its pool is not known here. */
  of(key: string): number | undefined;
  /** Records the scheduling priority of the pool of `key`'s run. */
  note(key: string, schedulingPriority: number): void;
  /** Forgets `key` (its run stopped or is gone). */
  forget(key: string): void;
  readonly size: number;
}

/** Runs remembered at most; beyond it the longest-unnoted is forgotten (it is woken at the front, no harm). */
export const MAX_REMEMBERED_RUNS = 200_000;

export function createJobPriorities(maxEntries = MAX_REMEMBERED_RUNS): JobPriorities {
  const byKey = new Map<string, number>();
  return {
    of: (key) => byKey.get(key),
    note(key, schedulingPriority) {
      const priority = runJobPriority(schedulingPriority);
      // Re-inserting moves the key to the end of the Map's order, so the first key is the longest unnoted.
      byKey.delete(key);
      byKey.set(key, priority);
      if (byKey.size > maxEntries) {
        const oldest = byKey.keys().next();
        if (!oldest.done) byKey.delete(oldest.value);
      }
    },
    forget: (key) => void byKey.delete(key),
    get size() {
      return byKey.size;
    },
  };
}
