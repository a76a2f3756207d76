/**
 * The lifecycle's public face for reconcilers: start a run's lifecycle, step it with one observation at a
 * time (illegal events are rejected without change, for the caller to count), persist it as JSON in the run
 * record and restore it, read the RunStatus it maintains, and ask what the current state still needs done
 * (standing actions) and when it next needs attention (deadlines).
 */
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import type { Phase, RunStatus } from '../controller/api/run-status.js';
import { runLifecycleMachine } from './run-machine.js';
import { CONDITION, currentAttempt, trueSince } from './run-status-ops.js';
import {
  LifecycleContext,
  STATE_NAMES,
  type LifecycleAction,
  type LifecycleEvent,
  type LifecycleInput,
  type LifecycleStateName,
} from './run-types.js';

export type RunSnapshot = SnapshotFrom<typeof runLifecycleMachine>;

export type StepResult =
  | {
      ok: true; snapshot: RunSnapshot; actions: LifecycleAction[]; from: LifecycleStateName; to: LifecycleStateName;
      /** The run's phase before and after (equal when the step stayed within one phase). */
      phase: { from: Phase; to: Phase };
    }
  | { ok: false; reason: string };

/** What the run record's `lifecycle` field holds. */
export interface PersistedLifecycle {
  machine: 'run-lifecycle';
  version: 1;
  state: LifecycleStateName;
  context: LifecycleContext;
}

export class LifecycleRestoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LifecycleRestoreError';
  }
}

export function startLifecycle(input: LifecycleInput): { snapshot: RunSnapshot; actions: LifecycleAction[] } {
  const [snapshot, executable] = initialTransition(runLifecycleMachine, input);
  return { snapshot, actions: requestedActions(executable) };
}

export function stateOf(snapshot: RunSnapshot): LifecycleStateName {
  const value = snapshot.value;
  if (typeof value === 'string' && isStateName(value)) return value;
  throw new LifecycleRestoreError(`unexpected lifecycle state ${JSON.stringify(value)}`);
}

export function step(snapshot: RunSnapshot, event: LifecycleEvent): StepResult {
  const from = stateOf(snapshot);
  if (Number.isNaN(Date.parse(event.now))) return { ok: false, reason: `${event.type}: now ${JSON.stringify(event.now)} is not a timestamp` };
  if (!snapshot.can(event)) return { ok: false, reason: rejectionReason(snapshot, event) };
  const [next, executable] = transition(runLifecycleMachine, snapshot, event);
  const phase = { from: snapshot.context.status.phase, to: next.context.status.phase };
  return { ok: true, snapshot: next, actions: requestedActions(executable), from, to: stateOf(next), phase };
}

export function toRunStatus(snapshot: RunSnapshot): RunStatus {
  return snapshot.context.status;
}

export function persistLifecycle(snapshot: RunSnapshot): PersistedLifecycle {
  return { machine: 'run-lifecycle', version: 1, state: stateOf(snapshot), context: snapshot.context };
}

export function restoreLifecycle(persisted: unknown): RunSnapshot {
  if (typeof persisted !== 'object' || persisted === null) throw new LifecycleRestoreError('lifecycle is not an object');
  const record = persisted as Record<string, unknown>;
  if (record.machine !== 'run-lifecycle' || record.version !== 1) {
    throw new LifecycleRestoreError(`unknown lifecycle format ${JSON.stringify({ machine: record.machine, version: record.version })}`);
  }
  if (typeof record.state !== 'string' || !isStateName(record.state)) {
    throw new LifecycleRestoreError(`unknown lifecycle state ${JSON.stringify(record.state)}`);
  }
  const context = LifecycleContext.safeParse(record.context);
  if (!context.success) throw new LifecycleRestoreError(`invalid lifecycle context: ${context.error.message}`, { cause: context.error });
  return runLifecycleMachine.resolveState({ value: record.state, context: context.data });
}

/**
 * What the current state needs done regardless of which event led here: the work its definition declares
 * (run-machine.ts), the same the state requested on entry. A reconciler that crashed after persisting a
 * state but before acting finds its work again here (every action is idempotent: RunTask by clientToken,
 * StopTask by task ARN, task definitions by hash).
 */
export function standingActions(snapshot: RunSnapshot, now: string): LifecycleAction[] {
  return runLifecycleMachine.states[stateOf(snapshot)].meta?.work?.(snapshot.context, now) ?? [];
}

export interface Deadline {
  event: 'START_TIMEOUT' | 'RUN_TIMEOUT' | 'RETRY' | 'LAUNCH_TIMEOUT' | 'REGISTRATION_TIMEOUT';
  /** Epoch milliseconds. */
  at: number;
}

/** The time-driven event the run is waiting for, computed from condition transition times. */
export function nextDeadline(snapshot: RunSnapshot): Deadline | undefined {
  const { status, timeouts, retryAt } = snapshot.context;
  switch (stateOf(snapshot)) {
    case 'submitted': {
      const since = trueSince(status, CONDITION.submitted);
      return since === undefined ? undefined : { event: 'START_TIMEOUT', at: since + timeouts.startSeconds * 1000 };
    }
    case 'running': {
      const since = trueSince(status, CONDITION.running);
      if (since === undefined || timeouts.runSeconds === undefined) return undefined;
      return { event: 'RUN_TIMEOUT', at: since + timeouts.runSeconds * 1000 };
    }
    case 'launching': {
      // Counted from the first failed try, so runs waiting in our own pacing line are not timed out by it.
      const trouble = snapshot.context.launchTrouble;
      return trouble === undefined ? undefined : { event: 'LAUNCH_TIMEOUT', at: Date.parse(trouble.since) + timeouts.launchSeconds * 1000 };
    }
    case 'pending': {
      // Two clocks can run here, the earlier wins: the registration deadline, counted from when this run first
      // saw its registration failing (not from creation: a healthy registration waiting its turn in the
      // taskDefinitionModify budget is not trouble), and the wait before resolving a refused revision again.
      const trouble = snapshot.context.registrationTrouble;
      const deadlines: Deadline[] = [];
      if (trouble !== undefined) deadlines.push({ event: 'REGISTRATION_TIMEOUT', at: Date.parse(trouble.since) + timeouts.launchSeconds * 1000 });
      if (retryAt !== undefined) deadlines.push({ event: 'RETRY', at: Date.parse(retryAt) });
      return deadlines.sort((a, b) => a.at - b.at)[0];
    }
    case 'backoff':
      return retryAt === undefined ? undefined : { event: 'RETRY', at: Date.parse(retryAt) };
    default:
      return undefined;
  }
}

/** When a launching run may next send RunTask (epoch ms), if a failed try's backoff or the breaker holds it back. */
export function launchRetryAt(snapshot: RunSnapshot): number | undefined {
  const trouble = snapshot.context.launchTrouble;
  return stateOf(snapshot) === 'launching' && trouble !== undefined ? Date.parse(trouble.retryAt) : undefined;
}

/** When a stopping run may next send StopTask (epoch ms), if a failed try's backoff holds it back. */
export function stopRetryAt(snapshot: RunSnapshot): number | undefined {
  const trouble = snapshot.context.stopTrouble;
  return stateOf(snapshot) === 'stopping' && trouble !== undefined ? Date.parse(trouble.retryAt) : undefined;
}

/** Event types the state has transitions for (guards may still refuse a particular event). */
export function eventsAcceptedIn(state: LifecycleStateName): string[] {
  return Object.keys(runLifecycleMachine.states[state].on);
}

function isStateName(value: string): value is LifecycleStateName {
  return (STATE_NAMES as readonly string[]).includes(value);
}

function requestedActions(executable: readonly { type: string; params?: unknown }[]): LifecycleAction[] {
  return executable.filter((a) => a.type === 'request').flatMap((a) => a.params as LifecycleAction[]);
}

function rejectionReason(snapshot: RunSnapshot, event: LifecycleEvent): string {
  const state = stateOf(snapshot);
  const context = snapshot.context;
  if (state === 'stopped') {
    if (event.type === 'FINALIZED') return 'FINALIZED: the run was already finalized';
    return `${event.type}: the run is already stopped (${context.status.outcome ?? 'no outcome'})`;
  }
  if (!eventsAcceptedIn(state).includes(event.type)) return `${event.type} is not accepted in state ${state}`;
  const attempt = currentAttempt(context.status);
  if (event.type === 'TASK_OBSERVED' || event.type === 'TASK_MISSING') {
    if (event.taskArn !== attempt?.taskArn) {
      return `${event.type}: task ${event.taskArn ?? '(none)'} is not the current attempt's task ${attempt?.taskArn ?? '(none)'}`;
    }
    if (event.type === 'TASK_OBSERVED') {
      const known = event.source === 'describe' ? context.describedVersion : context.observedVersion;
      return `${event.type}: stale ${event.source} observation (version ${event.version ?? '?'} < ${known ?? '?'})`;
    }
  }
  if (event.type === 'RETRY') return `RETRY: backoff lasts until ${context.retryAt ?? '?'}`;
  if (event.type === 'CANCEL_REQUESTED') return 'CANCEL_REQUESTED: a cancel is already being carried out';
  if (event.type === 'SUBMITTED') return `SUBMITTED: attempt ${attempt?.number ?? '?'} already has task ${attempt?.taskArn ?? '?'}`;
  return `${event.type} is refused in state ${state}`;
}
