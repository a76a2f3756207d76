/**
 * Which task-event queues the controller reads, and with which AWS target, pure (event-supervisor.ts starts
 * and stops the consumers). EventBridge sends an account-region's ECS events only to targets of a rule in
 * that account-region, so an installation either routes every account-region's events to the home queue
 * (LONGSHORE_TASK_EVENTS_QUEUE_URL) or gives pools queues of their own (spec.taskEventsQueueUrl), each in
 * the pool's account and Region and read with the pool's clients: its Region and role. One consumer per
 * distinct (queue URL, target): pools sharing a queue share its consumer.
 */
import { targetKey, targetOfPool, type AwsTarget } from '../../controller/aws/target.js';

export interface EventSource {
  /** Identity of the consumer: queue URL and target key. */
  key: string;
  queueUrl: string;
  /** undefined: the controller's own Region and credentials (the home queue). */
  target: AwsTarget | undefined;
  /** The pools whose spec names this queue (empty for the home queue alone), for logs. */
  pools: string[];
}

export interface PoolQueueSpec {
  taskEventsQueueUrl?: string | undefined;
  region?: string | undefined;
  roleArn?: string | undefined;
  externalId?: string | undefined;
}

export interface WantedEventSources {
  sources: EventSource[];
  /** Pools whose queue cannot be read (admission refuses such URLs; a stored one may predate it). */
  skipped: Array<{ pool: string; reason: string }>;
}

export function sourceKey(queueUrl: string, target: AwsTarget | undefined, homeRegion: string | undefined): string {
  return JSON.stringify([queueUrl, targetKey(target, homeRegion)]);
}

/** The consumers wanted: the home queue's (if configured) first, then each pool queue's, once per key. */
export function wantedEventSources(
  homeQueueUrl: string | undefined,
  pools: ReadonlyArray<{ name: string; spec: PoolQueueSpec }>,
  homeRegion: string | undefined,
): WantedEventSources {
  const sources = new Map<string, EventSource>();
  const skipped: WantedEventSources['skipped'] = [];
  if (homeQueueUrl !== undefined) sources.set(sourceKey(homeQueueUrl, undefined, homeRegion), { key: sourceKey(homeQueueUrl, undefined, homeRegion), queueUrl: homeQueueUrl, target: undefined, pools: [] });
  for (const { name, spec } of pools) {
    const queueUrl = spec.taskEventsQueueUrl;
    if (queueUrl === undefined) continue;
    if (!/^https?:\/\//.test(queueUrl) || !URL.canParse(queueUrl)) {
      skipped.push({ pool: name, reason: 'taskEventsQueueUrl is not an http(s) URL' });
      continue;
    }
    const target = targetOfPool(spec);
    const key = sourceKey(queueUrl, target, homeRegion);
    const existing = sources.get(key);
    if (existing !== undefined) existing.pools.push(name);
    else sources.set(key, { key, queueUrl, target, pools: [name] });
  }
  return { sources: [...sources.values()], skipped };
}

/** What to start (wanted, not running) and what to stop (running, no longer wanted). */
export function diffEventSources(running: Iterable<string>, wanted: readonly EventSource[]): { start: EventSource[]; stop: string[] } {
  const runningKeys = new Set(running);
  const wantedKeys = new Set(wanted.map((source) => source.key));
  return {
    start: wanted.filter((source) => !runningKeys.has(source.key)),
    stop: [...runningKeys].filter((key) => !wantedKeys.has(key)),
  };
}
