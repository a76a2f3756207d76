/**
 * GetLogEvents paging as a pure function, following the CloudWatch Logs documentation:
 * - startTime/endTime select events with startTime <= timestamp < endTime (endTime is exclusive);
 * - without a token, startFromHead=true returns the earliest events and false (the default) the latest;
 * - `nextForwardToken` continues towards the tail and `nextBackwardToken` towards the head; a forward
 *   token is honoured only with startFromHead=true ("If you are using a previous nextForwardToken value
 *   as the nextToken in this operation, you must specify true for startFromHead"), otherwise the call
 *   answers as if no token had been given;
 * - at the end of the stream the call returns the same token that was passed in;
 * - without `limit`, a page holds as many events as fit in 1 MB, up to 10,000.
 * Tokens look like AWS's: `f/<56-digit position>/s` and `b/<56-digit position>/s`.
 */
import type { StoredLogEvent } from './store.js';

export const MAX_EVENTS_PER_PAGE = 10_000;
const MAX_PAGE_BYTES = 1_048_576;
/** CloudWatch Logs counts each event as its UTF-8 message size plus 26 bytes. */
const EVENT_OVERHEAD_BYTES = 26;

export interface LogPageQuery {
  startTime?: number;
  endTime?: number;
  limit?: number;
  startFromHead: boolean;
  nextToken?: string;
}

export interface LogPage {
  events: StoredLogEvent[];
  nextForwardToken: string;
  nextBackwardToken: string;
}

interface PageToken {
  direction: 'f' | 'b';
  position: number;
}

export function formatToken(direction: 'f' | 'b', position: number): string {
  return `${direction}/${String(position).padStart(56, '0')}/s`;
}

/** Undefined when the text is not a token this simulator could have issued. */
export function parseToken(text: string): PageToken | undefined {
  const match = /^([fb])\/(\d{1,56})(?:\/s)?$/.exec(text);
  if (!match) return undefined;
  const position = Number(match[2]);
  if (!Number.isSafeInteger(position)) return undefined;
  return { direction: match[1] === 'f' ? 'f' : 'b', position };
}

/** First index whose timestamp is >= the bound (events are sorted by timestamp). */
function lowerBound(events: readonly StoredLogEvent[], bound: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (events[middle].timestamp < bound) low = middle + 1;
    else high = middle;
  }
  return low;
}

function eventBytes(event: StoredLogEvent): number {
  return Buffer.byteLength(event.message, 'utf8') + EVENT_OVERHEAD_BYTES;
}

export function pageLogEvents(events: readonly StoredLogEvent[], query: LogPageQuery): LogPage | { invalidToken: true } {
  const rangeStart = query.startTime === undefined ? 0 : lowerBound(events, query.startTime);
  const rangeEnd = query.endTime === undefined ? events.length : Math.max(rangeStart, lowerBound(events, query.endTime));
  const limit = Math.min(query.limit ?? MAX_EVENTS_PER_PAGE, MAX_EVENTS_PER_PAGE);

  let token: PageToken | undefined;
  if (query.nextToken !== undefined) {
    token = parseToken(query.nextToken);
    if (token === undefined) return { invalidToken: true };
    if (token.direction === 'f' && !query.startFromHead) token = undefined;
  }
  const forward = token === undefined ? query.startFromHead : token.direction === 'f';

  if (forward) {
    const from = Math.max(token?.position ?? rangeStart, rangeStart);
    let to = from;
    let bytes = 0;
    while (to < rangeEnd && to - from < limit) {
      bytes += eventBytes(events[to]);
      if (bytes > MAX_PAGE_BYTES && to > from) break;
      to += 1;
    }
    return pageResult(events, from, to, query.nextToken, token);
  }

  const to = Math.min(token?.position ?? rangeEnd, rangeEnd);
  let from = to;
  let bytes = 0;
  while (from > rangeStart && to - from < limit) {
    bytes += eventBytes(events[from - 1]);
    if (bytes > MAX_PAGE_BYTES && from < to) break;
    from -= 1;
  }
  return pageResult(events, from, to, query.nextToken, token);
}

/** Tokens for the page [from, to); an empty page hands back the caller's own token. */
function pageResult(
  events: readonly StoredLogEvent[], from: number, to: number, passedToken: string | undefined, token: PageToken | undefined,
): LogPage {
  if (from < to) {
    return {
      events: events.slice(from, to),
      nextForwardToken: formatToken('f', to),
      nextBackwardToken: formatToken('b', from),
    };
  }
  return {
    events: [],
    nextForwardToken: token?.direction === 'f' && passedToken !== undefined ? passedToken : formatToken('f', from),
    nextBackwardToken: token?.direction === 'b' && passedToken !== undefined ? passedToken : formatToken('b', from),
  };
}
