/**
 * The optional event source: EventBridge "ECS Task State Change" events delivered to an SQS queue, fed into
 * the runs' lifecycles the same way the resync feeds DescribeTasks (applyTaskReport). Delivery is
 * at-least-once and unordered; the lifecycle ignores what it already knows (same version: no change) and
 * refuses what is older (a lower task version), so duplicates and reordering are harmless. The resync
 * still runs: it catches whatever events miss.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { TaskObservation } from '../../machines/run-types.js';
import { applyTaskReport, type FeedDeps } from './feed.js';
import { equalJitterBackoffMs } from '../../controller/backoff.js';

export interface TaskEventMessage {
  id: string;
  receiptHandle: string;
  body: string;
}

export interface TaskEventSource {
  /** Up to maxMessages messages, long-polling up to waitSeconds. */
  receive(maxMessages: number, waitSeconds: number, signal?: AbortSignal): Promise<TaskEventMessage[]>;
  delete(receiptHandles: string[]): Promise<void>;
}

const Container = z.looseObject({
  name: z.string().optional(),
  exitCode: z.number().int().nullable().optional(),
  reason: z.string().optional(),
  lastStatus: z.string().optional(),
});
const Detail = z.looseObject({
  taskArn: z.string().min(1),
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
const Envelope = z.looseObject({ 'detail-type': z.literal('ECS Task State Change'), detail: Detail });

/** Pure: the observation an event carries, or why the message is not one. */
export function parseTaskStateChange(body: string): { observation: TaskObservation } | { invalid: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { invalid: 'not JSON' };
  }
  const parsed = Envelope.safeParse(json);
  if (!parsed.success) return { invalid: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  const d = parsed.data.detail;
  const observation: TaskObservation = { taskArn: d.taskArn, lastStatus: d.lastStatus };
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
  return { observation };
}

export interface TaskEventDeps extends FeedDeps {
  store: FeedDeps['store'] & { runNameForTask(taskArn: string): Promise<string | null> };
  wake(queue: 'reconcile-run', key: string): Promise<void>;
  onMalformed?(reason: string): void;
}

export interface TaskEventBatchResult {
  changed: string[];
  /** Events about tasks no run of this installation owns. */
  foreign: number;
  malformed: number;
}

/** Handles a batch; every handled message is deleted, one that failed (store trouble) is left for redelivery. */
export async function handleTaskEvents(deps: TaskEventDeps, source: TaskEventSource, messages: readonly TaskEventMessage[]): Promise<TaskEventBatchResult> {
  const result: TaskEventBatchResult = { changed: [], foreign: 0, malformed: 0 };
  const handled: string[] = [];
  try {
    for (const message of messages) {
      const parsed = parseTaskStateChange(message.body);
      if ('invalid' in parsed) {
        result.malformed += 1;
        deps.onMalformed?.(parsed.invalid);
        deps.logger?.warn({ messageId: message.id, reason: parsed.invalid }, 'malformed task event dropped');
      } else {
        const name = await deps.store.runNameForTask(parsed.observation.taskArn);
        if (!name) result.foreign += 1;
        else if ((await applyTaskReport(deps, name, { taskArn: parsed.observation.taskArn, observation: parsed.observation })) === 'changed') {
          result.changed.push(name);
        }
      }
      handled.push(message.receiptHandle);
    }
  } finally {
    if (handled.length > 0) await source.delete(handled);
  }
  for (const name of new Set(result.changed)) await deps.wake('reconcile-run', name);
  return result;
}

export interface TaskEventConsumerOptions extends TaskEventDeps {
  source: TaskEventSource;
  logger: Logger;
  /** SQS allows at most 10 per receive. */
  batchSize?: number;
  waitSeconds?: number;
  errorPauseMs?: number;
}

export interface RunningConsumer {
  /** Stops after the current batch (an in-flight long poll is aborted); resolves once the loop ended. */
  stop(): Promise<void>;
}

export function startTaskEventConsumer(options: TaskEventConsumerOptions): RunningConsumer {
  const abort = new AbortController();
  const batchSize = Math.min(options.batchSize ?? 10, 10);
  const waitSeconds = options.waitSeconds ?? 20;
  // Errors that persist (SQS down, a revoked permission) back off up to a minute, and are logged at the
  // 1st, 2nd, 4th, 8th … failure in a row rather than at every pause; the resync covers for the events meanwhile.
  const errorBackoff = { baseMs: options.errorPauseMs ?? 1000, factor: 2, capMs: Math.max(options.errorPauseMs ?? 1000, 60_000) };
  const loop = (async () => {
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        const messages = await options.source.receive(batchSize, waitSeconds, abort.signal);
        if (failures > 0) options.logger.warn({ failures }, 'task events received again');
        failures = 0;
        if (messages.length > 0) await handleTaskEvents(options, options.source, messages);
      } catch (error) {
        if (abort.signal.aborted) break;
        failures += 1;
        const pauseMs = equalJitterBackoffMs(errorBackoff, failures, Math.random);
        if ((failures & (failures - 1)) === 0) options.logger.warn({ err: error, failures, pauseMs }, 'task event batch failed; pausing');
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
  })();
  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}

/** TaskEventSource over an SQS queue (the controller's SQS client; its endpoint may be the simulator). */
export function sqsTaskEventSource(client: SQSClient, queueUrl: string): TaskEventSource {
  return {
    async receive(maxMessages, waitSeconds, signal) {
      const out = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: maxMessages, WaitTimeSeconds: waitSeconds }),
        signal ? { abortSignal: signal } : {},
      );
      return (out.Messages ?? [])
        .filter((m) => m.ReceiptHandle !== undefined)
        .map((m) => ({ id: m.MessageId ?? '', receiptHandle: m.ReceiptHandle ?? '', body: m.Body ?? '' }));
    },
    async delete(receiptHandles) {
      for (let i = 0; i < receiptHandles.length; i += 10) {
        const entries = receiptHandles.slice(i, i + 10).map((handle, index) => ({ Id: String(index), ReceiptHandle: handle }));
        await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      }
    },
  };
}
