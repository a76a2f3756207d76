/**
 * The optional event source: EventBridge "ECS Task State Change" events delivered to an SQS queue. They are
 * hints (task-event-policy.ts): checked against the attempt the store recorded, fed into the lifecycle as
 * source `event` (progress only), and a STOPPED one puts its task up for a DescribeTasks confirmation that
 * the resync's `confirm:<cluster>` job performs soon, batched. Delivery is at least once and unordered; the
 * lifecycle ignores what it already knows (same version) and refuses older events, so duplicates and
 * reordering are harmless. The periodic resync still runs: it catches whatever events miss.
 */
// Types only: the SQS module is loaded on first use (sqsTaskEventSource). The command classes are named here
// too, so what the code sends stays readable from its imports (test/unit/iam-policy.test.ts reads them).
import type { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { RunRecord } from '../../controller/api/run.js';
import { applyTaskReport, type FeedDeps } from './feed.js';
import { equalJitterBackoffMs, isEscalation } from '../../controller/backoff.js';
import { CONFIRM_DELAY_MS, confirmKey } from './resync.js';
import {
  ECS_EVENT_SOURCE, TASK_EVENT_RESULTS, judgeTaskEvent, parseTaskStateChange, type TaskEventResult, type TaskStateChange,
} from './task-event-policy.js';

/** An account and Region as an event's envelope names them. */
export interface TaskEventScope {
  account: string;
  region: string;
}

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

export interface TaskEventDeps extends FeedDeps {
  store: FeedDeps['store'] & {
    runNameForTask(taskArn: string): Promise<string | null>;
    requestTaskConfirmation(clusterArn: string, taskArn: string): Promise<void>;
  };
  wake(queue: 'reconcile-run' | 'resync', key: string, options?: { delayMs?: number }): Promise<void>;
  /**
   * Every message's result (longshore_task_events_total{result}), with the account and Region its envelope
   * names when it parsed (checked against the task ARN when the result is one that proves events work).
   */
  onResult?(result: TaskEventResult, origin?: TaskEventScope): void;
}

export interface TaskEventBatchResult {
  /** Runs an event changed whose reconcile has something to do (woken; wake-policy.ts). */
  changed: string[];
  /** Runs an event changed, woken or not. */
  applied: string[];
  counts: Record<TaskEventResult, number>;
}

/** Results that mean a message was refused; logged at info with the reason (never the body). */
const REFUSED: ReadonlySet<TaskEventResult> = new Set(['malformed', 'foreign', 'stale']);

export function emptyCounts(): Record<TaskEventResult, number> {
  return Object.fromEntries(TASK_EVENT_RESULTS.map((r) => [r, 0])) as Record<TaskEventResult, number>;
}

/** Handles a batch; every handled message is deleted, one that failed (store trouble) is left for redelivery. */
export async function handleTaskEvents(deps: TaskEventDeps, source: TaskEventSource, messages: readonly TaskEventMessage[]): Promise<TaskEventBatchResult> {
  const result: TaskEventBatchResult = { changed: [], applied: [], counts: emptyCounts() };
  const handled: string[] = [];
  const toConfirm = new Set<string>();
  try {
    for (const message of messages) {
      const { result: outcome, reason, taskArn, run, quiet, origin } = await handleOne(deps, message, toConfirm);
      result.counts[outcome] += 1;
      if (outcome === 'applied' && run !== undefined) {
        result.applied.push(run);
        if (!quiet) result.changed.push(run);
      }
      deps.onResult?.(outcome, origin);
      const fields = { messageId: message.id, result: outcome, reason, taskArn, run };
      if (REFUSED.has(outcome)) deps.logger?.info(fields, 'task event refused');
      else deps.logger?.debug(fields, 'task event handled');
      handled.push(message.receiptHandle);
    }
  } finally {
    if (handled.length > 0) await source.delete(handled);
    // Delayed and deduplicated per cluster: the stop events of this moment share one DescribeTasks.
    for (const cluster of toConfirm) await deps.wake('resync', confirmKey(cluster), { delayMs: CONFIRM_DELAY_MS });
  }
  for (const name of new Set(result.changed)) await deps.wake('reconcile-run', name);
  return result;
}

interface MessageOutcome {
  result: TaskEventResult;
  reason?: string;
  taskArn?: string;
  run?: string;
  /** Applied without waking the run: its reconcile has nothing to do (wake-policy.ts). */
  quiet?: boolean;
  /** The envelope's account and Region, when the message parsed. */
  origin?: TaskEventScope;
}

async function handleOne(deps: TaskEventDeps, message: TaskEventMessage, toConfirm: Set<string>): Promise<MessageOutcome> {
  const event = parseTaskStateChange(message.body);
  if ('invalid' in event) return { result: 'malformed', reason: event.invalid };
  const origin = { account: event.origin.account, region: event.origin.region };
  return { ...(await judgeAndFeed(deps, event, toConfirm)), origin };
}

async function judgeAndFeed(deps: TaskEventDeps, event: TaskStateChange, toConfirm: Set<string>): Promise<MessageOutcome> {
  const taskArn = event.observation.taskArn;
  // Not from ECS: no need to ask the store about it.
  const name = event.origin.source === ECS_EVENT_SOURCE ? await deps.store.runNameForTask(taskArn) : null;
  const record: RunRecord | null = name ? await deps.store.getRun(name) : null;
  const verdict = judgeTaskEvent(record, event);
  const run = name ?? undefined;
  if (verdict.kind === 'drop') return { result: verdict.result, reason: verdict.reason, taskArn, run };
  if (verdict.kind === 'confirm') {
    await deps.store.requestTaskConfirmation(verdict.cluster, taskArn);
    toConfirm.add(verdict.cluster);
    return { result: 'confirm-requested', taskArn, run };
  }
  if (name === null) return { result: 'unknown-task', taskArn };
  const fed = await applyTaskReport(deps, name, { taskArn, observation: event.observation });
  if (fed === 'changed' || fed === 'contended') return { result: 'applied', taskArn, run };
  // Applied, and nothing for the run's reconcile to do (wake-policy.ts): no wake-up.
  if (fed === 'recorded') return { result: 'applied', taskArn, run, quiet: true };
  if (fed === 'rejected') return { result: 'stale', reason: 'the lifecycle refused it (older than what the run knows)', taskArn, run };
  return { result: 'duplicate', taskArn, run };
}

export interface TaskEventConsumerOptions extends TaskEventDeps {
  source: TaskEventSource;
  logger: Logger;
  /** SQS allows at most 10 per receive. */
  batchSize?: number;
  waitSeconds?: number;
  errorPauseMs?: number;
  /** A receive succeeded (event-health.ts). */
  onReceived?(): Promise<void>;
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
  // 1st, 2nd, 4th, 8th … failure in a row (or when the error changes) rather than at every pause; the resync
  // covers for the events meanwhile.
  const errorBackoff = { baseMs: options.errorPauseMs ?? 1000, factor: 2, capMs: Math.max(options.errorPauseMs ?? 1000, 60_000) };
  const loop = (async () => {
    let failures = 0;
    let lastError: string | undefined;
    while (!abort.signal.aborted) {
      try {
        const messages = await options.source.receive(batchSize, waitSeconds, abort.signal);
        await options.onReceived?.();
        if (failures > 0) options.logger.warn({ failures }, 'task events received again');
        failures = 0;
        lastError = undefined;
        if (messages.length > 0) await handleTaskEvents(options, options.source, messages);
      } catch (error) {
        if (abort.signal.aborted) break;
        failures += 1;
        const pauseMs = equalJitterBackoffMs(errorBackoff, failures, Math.random);
        const reason = error instanceof Error ? error.name : 'Error';
        if (isEscalation(failures, lastError, reason)) options.logger.warn({ err: error, failures, pauseMs }, 'task event batch failed; pausing');
        lastError = reason;
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

/**
 * TaskEventSource over an SQS queue (the controller's SQS client; its endpoint may be the simulator). The
 * client and the SQS module come on first use (controller/aws/clients.ts), so a replica without task events
 * never loads them.
 */
export function sqsTaskEventSource(sqs: () => Promise<SQSClient>, queueUrl: string): TaskEventSource {
  const loadSqs = () => import('@aws-sdk/client-sqs');
  return {
    async receive(maxMessages, waitSeconds, signal) {
      const [{ ReceiveMessageCommand }, client] = await Promise.all([loadSqs(), sqs()]);
      const command: ReceiveMessageCommand = new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: maxMessages, WaitTimeSeconds: waitSeconds });
      const out = await client.send(command, signal ? { abortSignal: signal } : {});
      return (out.Messages ?? [])
        .filter((m) => m.ReceiptHandle !== undefined)
        .map((m) => ({ id: m.MessageId ?? '', receiptHandle: m.ReceiptHandle ?? '', body: m.Body ?? '' }));
    },
    async delete(receiptHandles) {
      const [{ DeleteMessageBatchCommand }, client] = await Promise.all([loadSqs(), sqs()]);
      for (let i = 0; i < receiptHandles.length; i += 10) {
        const entries = receiptHandles.slice(i, i + 10).map((handle, index) => ({ Id: String(index), ReceiptHandle: handle }));
        const command: DeleteMessageBatchCommand = new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries });
        await client.send(command);
      }
    },
  };
}
