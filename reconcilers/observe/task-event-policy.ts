/**
 * What an SQS message claiming to be an EventBridge "ECS Task State Change" event may do, pure. Anyone who
 * can send to the queue can write such a message, so an event is a hint, never the authority:
 * - its envelope must say ECS sent it (`source` aws.ecs), and its `account`, `region` and
 *   `detail.clusterArn` must be those of the attempt that owns `detail.taskArn` as the store recorded it from
 *   RunTask (the task ARN names the region and account it was launched in);
 * - an event about the current attempt's task may report progress (the lifecycle takes it as source
 *   `event`: it can move a run to running but never ends an attempt, see machines/run-types.ts);
 * - an event saying STOPPED only asks for a DescribeTasks of that task soon (a confirmation), whose answer
 *   ends the attempt.
 * docs/ecs-facts.md "Events" has the format with its sources.
 */
import { z } from 'zod';
import type { Attempt } from '../../controller/api/run-status.js';
import type { RunRecord } from '../../controller/api/run.js';
import { isStoppedObservation } from '../../machines/run-logic.js';
import type { TaskObservation } from '../../machines/run-types.js';

/** What became of one message; the bounded `result` label of longshore_task_events_total. */
export const TASK_EVENT_RESULTS = [
  /** Fed into its run's lifecycle and changed it. */
  'applied',
  /** About the current task, but nothing new (the same version again). */
  'duplicate',
  /** Older than what the run knows, about an earlier attempt's task, or the run has stopped. */
  'stale',
  /** Not from ECS for this task: source, account, region or cluster differ from the attempt's. */
  'foreign',
  /** No run of this installation owns the task. */
  'unknown-task',
  /** Not an ECS Task State Change event. */
  'malformed',
  /** Said STOPPED: the task was put up for a DescribeTasks confirmation. */
  'confirm-requested',
] as const;
export type TaskEventResult = (typeof TASK_EVENT_RESULTS)[number];

export const ECS_EVENT_SOURCE = 'aws.ecs';

/** The envelope fields that say where an event comes from. */
export interface TaskEventOrigin {
  source: string;
  account: string;
  region: string;
  clusterArn: string;
}

export interface TaskStateChange {
  origin: TaskEventOrigin;
  observation: TaskObservation;
}

const Container = z.looseObject({
  name: z.string().optional(),
  exitCode: z.number().int().nullable().optional(),
  reason: z.string().optional(),
  lastStatus: z.string().optional(),
});
const Detail = z.looseObject({
  taskArn: z.string().min(1),
  clusterArn: z.string().min(1),
  lastStatus: z.string().min(1),
  desiredStatus: z.string().optional(),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  createdAt: z.string().optional(),
  startedAt: z.string().optional(),
  stoppedAt: z.string().optional(),
  version: z.number().int().optional(),
  containers: z.array(Container).optional(),
});
// Readers must ignore fields they do not know (ECS adds some): loose objects throughout.
const Envelope = z.looseObject({
  'detail-type': z.literal('ECS Task State Change'),
  source: z.string(),
  account: z.string(),
  region: z.string(),
  detail: Detail,
});

/** The event a message carries, or why the message is not one (the reason names fields, never values). */
export function parseTaskStateChange(body: string): TaskStateChange | { invalid: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { invalid: 'not JSON' };
  }
  const parsed = Envelope.safeParse(json);
  if (!parsed.success) return { invalid: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  const { source, account, region, detail: d } = parsed.data;
  const observation: TaskObservation = { source: 'event', taskArn: d.taskArn, lastStatus: d.lastStatus };
  if (d.desiredStatus !== undefined) observation.desiredStatus = d.desiredStatus;
  if (d.stopCode !== undefined) observation.stopCode = d.stopCode;
  if (d.stoppedReason !== undefined) observation.stoppedReason = d.stoppedReason;
  if (d.createdAt !== undefined) observation.createdAt = d.createdAt;
  if (d.startedAt !== undefined) observation.startedAt = d.startedAt;
  if (d.stoppedAt !== undefined) observation.stoppedAt = d.stoppedAt;
  if (d.version !== undefined) observation.version = d.version;
  if (d.containers !== undefined) {
    observation.containers = d.containers.map((c) => {
      const out: NonNullable<TaskObservation['containers']>[number] = {};
      if (c.name !== undefined) out.name = c.name;
      if (c.exitCode !== undefined) out.exitCode = c.exitCode;
      if (c.reason !== undefined) out.reason = c.reason;
      if (c.lastStatus !== undefined) out.lastStatus = c.lastStatus;
      return out;
    });
  }
  return { origin: { source, account, region, clusterArn: d.clusterArn }, observation };
}

/** Region and account of an ECS ARN (`arn:<partition>:ecs:<region>:<account>:<resource>`), if it is one. */
export function arnScope(arn: string): { region: string; account: string } | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 'ecs' || !parts[3] || !parts[4]) return undefined;
  return { region: parts[3], account: parts[4] };
}

/** Why the event cannot be from ECS about this attempt's task, or undefined when everything matches. */
export function foreignReason(origin: TaskEventOrigin, attempt: Pick<Attempt, 'taskArn' | 'clusterArn'>): string | undefined {
  if (origin.source !== ECS_EVENT_SOURCE) return `source is not ${ECS_EVENT_SOURCE}`;
  if (attempt.clusterArn === undefined || origin.clusterArn !== attempt.clusterArn) return "detail.clusterArn is not the attempt's cluster";
  const scope = arnScope(attempt.taskArn ?? '');
  if (!scope) return "the attempt's task ARN names no region and account to compare with";
  if (origin.region !== scope.region) return "region is not the attempt's region";
  if (origin.account !== scope.account) return "account is not the attempt's account";
  return undefined;
}

export type TaskEventVerdict =
  | { kind: 'feed' }
  | { kind: 'confirm'; cluster: string }
  | { kind: 'drop'; result: Extract<TaskEventResult, 'stale' | 'foreign' | 'unknown-task'>; reason: string };

/** What to do with a well-formed event about a task the store maps to `record` (null: no run owns it). */
export function judgeTaskEvent(record: RunRecord | null, event: TaskStateChange): TaskEventVerdict {
  const taskArn = event.observation.taskArn;
  if (event.origin.source !== ECS_EVENT_SOURCE) return { kind: 'drop', result: 'foreign', reason: `source is not ${ECS_EVENT_SOURCE}` };
  const attempts = record?.status.attempts ?? [];
  const owner = attempts.find((a) => a.taskArn === taskArn);
  if (!record || !owner) return { kind: 'drop', result: 'unknown-task', reason: 'no run owns the task' };
  const foreign = foreignReason(event.origin, owner);
  if (foreign !== undefined) return { kind: 'drop', result: 'foreign', reason: foreign };
  if (record.status.phase === 'stopped') return { kind: 'drop', result: 'stale', reason: 'the run has stopped' };
  if (attempts.at(-1) !== owner) return { kind: 'drop', result: 'stale', reason: "the task is an earlier attempt's" };
  // A stopped task cannot run again, so a STOPPED event of any version is worth one look: confirm it.
  if (isStoppedObservation(event.observation)) return { kind: 'confirm', cluster: event.origin.clusterArn };
  return { kind: 'feed' };
}
