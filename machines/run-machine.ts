/**
 * The run lifecycle as one XState machine. It never performs side effects: every state's work is described
 * by a `request` action whose params are LifecycleActions, which `transition()` hands back as data for the
 * reconciler to execute. All decisions live in run-logic.ts; this file only says which event is legal where.
 *
 *   pending   ─TASKDEF_RESOLVED→ launching (attempt n)   ─CANCEL→ stopped (cancelled, no task)
 *             ─RETRY→ pending (resolve again, after repeated TASKDEF_STALE made it wait)
 *             ─REGISTRATION_FAILING→ pending (shown)   ─REGISTRATION_TIMEOUT→ stopped (crashed, no task)
 *   launching ─SUBMITTED→ submitted   ─SUBMIT_FAILED | LAUNCH_TIMEOUT→ backoff | stopped   ─TASKDEF_STALE→ pending
 *             ─LAUNCH_FAILED | LAUNCH_HELD→ launching (the next RunTask try waits: backoff, or the breaker)
 *   submitted ─TASK_OBSERVED(RUNNING)→ running   ─START_TIMEOUT→ stopping
 *   running   ─RUN_TIMEOUT→ stopping
 *   submitted, running ─TASK_OBSERVED(STOPPED) | TASK_MISSING→ backoff (within budget) | stopped
 *   launching, submitted, running ─CANCEL→ stopping ─TASK_OBSERVED(STOPPED) | TASK_MISSING→ stopped | backoff
 *   stopping  ─STOP_FAILED→ stopping (the next StopTask try waits a growing backoff; never given up)
 *   backoff   ─RETRY→ launching (attempt n+1)   ─CANCEL→ stopped (cancelled)
 *
 * TASK_OBSERVED(STOPPED) means an ECS API answer (DescribeTasks): an EventBridge event saying STOPPED never ends
 * an attempt (run-types.ts ObservationSource), it only leads the event consumer to ask DescribeTasks soon.
 *
 * Every "backoff | stopped" above passes through attemptEnded, a choice: the event's action decides how the
 * attempt ended (run-logic's endAttemptBy*, computed once) and the choice follows that decision.
 *
 * Each state declares what it is (its `meta`, LifecycleStateMeta): the phase a run shows while in it, and
 * the work it exists for. Entering the state writes that phase into the status and requests that work; a
 * reconciler restoring the state after a crash asks the same declaration again (standingActions).
 */
import { and, assign, setup } from 'xstate';
import type { Phase } from '../controller/api/run-status.js';
import {
  cancelWithoutTask,
  endAttemptByIntent,
  endAttemptByLaunchTimeout,
  endAttemptByMissingTask,
  endAttemptByStop,
  endAttemptBySubmitFailure,
  endByRegistrationTimeout,
  finish,
  initialContext,
  concludesAttempt,
  isCurrentObservation,
  markRunning,
  recordObservation,
  recordStoppingObservation,
  registrationFailing,
  requestStop,
  startAttempt,
  submitted,
  taskDefinitionResolved,
  taskDefinitionStale,
  waiting,
  finalized,
} from './run-logic.js';
import { launchDue, launchFailed, launchHeld, stopDue, stopFailed } from './call-trouble.js';
import { finalizeAction, runTaskAction, scheduleRetryAction, stopTaskAction } from './run-actions.js';
import { currentAttempt } from './run-status-ops.js';
import type { LifecycleAction, LifecycleContext, LifecycleEvent, LifecycleInput } from './run-types.js';

type Ev<T extends LifecycleEvent['type']> = Extract<LifecycleEvent, { type: T }>;
type Args = { context: LifecycleContext; event: LifecycleEvent };

/** What a state says about itself; the one place its phase and its work are written down. */
export interface LifecycleStateMeta {
  /**
   * The phase a run shows while in this state. Absent (stopping, and the attemptEnded choice): the run keeps
   * the phase it had when it entered, because the task got that far before Longshore began to stop it.
   */
  phase?: Phase;
  /**
   * The side effects the state exists for: requested on entry, and requested again by a reconciler that
   * restores the state after a crash (each is idempotent). `now` is the entering event's time.
   */
  work?: (context: LifecycleContext, now: string) => LifecycleAction[];
}

/**
 * A state's meta plus the entry actions that follow from it, spread into the state's config so the phase
 * and the work cannot be written twice. The initial state is entered by xstate.init, which carries no time;
 * its work (resolve the task definition) does not need one.
 */
function declared(meta: LifecycleStateMeta) {
  const { phase, work } = meta;
  return {
    meta,
    entry: [
      ...(phase === undefined ? [] : [{ type: 'enterPhase' as const, params: { phase } }]),
      ...(work === undefined ? [] : [{ type: 'request' as const, params: ({ context, event }: Args) => work(context, event.now) }]),
    ],
  };
}

function observation(event: LifecycleEvent): Ev<'TASK_OBSERVED'> | undefined {
  return event.type === 'TASK_OBSERVED' ? event : undefined;
}

/** The input of the actor `transition()` creates and discards; never a run's. */
const THROWAWAY_ACTOR_INPUT: LifecycleInput = { runUid: '', now: '1970-01-01T00:00:00.000Z' };

export const runLifecycleMachine = setup({
  types: {
    context: {} as LifecycleContext,
    events: {} as LifecycleEvent,
    input: {} as LifecycleInput,
    meta: {} as LifecycleStateMeta,
  },
  actions: {
    /** Asks the reconciler to perform side effects; intentionally empty, the work happens outside. */
    request: (_args, _actions: LifecycleAction[]) => undefined,
    enterPhase: assign(({ context }: Args, params: { phase: Phase }) => ({ status: { ...context.status, phase: params.phase } })),
    // Each attempt ending is decided once, here; the attemptEnded choice then reads the decision from context.
    endByStop: assign(({ context, event }: Args) => {
      const obs = observation(event);
      return obs ? endAttemptByStop(context, obs, obs.now) : context;
    }),
    endByMissingTask: assign(({ context, event }: Args) => endAttemptByMissingTask(context, event.now)),
    endByIntent: assign(({ context, event }: Args) => endAttemptByIntent(context, observation(event), event.now)),
    endBySubmitFailure: assign(({ context, event }: Args) =>
      event.type === 'SUBMIT_FAILED' ? endAttemptBySubmitFailure(context, event.reason, event.message, event.retryable, event.now) : context,
    ),
    recordObservation: assign(({ context, event }: Args) => {
      const obs = observation(event);
      return obs ? recordObservation(context, obs) : context;
    }),
    requestCancel: assign(({ context, event }: Args) => requestStop(context, 'cancel', event.now)),
    recordWaiting: assign(({ context, event }: Args) => (event.type === 'WAITING' ? waiting(context, event.reason, event.message, event.now) : context)),
  },
  guards: {
    isCurrentTask: ({ context, event }: Args) => {
      if (event.type === 'TASK_MISSING') return currentAttempt(context.status)?.taskArn === event.taskArn;
      const obs = observation(event);
      return obs !== undefined && isCurrentObservation(context, obs);
    },
    /** Only an API answer saying STOPPED ends an attempt; an event saying so is recorded as a hint (its version). */
    taskStopped: ({ event }: Args) => {
      const obs = observation(event);
      return obs !== undefined && concludesAttempt(obs);
    },
    taskRunning: ({ event }: Args) => observation(event)?.lastStatus === 'RUNNING',
    /** An ended attempt either concluded the run (finish set its outcome) or scheduled the next attempt. */
    retryScheduled: ({ context }: Args) => context.status.outcome === undefined,
    taskNotYetKnown: ({ context }: Args) => currentAttempt(context.status)?.taskArn === undefined,
    notCancelling: ({ context }: Args) => context.stopIntent !== 'cancel',
    notFinalized: ({ context }: Args) => context.finalized !== true,
    /** In pending: a wait before resolving again was set (taskDefinitionStale) and is over. */
    resolveWaitElapsed: ({ context, event }: Args) =>
      context.retryAt !== undefined && Date.parse(event.now) >= Date.parse(context.retryAt),
    backoffElapsed: ({ context, event }: Args) =>
      context.retryAt === undefined || Date.parse(event.now) >= Date.parse(context.retryAt),
  },
}).createMachine({
  id: 'run-lifecycle',
  // XState's pure `transition()` builds a throwaway actor for every step, and that actor computes the
  // initial snapshot with no input. Without a stand-in, initialContext would throw a TypeError there that
  // XState catches: an Error and its stack trace on every step, most of what a step cost.
  context: ({ input }) => initialContext((input as LifecycleInput | undefined) ?? THROWAWAY_ACTOR_INPUT),
  initial: 'pending',
  states: {
    pending: {
      // After repeated refusals of resolved revisions (taskDefinitionStale) the next resolve waits for RETRY.
      ...declared({ phase: 'pending', work: (context) => (context.retryAt === undefined ? [{ type: 'resolveTaskDefinition' }] : []) }),
      on: {
        RETRY: {
          guard: 'resolveWaitElapsed',
          actions: [assign({ retryAt: undefined }), { type: 'request', params: () => [{ type: 'resolveTaskDefinition' }] }],
        },
        TASKDEF_RESOLVED: {
          target: 'launching',
          actions: assign(({ context, event }) => taskDefinitionResolved(context, event.taskDefinitionArn, event.now)),
        },
        TASKDEF_FAILED: {
          target: 'stopped',
          actions: assign(({ context, event }) =>
            finish(context, 'failed', 'TaskDefinitionFailed', `failed: the task definition could not be resolved: ${event.message}`, event.now),
          ),
        },
        CANCEL_REQUESTED: {
          target: 'stopped',
          actions: assign(({ context, event }) => cancelWithoutTask(context, event.now, 'before launch')),
        },
        WAITING: { actions: 'recordWaiting' },
        REGISTRATION_FAILING: {
          actions: assign(({ context, event }) => registrationFailing(context, event.reason, event.message, event.failures, event.now)),
        },
        REGISTRATION_TIMEOUT: { target: 'stopped', actions: assign(({ context, event }) => endByRegistrationTimeout(context, event.now)) },
      },
    },
    launching: {
      // RunTask is due unless the last failed try's backoff (or the breaker's wait) is still running.
      ...declared({ phase: 'taskdef-resolved', work: (context, now) => (launchDue(context, now) ? [runTaskAction(context)] : []) }),
      on: {
        SUBMITTED: {
          target: 'submitted',
          actions: assign(({ context, event }) => submitted(context, event.taskArn, event.clusterArn, event.now)),
        },
        TASKDEF_STALE: {
          target: 'pending',
          actions: assign(({ context, event }) => taskDefinitionStale(context, event.message, event.now)),
        },
        SUBMIT_FAILED: { target: 'attemptEnded', actions: 'endBySubmitFailure' },
        LAUNCH_FAILED: { actions: assign(({ context, event }) => launchFailed(context, event.reason, event.message, event.jitter, event.now)) },
        LAUNCH_HELD: { actions: assign(({ context, event }) => launchHeld(context, event.reason, event.message, event.lastError, event.retryAt, event.now)) },
        LAUNCH_TIMEOUT: { target: 'attemptEnded', actions: assign(({ context, event }) => endAttemptByLaunchTimeout(context, event.now)) },
        // RunTask may have happened without being recorded: stop whatever this attempt launched.
        CANCEL_REQUESTED: { target: 'stopping', actions: 'requestCancel' },
        WAITING: { actions: 'recordWaiting' },
      },
    },
    submitted: {
      ...declared({ phase: 'submitted' }),
      on: {
        TASK_OBSERVED: [
          { guard: and(['isCurrentTask', 'taskStopped']), target: 'attemptEnded', actions: 'endByStop' },
          {
            guard: and(['isCurrentTask', 'taskRunning']),
            target: 'running',
            actions: assign(({ context, event }) => markRunning(context, event, event.now)),
          },
          { guard: 'isCurrentTask', actions: 'recordObservation' },
        ],
        TASK_MISSING: { guard: 'isCurrentTask', target: 'attemptEnded', actions: 'endByMissingTask' },
        START_TIMEOUT: { target: 'stopping', actions: assign(({ context, event }) => requestStop(context, 'start-timeout', event.now)) },
        CANCEL_REQUESTED: { target: 'stopping', actions: 'requestCancel' },
      },
    },
    running: {
      ...declared({ phase: 'running' }),
      on: {
        TASK_OBSERVED: [
          { guard: and(['isCurrentTask', 'taskStopped']), target: 'attemptEnded', actions: 'endByStop' },
          { guard: 'isCurrentTask', actions: 'recordObservation' },
        ],
        TASK_MISSING: { guard: 'isCurrentTask', target: 'attemptEnded', actions: 'endByMissingTask' },
        RUN_TIMEOUT: { target: 'stopping', actions: assign(({ context, event }) => requestStop(context, 'run-timeout', event.now)) },
        CANCEL_REQUESTED: { target: 'stopping', actions: 'requestCancel' },
      },
    },
    stopping: {
      // StopTask is due unless the last failed try's backoff is still running (a stop is never given up).
      ...declared({ work: (context, now) => (stopDue(context, now) ? [stopTaskAction(context)] : []) }),
      on: {
        SUBMITTED: {
          guard: 'taskNotYetKnown',
          actions: [
            assign(({ context, event }) => submitted(context, event.taskArn, event.clusterArn, event.now)),
            { type: 'request', params: ({ context }) => [stopTaskAction(context)] },
          ],
        },
        TASK_OBSERVED: [
          { guard: and(['isCurrentTask', 'taskStopped']), target: 'attemptEnded', actions: 'endByIntent' },
          {
            guard: 'isCurrentTask',
            actions: assign(({ context, event }) => recordStoppingObservation(context, event)),
          },
        ],
        TASK_MISSING: { guard: 'isCurrentTask', target: 'attemptEnded', actions: 'endByIntent' },
        STOP_FAILED: { actions: assign(({ context, event }) => stopFailed(context, event.reason, event.message, event.jitter, event.now)) },
        // A user's cancel overrides a timeout already being enforced (the outcome becomes cancelled).
        CANCEL_REQUESTED: {
          guard: 'notCancelling',
          actions: [
            'requestCancel',
            { type: 'request', params: ({ context }) => [stopTaskAction(context)] },
          ],
        },
      },
    },
    // A choice, never a resting state (it is left in the same step): the transition into it decided how the
    // attempt ended, once; what that decision left in the context picks the next state.
    attemptEnded: {
      always: [
        { guard: 'retryScheduled', target: 'backoff' },
        { target: 'stopped' },
      ],
    },
    backoff: {
      ...declared({ phase: 'taskdef-resolved', work: (context, now) => [scheduleRetryAction(context, now)] }),
      on: {
        RETRY: { guard: 'backoffElapsed', target: 'launching', actions: assign(({ context, event }) => startAttempt(context, event.now)) },
        CANCEL_REQUESTED: {
          target: 'stopped',
          actions: assign(({ context, event }) => cancelWithoutTask(context, event.now, 'between attempts')),
        },
      },
    },
    // Not an XState final state: one bookkeeping event still lands here, and nothing else does.
    stopped: {
      ...declared({ phase: 'stopped', work: (context) => (context.finalized === true ? [] : [finalizeAction(context)]) }),
      on: {
        FINALIZED: { guard: 'notFinalized', actions: assign(({ context, event }) => finalized(context, event.cost)) },
      },
    },
  },
});
