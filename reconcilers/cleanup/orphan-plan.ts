/**
 * Orphaned tasks (design step 8), decided purely. A task is ours when its startedBy parses as Longshore's
 * for this namespace (launch/identity.ts); tasks of anyone else, including other Longshore namespaces, are
 * never touched. One of ours is an orphan when its run does not exist, is stopped, or has moved on to a
 * different task; it is adopted instead when its run is still going and its current attempt has no task
 * recorded (a launch whose result was never written). The lifecycle has the last word on adoption: it
 * accepts the task as that attempt's SUBMITTED only where that is legal; otherwise the task is stopped.
 */
import type { RunRecord } from '../../controller/api/run.js';
import { namespaceTag, parseStartedBy, type ParsedStartedBy } from '../launch/identity.js';

/** The task fields the sweep needs (a subset of DescribeTasks' Task). */
export interface SweptTask {
  taskArn: string;
  clusterArn?: string;
  startedBy?: string;
  desiredStatus?: string;
  lastStatus?: string;
  createdAt?: Date;
}

/**
 * lastStatus values from which a task only goes on to STOPPED (the documented order is PROVISIONING →
 * PENDING → ACTIVATING → RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED → DELETED, "Amazon
 * ECS task lifecycle", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html).
 * A task listed as RUNNING can reach these before DescribeTasks reads it; StopTask would change nothing.
 */
const STOPPING_OR_STOPPED = new Set(['DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED', 'DELETED']);

/** A task made for a run with this name can not predate the run by more than clock skew. */
export const CREATED_BEFORE_RUN_TOLERANCE_MS = 60_000;

export const ORPHAN_STOP_CAUSES = ['run-missing', 'run-stopped', 'other-task', 'not-adoptable'] as const;
export type OrphanStopCause = (typeof ORPHAN_STOP_CAUSES)[number];

export type OrphanDecision =
  | { kind: 'ignore'; why: string }
  | { kind: 'owned'; run: string }
  | { kind: 'adopt'; run: string; attempt: number }
  | { kind: 'stop'; run: string; cause: OrphanStopCause; reason: string };

/** The run a task of this namespace names, or null when the task is not ours. */
export function ownerOf(task: Pick<SweptTask, 'startedBy'>, namespace: string): ParsedStartedBy | null {
  const parsed = parseStartedBy(task.startedBy);
  return parsed && parsed.namespaceTag === namespaceTag(namespace) ? parsed : null;
}

/** StopTask's reason, at most 255 characters. */
export function orphanStopReason(run: string, why: string): string {
  return `Longshore: orphaned task (run ${run} ${why})`.slice(0, 255);
}

/**
 * What to do with one of our tasks, given its run's name and the run as stored now (null: it does not exist).
 * Only tasks still meant to run are considered: one ECS is already stopping (desiredStatus STOPPED) or that
 * has already begun stopping or stopped (lastStatus DEACTIVATING or later) is left alone — no StopTask.
 */
export function planOrphan(task: SweptTask, runName: string, run: RunRecord | null): OrphanDecision {
  if (task.desiredStatus !== undefined && task.desiredStatus !== 'RUNNING') return { kind: 'ignore', why: `desired status ${task.desiredStatus}` };
  if (task.lastStatus !== undefined && STOPPING_OR_STOPPED.has(task.lastStatus)) return { kind: 'ignore', why: `last status ${task.lastStatus}` };
  const stop = (cause: OrphanStopCause, why: string): OrphanDecision => ({ kind: 'stop', run: runName, cause, reason: orphanStopReason(runName, why) });
  if (!run) return stop('run-missing', 'does not exist');
  if (run.status.phase === 'stopped') return stop('run-stopped', `is stopped${run.status.outcome ? ` (${run.status.outcome})` : ''}`);
  const attempts = run.status.attempts;
  const current = attempts.at(-1);
  if (current?.taskArn === task.taskArn) return { kind: 'owned', run: runName };
  if (attempts.some((a) => a.taskArn === task.taskArn)) return stop('other-task', `ended this task's attempt; attempt ${current?.number ?? '?'} is current`);
  if (current?.taskArn) return stop('other-task', `attempt ${current.number} runs task ${current.taskArn}`);
  const createdAt = task.createdAt?.getTime();
  const runCreatedAt = Date.parse(run.metadata.creationTimestamp);
  if (createdAt !== undefined && createdAt < runCreatedAt - CREATED_BEFORE_RUN_TOLERANCE_MS) {
    return stop('run-missing', `was re-created after this task started`);
  }
  if (!current) return stop('not-adoptable', `has no attempt to adopt it (${run.status.phase})`);
  return { kind: 'adopt', run: runName, attempt: current.number };
}
