/**
 * A Redis stream read through consumer groups: each entry goes to one consumer of each group, stays
 * pending until acknowledged, and can be claimed from a consumer that died (XAUTOCLAIM).
 * Blocking reads hold their connection: give a reader its own connection (redis.duplicate()).
 */
import type { RedisClient } from '../redis.js';

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

/** An entry that did not decode: acknowledged and counted by the reader, never redelivered. */
export interface MalformedEntry {
  id: string;
  fields: Record<string, string>;
  reason: string;
}

function isMalformedEntry<T>(value: T | MalformedEntry): value is MalformedEntry {
  return typeof value === 'object' && value !== null && 'reason' in value && 'fields' in value;
}

export class StreamGroupReader {
  private readonly ensured = new Set<string>();
  constructor(
    private readonly redis: RedisClient,
    readonly streamKey: string,
  ) {}

  /** Creates the group if it does not exist; `startId` '0' delivers everything still in the stream, '$' only new entries. */
  async ensureGroup(group: string, startId: '0' | '$' = '0'): Promise<void> {
    if (this.ensured.has(group)) return;
    try {
      await this.redis.xgroup('CREATE', this.streamKey, group, startId, 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.includes('BUSYGROUP'))) throw error;
    }
    this.ensured.add(group);
  }

  /** New entries for this consumer (`>`), waiting up to blockMs (0 = do not block). */
  async readGroup(group: string, consumer: string, count: number, blockMs: number): Promise<StreamEntry[]> {
    await this.ensureGroup(group);
    const reply = blockMs > 0
      ? await this.redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.streamKey, '>')
      : await this.redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', this.streamKey, '>');
    return parseStreamReply(reply);
  }

  async ack(group: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.redis.xack(this.streamKey, group, ...ids);
  }

  /**
   * Decodes a group's entries; the ones that do not decode are acknowledged for the group and counted at
   * `malformedKey` (anything that can XADD can write them), so nothing unparseable stays pending for ever.
   */
  async decodeAll<T>(group: string, entries: readonly StreamEntry[], decode: (entry: StreamEntry) => T | MalformedEntry, malformedKey: string): Promise<{ decoded: T[]; malformed: MalformedEntry[] }> {
    const decoded: T[] = [];
    const malformed: MalformedEntry[] = [];
    for (const entry of entries) {
      const result = decode(entry);
      if (isMalformedEntry(result)) malformed.push(result);
      else decoded.push(result);
    }
    if (malformed.length > 0) {
      await this.ack(group, malformed.map((m) => m.id));
      await this.redis.incrby(malformedKey, malformed.length);
    }
    return { decoded, malformed };
  }

  /** Takes over entries pending longer than minIdleMs in any consumer of the group (e.g. a crashed replica). */
  async claimStale(group: string, consumer: string, minIdleMs: number, count: number): Promise<StreamEntry[]> {
    await this.ensureGroup(group);
    const reply = (await this.redis.xautoclaim(this.streamKey, group, consumer, minIdleMs, '0', 'COUNT', count)) as [string, Array<[string, string[] | null]>, string[]?];
    return reply[1].filter((e): e is [string, string[]] => Array.isArray(e[1])).map(([id, flat]) => ({ id, fields: pairs(flat) }));
  }
}

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

export function parseStreamReply(reply: unknown): StreamEntry[] {
  const streams = reply as XReadReply;
  if (!streams) return [];
  return streams.flatMap(([, entries]) => entries.map(([id, flat]) => ({ id, fields: pairs(flat ?? []) })));
}

function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}
