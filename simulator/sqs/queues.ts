/**
 * The simulator's standard SQS queues: at-least-once delivery with visibility timeouts, delays,
 * retention and long polling. Visibility, delay and retention run on the injected `now()` clock;
 * long-poll waits (WaitTimeSeconds) run on wall-clock time, as the client experiences them.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  delaySeconds: number;
  receiveMessageWaitTimeSeconds: number;
  messageRetentionPeriodSeconds: number;
  maximumMessageSize: number;
}

/** SQS's defaults for a new standard queue. */
export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  visibilityTimeoutSeconds: 30,
  delaySeconds: 0,
  receiveMessageWaitTimeSeconds: 0,
  messageRetentionPeriodSeconds: 345_600,
  maximumMessageSize: 1_048_576,
};

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  md5OfBody: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  firstReceiveAt: number;
}

interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt: number | undefined;
  /** The handle of the latest receive; only it may change the message's visibility. */
  currentReceipt: string | undefined;
  sequence: number;
}

export interface SqsQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly settings: QueueSettings;
  readonly messages: Map<string, StoredMessage>;
  lastPurgeAt: number | undefined;
  readonly waiters: Set<() => void>;
  closed: boolean;
  /** Created by the simulator itself (ensureQueue), e.g. the task event queue: survives clear(), emptied. */
  readonly builtIn: boolean;
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

const PURGE_INTERVAL_MS = 60_000;

export class SqsQueues {
  private readonly queues = new Map<string, SqsQueue>();
  private sequence = 0;

  constructor(private readonly options: { region: string; accountId: string; now: () => number }) {}

  /** Creates the queue if missing; returns its URL built from the given endpoint base (http://127.0.0.1:port). */
  ensureQueue(name: string, endpointBase: string): string {
    const existing = this.queues.get(name);
    if (existing !== undefined) return existing.url;
    const queue = this.newQueue(name, endpointBase, {}, true);
    return queue.url;
  }

  /** Creating an existing queue with the same settings answers its URL; different settings conflict. */
  createQueue(name: string, endpointBase: string, requested: Partial<QueueSettings>): { url: string } | { conflictingAttribute: keyof QueueSettings } {
    const existing = this.queues.get(name);
    if (existing !== undefined) {
      for (const key of Object.keys(requested) as (keyof QueueSettings)[]) {
        if (requested[key] !== existing.settings[key]) return { conflictingAttribute: key };
      }
      return { url: existing.url };
    }
    return { url: this.newQueue(name, endpointBase, requested, false).url };
  }

  private newQueue(name: string, endpointBase: string, requested: Partial<QueueSettings>, builtIn: boolean): SqsQueue {
    const queue: SqsQueue = {
      name,
      url: `${endpointBase.replace(/\/$/, '')}/${this.options.accountId}/${name}`,
      arn: `arn:aws:sqs:${this.options.region}:${this.options.accountId}:${name}`,
      createdAt: this.options.now(),
      settings: { ...DEFAULT_QUEUE_SETTINGS, ...requested },
      messages: new Map(),
      lastPurgeAt: undefined,
      waiters: new Set(),
      closed: false,
      builtIn,
    };
    this.queues.set(name, queue);
    return queue;
  }

  queueByName(name: string): SqsQueue | undefined {
    return this.queues.get(name);
  }

  /** The queue a QueueUrl names: routed by its last path segment, as the host may differ. */
  queueByUrl(queueUrl: string): SqsQueue | undefined {
    const name = /\/([^/?#]+)\/?(?:[?#].*)?$/.exec(queueUrl)?.[1];
    return name === undefined ? undefined : this.queues.get(name);
  }

  send(queueName: string, body: string, delayMs = 0): void {
    const queue = this.queues.get(queueName);
    if (queue === undefined) throw new Error(`SQS queue ${queueName} does not exist`);
    this.sendTo(queue, body, delayMs);
  }

  sendTo(queue: SqsQueue, body: string, delayMs: number): { messageId: string; md5OfBody: string } {
    const now = this.options.now();
    this.sequence += 1;
    const message: StoredMessage = {
      messageId: messageIdFor(queue.name, this.sequence),
      body,
      md5OfBody: md5Hex(body),
      sentAt: now,
      visibleAt: now + Math.max(0, delayMs),
      receiveCount: 0,
      firstReceiveAt: undefined,
      currentReceipt: undefined,
      sequence: this.sequence,
    };
    queue.messages.set(message.messageId, message);
    wake(queue);
    return { messageId: message.messageId, md5OfBody: message.md5OfBody };
  }

  /** Up to `max` visible messages, earliest-visible first; each becomes invisible for the timeout. */
  receive(queue: SqsQueue, max: number, visibilityTimeoutSeconds: number): ReceivedMessage[] {
    const now = this.options.now();
    this.dropExpired(queue, now);
    const visible = [...queue.messages.values()]
      .filter((message) => message.visibleAt <= now)
      .sort((a, b) => a.visibleAt - b.visibleAt || a.sequence - b.sequence)
      .slice(0, max);
    return visible.map((message) => {
      message.receiveCount += 1;
      message.firstReceiveAt ??= now;
      message.visibleAt = now + visibilityTimeoutSeconds * 1000;
      message.currentReceipt = receiptHandleFor(queue.name, message.messageId, message.receiveCount);
      return {
        messageId: message.messageId, receiptHandle: message.currentReceipt, md5OfBody: message.md5OfBody,
        body: message.body, receiveCount: message.receiveCount, sentAt: message.sentAt, firstReceiveAt: message.firstReceiveAt,
      };
    });
  }

  /** Long polling: answers as soon as messages are visible, or empty after `waitMs` of wall-clock time. */
  async receiveWaiting(queue: SqsQueue, max: number, visibilityTimeoutSeconds: number, waitMs: number): Promise<ReceivedMessage[]> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      const received = this.receive(queue, max, visibilityTimeoutSeconds);
      const remaining = deadline - performance.now();
      if (received.length > 0 || remaining <= 0 || queue.closed) return received;
      const untilNextVisible = this.msUntilNextVisible(queue);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          queue.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(1, Math.min(remaining, untilNextVisible)));
        timer.unref();
        queue.waiters.add(done);
      });
    }
  }

  /** Deletes the message a handle was issued for; a well-formed handle of a gone message is a no-op. */
  deleteMessage(queue: SqsQueue, receiptHandle: string): 'deleted' | 'invalid' {
    const messageId = parseReceiptHandle(queue.name, receiptHandle);
    if (messageId === undefined) return 'invalid';
    queue.messages.delete(messageId);
    return 'deleted';
  }

  changeVisibility(queue: SqsQueue, receiptHandle: string, timeoutSeconds: number): 'changed' | 'invalid' | 'not-inflight' {
    const messageId = parseReceiptHandle(queue.name, receiptHandle);
    if (messageId === undefined) return 'invalid';
    const message = queue.messages.get(messageId);
    const now = this.options.now();
    if (message === undefined || message.currentReceipt !== receiptHandle || message.visibleAt <= now) return 'not-inflight';
    message.visibleAt = now + timeoutSeconds * 1000;
    if (timeoutSeconds === 0) wake(queue);
    return 'changed';
  }

  purge(queue: SqsQueue): 'purged' | 'in-progress' {
    const now = this.options.now();
    if (queue.lastPurgeAt !== undefined && now - queue.lastPurgeAt < PURGE_INTERVAL_MS) return 'in-progress';
    queue.lastPurgeAt = now;
    queue.messages.clear();
    return 'purged';
  }

  /** ApproximateNumberOfMessages / …NotVisible / …Delayed, exact here. */
  counts(queue: SqsQueue): { visible: number; notVisible: number; delayed: number } {
    const now = this.options.now();
    this.dropExpired(queue, now);
    let visible = 0;
    let notVisible = 0;
    let delayed = 0;
    for (const message of queue.messages.values()) {
      if (message.visibleAt <= now) visible += 1;
      else if (message.receiveCount > 0) notVisible += 1;
      else delayed += 1;
    }
    return { visible, notVisible, delayed };
  }

  /**
   * Forgets every message and every client-created queue (their pending long polls return empty).
   * The simulator's own queues (ensureQueue) stay, empty, so their URLs keep working after a reset.
   */
  clear(): void {
    for (const [name, queue] of this.queues) {
      queue.messages.clear();
      queue.lastPurgeAt = undefined;
      if (!queue.builtIn) {
        queue.closed = true;
        this.queues.delete(name);
      }
      wake(queue);
    }
  }

  /** Drops every queue, built-in ones too, and releases every pending long poll (server shutdown). */
  close(): void {
    for (const queue of this.queues.values()) {
      queue.closed = true;
      wake(queue);
    }
    this.queues.clear();
  }

  private msUntilNextVisible(queue: SqsQueue): number {
    const now = this.options.now();
    let next = Number.POSITIVE_INFINITY;
    for (const message of queue.messages.values()) next = Math.min(next, message.visibleAt - now);
    return next;
  }

  private dropExpired(queue: SqsQueue, now: number): void {
    const oldestKept = now - queue.settings.messageRetentionPeriodSeconds * 1000;
    for (const [id, message] of queue.messages) {
      if (message.sentAt < oldestKept) queue.messages.delete(id);
    }
  }
}

function wake(queue: SqsQueue): void {
  for (const waiter of [...queue.waiters]) waiter();
}

/** A UUID-shaped id that is unique per simulator process and repeatable between runs. */
function messageIdFor(queueName: string, sequence: number): string {
  const hex = md5Hex(`${queueName}/${sequence}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function receiptHandleFor(queueName: string, messageId: string, receiveCount: number): string {
  return Buffer.from(`${queueName} ${messageId} ${receiveCount}`, 'utf8').toString('base64');
}

/** The message id inside a handle this queue issued, or undefined for anything else. */
function parseReceiptHandle(queueName: string, receiptHandle: string): string | undefined {
  const parts = Buffer.from(receiptHandle, 'base64').toString('utf8').split(' ');
  if (parts.length !== 3 || parts[0] !== queueName || !/^\d+$/.test(parts[2])) return undefined;
  return parts[1];
}
