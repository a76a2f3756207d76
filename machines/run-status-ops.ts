/**
 * Small pure operations on RunStatus: conditions with Kubernetes semantics (lastTransitionTime moves only
 * when the status changes), and the current attempt.
 */
import type { Attempt, Condition, RunStatus } from '../controller/api/run-status.js';

export const CONDITION = {
  taskDefinitionResolved: 'TaskDefinitionResolved',
  submitted: 'Submitted',
  running: 'Running',
  stopped: 'Stopped',
  cancelRequested: 'CancelRequested',
} as const;

export interface ConditionChange {
  type: string;
  status: Condition['status'];
  reason?: string;
  message?: string;
}

export function setCondition(conditions: readonly Condition[], change: ConditionChange, now: string): Condition[] {
  const existing = conditions.find((c) => c.type === change.type);
  const lastTransitionTime = existing && existing.status === change.status ? existing.lastTransitionTime : now;
  const next: Condition = { type: change.type, status: change.status, lastTransitionTime };
  if (change.reason !== undefined) next.reason = change.reason;
  if (change.message !== undefined) next.message = change.message;
  if (!existing) return [...conditions, next];
  return conditions.map((c) => (c.type === change.type ? next : c));
}

export function setConditions(status: RunStatus, changes: readonly ConditionChange[], now: string): RunStatus {
  let conditions = status.conditions;
  for (const change of changes) conditions = setCondition(conditions, change, now);
  return { ...status, conditions };
}

export function findCondition(status: RunStatus, type: string): Condition | undefined {
  return status.conditions.find((c) => c.type === type);
}

/** Transition time (ms) of a condition currently True, or undefined. */
export function trueSince(status: RunStatus, type: string): number | undefined {
  const condition = findCondition(status, type);
  return condition?.status === 'True' ? Date.parse(condition.lastTransitionTime) : undefined;
}

export function currentAttempt(status: RunStatus): Attempt | undefined {
  return status.attempts[status.attempts.length - 1];
}

export function patchCurrentAttempt(status: RunStatus, patch: Partial<Attempt>): RunStatus {
  const last = currentAttempt(status);
  if (!last) return status;
  const merged: Attempt = { ...last };
  for (const [key, value] of Object.entries(patch) as [keyof Attempt, Attempt[keyof Attempt]][]) {
    if (value !== undefined) Object.assign(merged, { [key]: value });
  }
  return { ...status, attempts: [...status.attempts.slice(0, -1), merged] };
}

export function formatDelay(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? `${seconds}s` : `${seconds.toFixed(1)}s`;
}
