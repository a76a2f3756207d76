/**
 * The control stream: durable cancel/kill messages. Senders validate before writing; consumers validate
 * again, because anything can XADD to a stream. A malformed entry is acknowledged (so it is never
 * redelivered), counted in Redis and handed back as `malformed` for the caller to log — never thrown.
 */
import type { RedisClient } from '../redis.js';
import { ControlMessage, ControlReply } from '../api/control.js';
import { keyspace, storeKeys, type Keyspace } from './keys.js';
import { StreamGroupReader, type StreamEntry } from './stream-group.js';

export interface ControlEntry {
  id: string;
  message: ControlMessage;
  sentAt?: string;
}
export interface MalformedControlEntry {
  id: string;
  fields: Record<string, string>;
  reason: string;
}
export interface ControlBatch {
  messages: ControlEntry[];
  malformed: MalformedControlEntry[];
}

export class InvalidControlMessageError extends Error {
  constructor(reason: string) {
    super(`invalid control message: ${reason}`);
    this.name = 'InvalidControlMessageError';
  }
}

/** How long an unread reply stays: long enough for any waiting sender, short enough to leave no litter. */
export const CONTROL_REPLY_TTL_SECONDS = 300;

export interface ControlStreamOptions {
  /** Approximate cap on the stream's length. Default 100,000. */
  maxLen?: number;
  now?: () => Date;
}

export class ControlStream {
  private readonly reader: StreamGroupReader;
  private readonly key: string;
  private readonly malformedKey: string;
  private readonly replyKey: (messageId: string) => string;
  constructor(
    private readonly redis: RedisClient,
    ks: Keyspace = keyspace(),
    private readonly options: ControlStreamOptions = {},
  ) {
    const keys = storeKeys(ks);
    this.key = keys.control;
    this.malformedKey = keys.controlMalformed;
    this.replyKey = keys.controlReply;
    this.reader = new StreamGroupReader(redis, this.key);
  }

  /** Validates and appends a message; returns its stream id. */
  async send(message: ControlMessage): Promise<string> {
    const parsed = ControlMessage.safeParse(message);
    if (!parsed.success) throw new InvalidControlMessageError(parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; '));
    const sentAt = (this.options.now ?? (() => new Date()))().toISOString();
    const id = await this.redis.xadd(this.key, 'MAXLEN', '~', this.options.maxLen ?? 100_000, '*', 'message', JSON.stringify(parsed.data), 'sentAt', sentAt);
    if (id === null) throw new Error('XADD returned no id');
    return id;
  }

  /** Creates the consumer group if needed, starting from the beginning so earlier messages are handled. */
  ensureGroup(group: string): Promise<void> {
    return this.reader.ensureGroup(group, '0');
  }

  /** Up to `count` new messages for this consumer; each is delivered to one consumer per group. */
  async read(group: string, consumer: string, count = 10, blockMs = 0): Promise<ControlBatch> {
    return this.sort(group, await this.reader.readGroup(group, consumer, count, blockMs));
  }

  ack(group: string, ...ids: string[]): Promise<number> {
    return this.reader.ack(group, ids);
  }

  /** Claims messages a dead consumer left pending for longer than minIdleMs. */
  async claimStale(group: string, consumer: string, minIdleMs: number, count = 10): Promise<ControlBatch> {
    return this.sort(group, await this.reader.claimStale(group, consumer, minIdleMs, count));
  }

  /**
   * Records what became of message `id` for its sender. A list, so the sender can block on it (BLPOP)
   * instead of polling; a redelivered message may reply twice, and the sender reads only the first.
   */
  async reply(id: string, reply: ControlReply): Promise<void> {
    const key = this.replyKey(id);
    await this.redis.multi().rpush(key, JSON.stringify(ControlReply.parse(reply))).expire(key, CONTROL_REPLY_TTL_SECONDS).exec();
  }

  /**
   * The controller's reply to message `id`, or null if none came within timeoutMs. Blocks the connection:
   * use a dedicated one. A reply that does not parse counts as none (anything can write to Redis).
   */
  async awaitReply(id: string, timeoutMs: number): Promise<ControlReply | null> {
    const popped = await this.redis.blpop(this.replyKey(id), Math.max(0.01, timeoutMs / 1000));
    if (popped === null) return null;
    try {
      const parsed = ControlReply.safeParse(JSON.parse(popped[1]));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** How many malformed messages consumers have rejected so far (all groups). */
  async malformedCount(): Promise<number> {
    return Number((await this.redis.get(this.malformedKey)) ?? 0);
  }

  private async sort(group: string, entries: StreamEntry[]): Promise<ControlBatch> {
    const { decoded, malformed } = await this.reader.decodeAll(group, entries, decodeControl, this.malformedKey);
    return { messages: decoded, malformed };
  }
}

export function decodeControl(entry: StreamEntry): ControlEntry | MalformedControlEntry {
  const raw = entry.fields.message;
  if (raw === undefined) return { id: entry.id, fields: entry.fields, reason: 'no "message" field' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { id: entry.id, fields: entry.fields, reason: 'message is not JSON' };
  }
  const parsed = ControlMessage.safeParse(json);
  if (!parsed.success) {
    return { id: entry.id, fields: entry.fields, reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ') };
  }
  return { id: entry.id, message: parsed.data, ...(entry.fields.sentAt ? { sentAt: entry.fields.sentAt } : {}) };
}
