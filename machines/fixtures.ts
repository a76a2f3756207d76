/**
 * Builders for lifecycle tests (machine, planner, reconciler): a run in any state with one call, events
 * with sensible defaults, and a fixed clock. Tests state only what matters to them.
 */
import { startLifecycle, step, type RunSnapshot } from './run-lifecycle.js';
import type { LifecycleAction, LifecycleEvent, LifecycleInput, TaskObservation } from './run-types.js';

export const EPOCH_MS = Date.parse('2026-01-01T00:00:00.000Z');

/** ISO time `seconds` after the fixture epoch. */
export function at(seconds: number): string {
  return new Date(EPOCH_MS + seconds * 1000).toISOString();
}

export const TASK_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/default/task-1';
export const CLUSTER_ARN = 'arn:aws:ecs:us-east-1:123456789012:cluster/default';
export const TASKDEF_ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/longshore_pool_x:1';

export function taskArnFor(attempt: number): string {
  return attempt === 1 ? TASK_ARN : `${TASK_ARN}-attempt-${attempt}`;
}

export function newRun(input: Partial<LifecycleInput> = {}): RunSnapshot {
  return startLifecycle({ runUid: 'run-uid-1', now: at(0), ...input }).snapshot;
}

export interface Driven {
  snapshot: RunSnapshot;
  actions: LifecycleAction[];
}

/** Applies events in order; throws when one is rejected, so a test's setup cannot silently go wrong. */
export function drive(snapshot: RunSnapshot, ...events: LifecycleEvent[]): Driven {
  let current = snapshot;
  const actions: LifecycleAction[] = [];
  for (const event of events) {
    const result = step(current, event);
    if (!result.ok) throw new Error(`fixture event rejected: ${result.reason}`);
    current = result.snapshot;
    actions.push(...result.actions);
  }
  return { snapshot: current, actions };
}

export function resolved(now = at(1)): LifecycleEvent {
  return { type: 'TASKDEF_RESOLVED', taskDefinitionArn: TASKDEF_ARN, now };
}

export function submittedEvent(attempt = 1, now = at(2)): LifecycleEvent {
  return { type: 'SUBMITTED', taskArn: taskArnFor(attempt), clusterArn: CLUSTER_ARN, now };
}

export function observed(fields: Partial<TaskObservation> & { now?: string; attempt?: number } = {}): LifecycleEvent {
  const { now = at(10), attempt = 1, ...rest } = fields;
  return { type: 'TASK_OBSERVED', source: 'describe', taskArn: taskArnFor(attempt), lastStatus: 'RUNNING', desiredStatus: 'RUNNING', now, ...rest };
}

/** A STOPPED observation whose orchestration container exited with `exitCode` (null: no exit code). */
export function exited(exitCode: number | null, fields: Partial<TaskObservation> & { now?: string; attempt?: number } = {}): LifecycleEvent {
  return observed({
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [{ name: 'flow', exitCode, lastStatus: 'STOPPED' }],
    now: at(20),
    ...fields,
  });
}

export function spotInterrupted(fields: Partial<TaskObservation> & { now?: string; attempt?: number } = {}): LifecycleEvent {
  return observed({
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'SpotInterruption',
    stoppedReason: 'Your Spot Task was interrupted.',
    containers: [{ name: 'flow', exitCode: 143 }],
    now: at(20),
    ...fields,
  });
}

export type BuildableState = 'pending' | 'launching' | 'submitted' | 'running';

/** A run brought to `state` through the legal path. */
export function runIn(state: BuildableState, input: Partial<LifecycleInput> = {}): RunSnapshot {
  const run = newRun(input);
  const path: Record<BuildableState, LifecycleEvent[]> = {
    pending: [],
    launching: [resolved()],
    submitted: [resolved(), submittedEvent()],
    running: [resolved(), submittedEvent(), observed({ now: at(5), startedAt: at(5), version: 3 })],
  };
  return drive(run, ...path[state]).snapshot;
}
