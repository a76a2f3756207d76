/**
 * Whether a status the feed wrote (an observation of the run's task) needs the run's reconcile woken, pure.
 *
 * Every wake-up of a run costs a BullMQ job operation and a reconcile (about 45 Redis commands: the job's
 * reschedule, its activation, the run and pool reads, its move back to delayed). The commonest observation,
 * a task seen RUNNING, leaves the reconcile nothing to do (issue 10): no standing action, and no deadline
 * earlier than the one its job already waits for. Such a write is recorded without a wake-up.
 *
 * Why that is safe: a reconcile always requeues its job for its state's earliest deadline (or ends it when
 * there is none, and nothing to do). The feed skips the wake-up only when the new state's deadline is no
 * earlier than the stored state's, so the job still comes back no later than the new deadline; by induction
 * over several skipped writes the job is never scheduled later than the stored state's deadline. When it
 * comes back early it finds the new state and requeues for the new deadline (level-triggered).
 */
import type { RunRecord } from '../../controller/api/run.js';
import { nextDeadline, stateOf, type RunSnapshot } from '../../machines/run-lifecycle.js';
import { slotsFor, type SlotNeeds } from '../run/pool-limits.js';

/** States that declare no work of their own (machines/run-machine.ts): only their deadlines need a reconcile. */
const WORKLESS_STATES = new Set(['submitted', 'running']);

export interface WakeDecision {
  wake: boolean;
  /** Slots the run now holds, when they shrank and the feed's caller must free the rest itself (no reconcile will). */
  release?: SlotNeeds;
}

/**
 * `canRelease`: the caller frees pool slots itself (FeedDeps.releaseSlots); without it a write that changes
 * the slots a run holds wakes the run, whose reconcile frees them and wakes the runs waiting for them.
 */
export function wakeAfterFeed(record: RunRecord, before: RunSnapshot, after: RunSnapshot, canRelease: boolean): WakeDecision {
  const state = stateOf(after);
  if (!WORKLESS_STATES.has(state)) return { wake: true };
  // A spec change the reconcile has not seen yet (a cancel, whose own wake-up may be under way): let it look.
  if (record.spec.cancelRequested || record.status.observedGeneration !== record.metadata.generation) return { wake: true };
  const was = nextDeadline(before);
  const now = nextDeadline(after);
  if (now !== undefined && (was === undefined || now.at < was.at)) return { wake: true };
  const held = slotsFor(stateOf(before));
  const keep = slotsFor(state);
  if (held.submitting === keep.submitting && held.running === keep.running) return { wake: false };
  return canRelease ? { wake: false, release: keep } : { wake: true };
}
