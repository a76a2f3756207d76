/**
 * The change feed: one stream entry per stored change — `{ kind, name, change, resourceVersion }` — written
 * in the same atomic step as the change. `watch` tails it (XREAD); the controller reads it through a
 * consumer group and turns entries into reconcile jobs. Anything can XADD to a stream, so entries are
 * validated on the way out: through the consumer group a malformed entry is acknowledged (never
 * redelivered, never re-claimed by every replica), counted in Redis and handed back as `malformed` for the
 * caller to log and count — as the control stream does; a tail steps over it.
 */
import type { RedisClient } from '../redis.js';
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
  /** 'status': a write of the run's status alone, made by the controller (see changeWakesRun). */
  subresource?: 'status';
  /** The writer wakes the run's reconcile itself (a cancel through the control stream; see changeWakesRun). */
  wokenByWriter?: true;
}
export interface MalformedChangeEntry {
  id: string;
  fields: Record<string, string>;
  reason: string;
}
/** What one consumer-group read delivered: the changes, and the malformed entries already acknowledged. */
export interface ChangeBatch {
  events: ChangeEvent[];
  malformed: MalformedChangeEntry[];
}
/** What one tail read delivered; `position` is past every entry read, valid or not: pass it to the next read. */
export interface ChangeTail {
  events: ChangeEvent[];
  position: string;
}

export class ChangeFeed {
  private readonly reader: StreamGroupReader;
  private readonly malformedKey: string;
  readonly key: string;
  constructor(
    private readonly redis: RedisClient,
    ks: Keyspace = keyspace(),
  ) {
    const keys = storeKeys(ks);
    this.key = keys.changes;
    this.malformedKey = keys.changesMalformed;
    this.reader = new StreamGroupReader(redis, this.key);
  }

  /** The id of the newest entry, or '0-0' when empty: start a tail from here to see only later changes. */
  async latestId(): Promise<string> {
    const last = (await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1))[0];
    return last ? last[0] : '0-0';
  }

  /** Entries after `afterId`, waiting up to blockMs when there are none (0 = do not block). */
  async read(afterId: string, count = 500, blockMs = 0): Promise<ChangeTail> {
    const reply = blockMs > 0
      ? await this.redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.key, afterId)
      : await this.redis.xread('COUNT', count, 'STREAMS', this.key, afterId);
    const entries = parseStreamReply(reply);
    // Past malformed entries too: otherwise a tail whose batch is all garbage would read it again forever.
    const position = entries.at(-1)?.id ?? afterId;
    return { events: entries.map(decodeChange).filter((e): e is ChangeEvent => 'kind' in e), position };
  }

  /** Consumer-group reading for durable processing; '$' starts the group at the current end. */
  ensureGroup(group: string, startId: '0' | '$' = '$'): Promise<void> {
    return this.reader.ensureGroup(group, startId);
  }
  async readGroup(group: string, consumer: string, count = 100, blockMs = 0): Promise<ChangeBatch> {
    await this.ensureGroup(group);
    return this.sort(group, await this.reader.readGroup(group, consumer, count, blockMs));
  }
  ack(group: string, ...ids: string[]): Promise<number> {
    return this.reader.ack(group, ids);
  }
  async claimStale(group: string, consumer: string, minIdleMs: number, count = 100): Promise<ChangeBatch> {
    return this.sort(group, await this.reader.claimStale(group, consumer, minIdleMs, count));
  }

  /** How many malformed entries consumers have acknowledged and dropped so far (all groups). */
  async malformedCount(): Promise<number> {
    return Number((await this.redis.get(this.malformedKey)) ?? 0);
  }

  private async sort(group: string, entries: StreamEntry[]): Promise<ChangeBatch> {
    const { decoded, malformed } = await this.reader.decodeAll(group, entries, decodeChange, this.malformedKey);
    return { events: decoded, malformed };
  }
}

const isKind = (value: string | undefined): value is ChangeKind => value === 'Pool' || value === 'Run';
const isChange = (value: string | undefined): value is ChangeType => value === 'created' || value === 'updated' || value === 'deleted';

export function decodeChange(entry: StreamEntry): ChangeEvent | MalformedChangeEntry {
  const { kind, name, change, resourceVersion } = entry.fields;
  const malformed = (reason: string): MalformedChangeEntry => ({ id: entry.id, fields: entry.fields, reason });
  if (!isKind(kind)) return malformed('kind is not Pool or Run');
  if (!name) return malformed('no "name" field');
  if (!isChange(change)) return malformed('change is not created, updated or deleted');
  const event: ChangeEvent = { id: entry.id, kind, name, change, resourceVersion: resourceVersion ?? '' };
  if (entry.fields.subresource === 'status') event.subresource = 'status';
  if (entry.fields.wakes === 'writer') event.wokenByWriter = true;
  return event;
}

/**
 * Whether a change should wake the run's reconcile. A status write is the controller's own: the reconcile
 * that wrote it goes on planning from what it wrote, and every other status writer (resync, task events,
 * orphan adoption, kill) wakes the run itself, with the finalize-recovery sweep for a replica that died in
 * between. Waking on it again would only queue a reconcile that finds nothing to do (issue 10: every status
 * write came back through the feed). A change whose writer wakes the run itself (a cancel from the control
 * stream: the handler wakes the run after the write and, should it die first, its message is redelivered and
 * wakes it then) is not woken again either: that second wake-up came while the first reconcile was active,
 * so it queued a second one that found nothing left to do (issue 10: 2–3 reconciles per cancelled run).
 */
export function changeWakesRun(change: Pick<ChangeEvent, 'kind' | 'subresource' | 'wokenByWriter'>): boolean {
  return change.kind === 'Run' && change.subresource !== 'status' && change.wokenByWriter !== true;
}
