/**
 * The change feed: one stream entry per stored change — `{ kind, name, change, resourceVersion }` — written
 * in the same atomic step as the change. `watch` tails it (XREAD); the controller reads it through a
 * consumer group and turns entries into reconcile jobs.
 */
import type { Redis } from 'ioredis';
import { keyspace, storeKeys, type Keyspace } from './keys.js';
import { parseStreamReply, StreamGroupReader, type StreamEntry } from './stream-group.js';
import type { ChangeKind, ChangeType } from './context.js';

export interface ChangeEvent {
  /** Stream id; pass the last one back to `read` to continue after it. */
  id: string;
  kind: ChangeKind;
  name: string;
  change: ChangeType;
  resourceVersion: string;
}

export class ChangeFeed {
  private readonly reader: StreamGroupReader;
  readonly key: string;
  constructor(
    private readonly redis: Redis,
    ks: Keyspace = keyspace(),
  ) {
    this.key = storeKeys(ks).changes;
    this.reader = new StreamGroupReader(redis, this.key);
  }

  /** The id of the newest entry, or '0-0' when empty: start a tail from here to see only later changes. */
  async latestId(): Promise<string> {
    const last = (await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1))[0];
    return last ? last[0] : '0-0';
  }

  /** Entries after `afterId`, waiting up to blockMs when there are none (0 = do not block). */
  async read(afterId: string, count = 500, blockMs = 0): Promise<ChangeEvent[]> {
    const reply = blockMs > 0
      ? await this.redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.key, afterId)
      : await this.redis.xread('COUNT', count, 'STREAMS', this.key, afterId);
    return toEvents(parseStreamReply(reply));
  }

  /** Consumer-group reading for durable processing; '$' starts the group at the current end. */
  ensureGroup(group: string, startId: '0' | '$' = '$'): Promise<void> {
    return this.reader.ensureGroup(group, startId);
  }
  async readGroup(group: string, consumer: string, count = 100, blockMs = 0): Promise<ChangeEvent[]> {
    await this.ensureGroup(group);
    return toEvents(await this.reader.readGroup(group, consumer, count, blockMs));
  }
  ack(group: string, ...ids: string[]): Promise<number> {
    return this.reader.ack(group, ids);
  }
  async claimStale(group: string, consumer: string, minIdleMs: number, count = 100): Promise<ChangeEvent[]> {
    return toEvents(await this.reader.claimStale(group, consumer, minIdleMs, count));
  }
}

function toEvents(entries: StreamEntry[]): ChangeEvent[] {
  const out: ChangeEvent[] = [];
  for (const { id, fields } of entries) {
    const { kind, name, change, resourceVersion } = fields;
    if ((kind === 'Pool' || kind === 'Run') && name && (change === 'created' || change === 'updated' || change === 'deleted')) {
      out.push({ id, kind, name, change, resourceVersion: resourceVersion ?? '' });
    }
  }
  return out;
}
