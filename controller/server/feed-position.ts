/**
 * Where a watch starts in the change feed, given a resourceVersion.
 *
 * resourceVersion is the store's own: every atomic write takes the namespace's next counter value (INCR
 * in the write script) and appends its change-feed entries, carrying that value, in the same script. So
 * the feed is ordered by resourceVersion, and "every change after R" is "every entry after the newest
 * entry whose resourceVersion is <= R". That entry is found by reading the feed backwards from its end
 * (XREVRANGE), which costs as many entries as the watcher missed, the ones it is about to be sent anyway.
 * When no such entry is left, the feed was trimmed past R (MAXLEN) and the changes in between are lost:
 * 410 Gone, and the client lists again — unless nothing was ever trimmed, in which case the whole feed
 * is the answer. A resourceVersion above the counter is from another store (Redis was replaced): also 410.
 */
import type { RedisClient } from '../redis.js';
import type { StoreKeys } from '../store/index.js';
import { ApiError, badRequest } from './status.js';

const PAGE = 500;

export async function currentResourceVersion(redis: RedisClient, keys: StoreKeys): Promise<number> {
  return Number((await redis.get(keys.resourceVersion)) ?? 0);
}

export function parseResourceVersion(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw badRequest(`resourceVersion ${JSON.stringify(text)} is not one this API issued (a non-negative integer)`);
  return Number(text);
}

/** The stream id to read after, so that the first entry read is the first change after `rv`. */
export async function positionAfter(redis: RedisClient, keys: StoreKeys, rv: number): Promise<string> {
  const current = await currentResourceVersion(redis, keys);
  if (rv > current) throw gone(`resourceVersion ${rv} is newer than this store's newest (${current}); list again`);
  let end = '+';
  for (;;) {
    const page = (await redis.xrevrange(keys.changes, end, '-', 'COUNT', PAGE)) as Array<[string, string[]]>;
    for (const [id, fields] of page) {
      const version = fieldOf(fields, 'resourceVersion');
      // Entries another writer put on the stream carry no version: step over them.
      if (version !== undefined && /^\d+$/.test(version) && Number(version) <= rv) return id;
    }
    if (page.length < PAGE) break;
    end = `(${page[page.length - 1][0]}`;
  }
  if (await neverTrimmed(redis, keys.changes)) return '0-0';
  throw gone(`resourceVersion ${rv} is too old: the change feed no longer reaches back to it; list again`);
}

async function neverTrimmed(redis: RedisClient, key: string): Promise<boolean> {
  try {
    const info = (await redis.call('XINFO', 'STREAM', key)) as unknown[];
    const field = (name: string) => {
      for (let i = 0; i + 1 < info.length; i += 2) if (info[i] === name) return Number(info[i + 1]);
      return Number.NaN;
    };
    // Redis 7.0 records max-deleted-entry-id for XDEL only, not for MAXLEN trims; every entry ever added
    // still being there is what proves nothing was lost.
    return field('entries-added') === field('length');
  } catch (error) {
    // No stream yet: nothing was ever written, so nothing was trimmed.
    if (/no such key/i.test((error as Error).message)) return true;
    throw error;
  }
}

function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

const gone = (message: string) => new ApiError(410, 'Gone', message);

/** Stream ids compare as (milliseconds, sequence). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : (as ?? 0) - (bs ?? 0);
}
