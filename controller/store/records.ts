/**
 * How records sit in Redis: one hash per resource with the JSON document in `doc` and the resourceVersion
 * in `rv` (so the compare-and-set script reads a field, not JSON). The version is not repeated inside the
 * JSON; it is put back into metadata on read.
 */
import { isDeepStrictEqual } from 'node:util';
import type { PoolRecord } from '../api/pool.js';
import type { RunRecord } from '../api/run.js';
import type { StoreContext } from './context.js';
import { RV, type AtomicWrite } from './atomic.js';

type AnyRecord = PoolRecord | RunRecord;

export function encodeRecord(record: AnyRecord): string {
  const { resourceVersion: _omitted, ...metadata } = record.metadata;
  return JSON.stringify({ ...record, metadata });
}

/** Writes a record; its resourceVersion becomes the write's version. */
export function putRecord(w: AtomicWrite, key: string, record: AnyRecord): void {
  w.op('HSET', key, 'doc', encodeRecord(record), 'rv', RV, 'uid', record.metadata.uid);
}

function decode<T extends AnyRecord>(doc: string | null, rv: string | null): T | null {
  if (doc === null || rv === null) return null;
  // The store is the only writer and validates every document before writing it.
  const record = JSON.parse(doc) as T;
  record.metadata.resourceVersion = rv;
  return record;
}

export async function loadRecords<T extends AnyRecord>(ctx: StoreContext, keys: readonly string[]): Promise<Array<T | null>> {
  if (keys.length === 0) return [];
  const pipeline = ctx.redis.pipeline();
  for (const key of keys) pipeline.hmget(key, 'doc', 'rv');
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, value]) => {
    if (error) throw error;
    const [doc, rv] = value as [string | null, string | null];
    return decode<T>(doc, rv);
  });
}

export async function loadRecord<T extends AnyRecord>(ctx: StoreContext, key: string): Promise<T | null> {
  const [doc, rv] = await ctx.redis.hmget(key, 'doc', 'rv');
  return decode<T>(doc, rv);
}

export function withVersion<T extends AnyRecord>(record: T, resourceVersion: string): T {
  return { ...record, metadata: { ...record.metadata, resourceVersion } };
}

/** Equality as stored: key order and undefined-valued keys do not matter. */
export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));
}
