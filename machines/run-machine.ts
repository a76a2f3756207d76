/**
 * The run lifecycle as one XState machine. It never performs side effects: every state's work is described
 * by a `request` action whose params are a LifecycleAction, which `transition()` hands back as data for the
 * reconciler to execute. All decisions live in run-logic.ts; this file only says which event is legal where.
 *
 *   pending   ─TASKDEF_RESOLVED→ launching (attempt n)   ─CANCEL→ stopped (cancelled, no task)
 *   launching ─SUBMITTED→ submitted   ─SUBMIT_FAILED→ backoff | stopped   ─TASKDEF_STALE→ pending
 *   submitted ─TASK_OBSERVED(RUNNING)→ running   ─START_TIMEOUT→ stopping
 *   running   ─RUN_TIMEOUT→ stopping
 *   submitted, running ─TASK_OBSERVED(STOPPED) | TASK_MISSING→ backoff (within budget) | stopped
 *   launching, submitted, running ─CANCEL→ stopping ─TASK_OBSERVED(STOPPED) | TASK_MISSING→ stopped | backoff
 *   backoff   ─RETRY→ launching (attempt n+1)   ─CANCEL→ stopped (cancelled)
 */
import { and, assign, setup } from 'xstate';
import {
  cancelWithoutTask,
  endAttemptByIntent,
  endAttemptByMissingTask,
  endAttemptByStop,
  endAttemptBySubmitFailure,
  finish,
  initialContext,
  isCurrentObservation,
  isStoppedObservation,
  markRunning,
  recordObservation,
  requestStop,
  startAttempt,
  submitted,
  taskDefinitionResolved,
  taskDefinitionStale,
  waiting,
} from './run-logic.js';
import { finalizeAction, runTaskAction, scheduleRetryAction, stopTaskAction } from './run-actions.js';
import { currentAttempt } from './run-status-ops.js';
import type { LifecycleAction, LifecycleContext, LifecycleEvent, LifecycleInput } from './run-types.js';

type Ev<T extends LifecycleEvent['type']> = Extract<LifecycleEvent, { type: T }>;
type Args = { context: LifecycleContext; event: LifecycleEvent };

function observation(event: LifecycleEvent): Ev<'TASK_OBSERVED'> | undefined {
  return event.type === 'TASK_OBSERVED' ? event : undefined;
}

export const runLifecycleMachine = setup({
  types: {
    context: {} as LifecycleContext,
    events: {} as LifecycleEvent,
    input: {} as LifecycleInput,
  },
  actions: {
    /** Asks the reconciler to perform a side effect; intentionally empty, the work happens outside. */
    request: (_args, _action: LifecycleAction) => undefined,
    endByStop: assign(({ context, event }: Args) => {
      const obs = observation(event);
      return obs ? endAttemptByStop(context, obs, obs.now).context : context;
    }),
    endByMissingTask: assign(({ context, event }: Args) => endAttemptByMissingTask(context, event.now).context),
    endByIntent: assign(({ context, event }: Args) => endAttemptByIntent(context, observation(event), event.now).context),
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
    taskStopped: ({ event }: Args) => {
      const obs = observation(event);
      return obs !== undefined && isStoppedObservation(obs);
    },
    taskRunning: ({ event }: Args) => observation(event)?.lastStatus === 'RUNNING',
    stopRetries: ({ context, event }: Args) => {
      const obs = observation(event);
      return obs !== undefined && endAttemptByStop(context, obs, obs.now).retry;
    },
    missingRetries: ({ context, event }: Args) => endAttemptByMissingTask(context, event.now).retry,
    intentRetries: ({ context, event }: Args) => endAttemptByIntent(context, observation(event), event.now).retry,
    submitFailureRetries: ({ context, event }: Args) =>
      event.type === 'SUBMIT_FAILED' &&
      endAttemptBySubmitFailure(context, event.reason, event.reason, event.retryable, event.now).retry,
    taskNotYetKnown: ({ context }: Args) => currentAttempt(context.status)?.taskArn === undefined,
    notCancelling: ({ context }: Args) => context.stopIntent !== 'cancel',
    notFinalized: ({ context }: Args) => context.finalized !== true,
    backoffElapsed: ({ context, event }: Args) =>
      context.retryAt === undefined || Date.parse(event.now) >= Date.parse(context.retryAt),
  },
}).createMachine({
  id: 'run-lifecycle',
  context: ({ input }) => initialContext(input),
  initial: 'pending',
  states: {
    pending: {
      entry: { type: 'request', params: { type: 'resolveTaskDefinition' } },
      on: {
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
      },
    },
    launching: {
      entry: { type: 'request', params: ({ context }) => runTaskAction(context) },
      on: {
        SUBMITTED: {
          target: 'submitted',
          actions: assign(({ context, event }) => submitted(context, event.taskArn, event.clusterArn, event.now)),
        },
        TASKDEF_STALE: {
          target: 'pending',
          actions: assign(({ context, event }) => taskDefinitionStale(context, event.message, event.now)),
        },
        SUBMIT_FAILED: [
          {
            guard: 'submitFailureRetries',
            target: 'backoff',
            actions: assign(({ context, event }) => submitFailure(context, event)),
          },
          { target: 'stopped', actions: assign(({ context, event }) => submitFailure(context, event)) },
        ],
        // RunTask may have happened without being recorded: stop whatever this attempt launched.
        CANCEL_REQUESTED: { target: 'stopping', actions: 'requestCancel' },
        WAITING: { actions: 'recordWaiting' },
      },
    },
    submitted: {
      on: {
        TASK_OBSERVED: [
          { guard: and(['isCurrentTask', 'taskStopped', 'stopRetries']), target: 'backoff', actions: 'endByStop' },
          { guard: and(['isCurrentTask', 'taskStopped']), target: 'stopped', actions: 'endByStop' },
          {
            guard: and(['isCurrentTask', 'taskRunning']),
            target: 'running',
            actions: assign(({ context, event }) => markRunning(context, event, event.now)),
          },
          { guard: 'isCurrentTask', actions: 'recordObservation' },
        ],
        TASK_MISSING: [
          { guard: and(['isCurrentTask', 'missingRetries']), target: 'backoff', actions: 'endByMissingTask' },
          { guard: 'isCurrentTask', target: 'stopped', actions: 'endByMissingTask' },
        ],
        START_TIMEOUT: { target: 'stopping', actions: assign(({ context, event }) => requestStop(context, 'start-timeout', event.now)) },
        CANCEL_REQUESTED: { target: 'stopping', actions: 'requestCancel' },
      },
    },
    running: {
      on: {
        TASK_OBSERVED: [
          { guard: and(['isCurrentTask', 'taskStopped', 'stopRetries']), target: 'backoff', actions: 'endByStop' },
          { guard: and(['isCurrentTask', 'taskStopped']), target: 'stopped', actions: 'endByStop' },
          { guard: 'isCurrentTask', actions: 'recordObservation' },
        ],
        TASK_MISSING: [
          { guard: and(['isCurrentTask', 'missingRetries']), target: 'backoff', actions: 'endByMissingTask' },
          { guard: 'isCurrentTask', target: 'stopped', actions: 'endByMissingTask' },
        ],
        RUN_TIMEOUT: { target: 'stopping', actions: assign(({ context, event }) => requestStop(context, 'run-timeout', event.now)) },
        CANCEL_REQUESTED: { target: 'stopping', actions: 'requestCancel' },
      },
    },
    stopping: {
      entry: { type: 'request', params: ({ context }) => stopTaskAction(context) },
      on: {
        SUBMITTED: {
          guard: 'taskNotYetKnown',
          actions: [
            assign(({ context, event }) => submitted(context, event.taskArn, event.clusterArn, event.now)),
            { type: 'request', params: ({ context }) => stopTaskAction(context) },
          ],
        },
        TASK_OBSERVED: [
          { guard: and(['isCurrentTask', 'taskStopped', 'intentRetries']), target: 'backoff', actions: 'endByIntent' },
          { guard: and(['isCurrentTask', 'taskStopped']), target: 'stopped', actions: 'endByIntent' },
          { guard: 'isCurrentTask', actions: 'recordObservation' },
        ],
        TASK_MISSING: [
          { guard: and(['isCurrentTask', 'intentRetries']), target: 'backoff', actions: 'endByIntent' },
          { guard: 'isCurrentTask', target: 'stopped', actions: 'endByIntent' },
        ],
        // A user's cancel overrides a timeout already being enforced (the outcome becomes cancelled).
        CANCEL_REQUESTED: {
          guard: 'notCancelling',
          actions: [
            'requestCancel',
            { type: 'request', params: ({ context }) => stopTaskAction(context) },
          ],
        },
      },
    },
    backoff: {
      entry: { type: 'request', params: ({ context, event }) => scheduleRetryAction(context, event.now) },
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
      entry: { type: 'request', params: ({ context }) => finalizeAction(context) },
      on: {
        FINALIZED: { guard: 'notFinalized', actions: assign({ finalized: true }) },
      },
    },
  },
});

function submitFailure(context: LifecycleContext, event: Ev<'SUBMIT_FAILED'>): LifecycleContext {
  return endAttemptBySubmitFailure(context, event.reason, event.message, event.retryable, event.now).context;
}
