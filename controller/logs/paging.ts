/**
 * The reader's decisions, pure (docs/ecs-facts.md §7.3, CloudWatch Logs GetLogEvents):
 * - pages are read forward with `startFromHead: true`, each from the previous page's `nextForwardToken`;
 * - "If you have reached the end of the stream, it returns the same token you passed in": the same token
 *   back means caught up; an empty page with a *new* token means more may follow ("This operation can
 *   return empty results while there are more log events available"), so read on at once;
 * - a follower that is caught up waits, longer after each empty look (the one backoff formula, no jitter
 *   needed: one reader per run and attempt per process), and at once again after lines appeared;
 * - a follower ends once it has caught up on a read that began after the attempt was seen stopped, so the
 *   lines written before STOPPED are drained and nothing later is waited for.
 */
import { backoffMs, type ExponentialBackoff } from '../backoff.js';

/** GetLogEvents returns at most 10,000 events a page; a tail is read in one backward page. */
export const MAX_PAGE_EVENTS = 10_000;

/** A caught-up follower looks again after 0.5 s, 1 s, 2 s … up to 10 s while nothing new appears. */
export const IDLE_POLL: ExponentialBackoff = { baseMs: 500, capMs: 10_000 };

/** Waiting for an attempt's task or stream to appear: the same shape, a little slower. */
export const WAIT_FOR_STREAM: ExponentialBackoff = { baseMs: 1_000, capMs: 10_000 };

export type PageStep = 'more' | 'caught-up';

/** What a page means for the next read: `sentToken` is the token the request carried (none for the first). */
export function pageStep(sentToken: string | undefined, page: { events?: readonly unknown[]; nextForwardToken?: string }): PageStep {
  if ((page.events?.length ?? 0) > 0) return 'more';
  if (page.nextForwardToken === undefined) return 'caught-up';
  return sentToken !== undefined && page.nextForwardToken === sentToken ? 'caught-up' : 'more';
}

/** How long a caught-up follower waits after `idlePolls` empty looks in a row (counted from 1). */
export function idleDelayMs(idlePolls: number): number {
  return backoffMs(IDLE_POLL, idlePolls);
}

/** After catching up: end (not following, or the read began after the attempt was seen stopped) or wait. */
export function afterCaughtUp(follow: boolean, stoppedBeforeRead: boolean): 'end' | 'wait' {
  return !follow || stoppedBeforeRead ? 'end' : 'wait';
}

/** The last `n` items (all of them when n is undefined; none for 0). */
export function lastLines<T>(lines: readonly T[], n: number | undefined): T[] {
  if (n === undefined) return [...lines];
  if (n <= 0) return [];
  return lines.slice(Math.max(0, lines.length - n));
}

/** Where a reader starts: the whole stream from its head, or one backward page holding the last `tail` lines. */
export type ReadStart = { from: 'head' } | { from: 'tail'; lines: number };

export function readStart(tailLines: number | undefined): ReadStart {
  return tailLines === undefined ? { from: 'head' } : { from: 'tail', lines: Math.min(Math.max(0, Math.floor(tailLines)), MAX_PAGE_EVENTS) };
}
