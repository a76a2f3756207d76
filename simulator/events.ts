/**
 * ECS task state change events as EventBridge delivers them to an SQS target (docs/ecs-facts.md#events): the
 * envelope, the task in `detail` with ISO timestamps, and at-least-once delivery with optional injected
 * duplicates (same id, same detail.version) and reordering (some events delayed past later ones).
 */
import type { SqsQueues } from './sqs/queues.js';

/** The ECS task as DescribeTasks returns it on the wire (JSON, timestamps as epoch seconds). */
export type EcsTaskWire = Record<string, unknown>;

export interface TaskStateChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'ECS Task State Change';
  source: 'aws.ecs';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface EventContext {
  region: string;
  accountId: string;
  id: string;
  /** The envelope time, EventBridge style: ISO 8601 to the second ("2020-01-23T17:57:58Z"). */
  time: string;
  /** detail.updatedAt when the task carries none; ISO with milliseconds. Defaults to `time`. */
  updatedAt?: string;
}

/** Task members that DescribeTasks sends as epoch seconds and the event sends as ISO strings. */
const TIMESTAMP_MEMBERS = [
  'connectivityAt', 'createdAt', 'executionStoppedAt', 'pullStartedAt', 'pullStoppedAt',
  'startedAt', 'stoppedAt', 'stoppingAt', 'updatedAt',
] as const;

function epochSecondsToIso(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString();
}

/** Pure: the EventBridge "ECS Task State Change" envelope for a task snapshot (ISO timestamps in detail). */
export function taskStateChangeEvent(task: EcsTaskWire, ctx: EventContext): TaskStateChangeEvent {
  const detail: Record<string, unknown> = structuredClone(task);
  for (const member of TIMESTAMP_MEMBERS) {
    const value = detail[member];
    if (typeof value === 'number') detail[member] = epochSecondsToIso(value);
  }
  if (detail.updatedAt === undefined) detail.updatedAt = ctx.updatedAt ?? ctx.time;
  const taskArn = typeof task.taskArn === 'string' ? task.taskArn : '';
  return {
    version: '0',
    id: ctx.id,
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: ctx.accountId,
    time: ctx.time,
    region: ctx.region,
    resources: [taskArn],
    detail,
  };
}

export interface EventPublisherOptions {
  queues: SqsQueues;
  /** The queues of the task's account and Region, when events go there (scenario events.delivery); else `queues`. */
  queuesFor?: (account: string, region: string) => SqsQueues;
  queueName: string;
  region: string;
  accountId: string;
  /** Seeded, so a run's duplicates, delays and event ids repeat. */
  random: () => number;
  /** 0..1: share of events delivered twice. */
  duplicateRate: number;
  /** 0..1: share of deliveries delayed so that later events can overtake them. */
  reorderRate: number;
  maxReorderDelayMs: number;
  now: () => number;
}

/** A delivery decision, drawn from the seeded generator in a fixed order per event. */
interface DeliveryPlan {
  id: string;
  delayMs: number;
  duplicateDelayMs: number | undefined;
}

export class TaskEventPublisher {
  constructor(private readonly options: EventPublisherOptions) {}

  publish(task: EcsTaskWire): void {
    const plan = this.plan();
    const nowMs = this.options.now();
    // EventBridge sends an event from the account and Region the task lives in (both in its ARN).
    const [, , , arnRegion, arnAccount] = typeof task.taskArn === 'string' ? task.taskArn.split(':') : [];
    const event = taskStateChangeEvent(task, {
      region: arnRegion || this.options.region,
      accountId: arnAccount || this.options.accountId,
      id: plan.id,
      time: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      updatedAt: new Date(nowMs).toISOString(),
    });
    const body = JSON.stringify(event);
    const queues = this.options.queuesFor?.(event.account, event.region) ?? this.options.queues;
    queues.send(this.options.queueName, body, plan.delayMs);
    if (plan.duplicateDelayMs !== undefined) queues.send(this.options.queueName, body, plan.duplicateDelayMs);
  }

  /** Always draws the same number of values per event so one event's fate never shifts another's. */
  private plan(): DeliveryPlan {
    const { random, reorderRate, duplicateRate, maxReorderDelayMs } = this.options;
    const id = uuidFrom(random);
    const reordered = random() < reorderRate;
    const delay = random();
    const duplicated = random() < duplicateRate;
    const duplicateReordered = random() < reorderRate;
    const duplicateDelay = random();
    const delayFor = (isReordered: boolean, draw: number): number =>
      isReordered && maxReorderDelayMs > 0 ? Math.max(1, Math.round(draw * maxReorderDelayMs)) : 0;
    return {
      id,
      delayMs: delayFor(reordered, delay),
      duplicateDelayMs: duplicated ? delayFor(duplicateReordered, duplicateDelay) : undefined,
    };
  }
}

/** A version-4 UUID from the seeded generator (EventBridge event ids are UUIDs). */
function uuidFrom(random: () => number): string {
  let hex = '';
  for (let index = 0; index < 4; index += 1) hex += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
