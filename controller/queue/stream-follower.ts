/**
 * Follows a Redis stream through a consumer group and hands each entry to `handle`, acknowledging it only
 * after `handle` succeeded — so a change becomes a reconcile job durably: a replica that dies mid-batch
 * leaves its entries pending, and a live replica claims them after `claimIdleMs`. Used for the store's
 * change feed (→ wake-ups) and the control stream (→ cancel/kill).
 */
import type { Logger } from 'pino';
import { errorSummary, throttledLogger } from '../log-throttle.js';

export interface StreamSource<T extends { id: string }> {
  /** New entries for this consumer, blocking up to blockMs. */
  read(count: number, blockMs: number): Promise<T[]>;
  /** Entries other consumers left pending longer than minIdleMs, now owned by this consumer. */
  claimStale(minIdleMs: number, count: number): Promise<T[]>;
  ack(ids: string[]): Promise<unknown>;
}

export interface StreamFollowerOptions<T extends { id: string }> {
  name: string;
  source: StreamSource<T>;
  handle: (entry: T) => Promise<void>;
  logger: Logger;
  batchSize?: number;
  /** Entries of a batch handled at once (default 50). */
  concurrency?: number;
  blockMs?: number;
  claimIdleMs?: number;
  /** Pause after a failed read or handle before trying again. */
  errorPauseMs?: number;
}

export interface RunningFollower {
  /** Stops after the current batch; resolves once the loop has ended. */
  stop(): Promise<void>;
}

export function startStreamFollower<T extends { id: string }>(options: StreamFollowerOptions<T>): RunningFollower {
  const batchSize = options.batchSize ?? 200;
  const concurrency = Math.max(1, options.concurrency ?? 50);
  const blockMs = options.blockMs ?? 1000;
  const claimIdleMs = options.claimIdleMs ?? 30_000;
  const errorPauseMs = options.errorPauseMs ?? 1000;
  const log = options.logger.child({ follower: options.name });
  // A follower retries every errorPauseMs while Redis is away; the log says so once per interval.
  const errorLog = throttledLogger(log);
  let stopping = false;
  let lastClaimAt = 0;
  let wakeFromPause: (() => void) | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeFromPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /**
   * A batch's entries are handled `concurrency` at a time, not one after another: each is a few Redis round
   * trips (a wake-up, a cancel), and 200 cancels sent at once waited on each other's (issue 10). Handlers are
   * idempotent and level-triggered, so their order within a batch does not matter. The ones that succeeded
   * are acknowledged together; a failed one stays pending (claimed again later) and its error pauses the loop.
   */
  async function handleBatch(entries: T[]): Promise<void> {
    const done: string[] = [];
    let failure: { error: unknown } | undefined;
    try {
      for (let i = 0; i < entries.length; i += concurrency) {
        const chunk = entries.slice(i, i + concurrency);
        const results = await Promise.allSettled(chunk.map((entry) => options.handle(entry)));
        results.forEach((result, j) => {
          if (result.status === 'fulfilled') done.push(chunk[j].id);
          else failure ??= { error: result.reason };
        });
        if (failure) break;
      }
    } finally {
      if (done.length > 0) await options.source.ack(done);
    }
    if (failure) throw failure.error;
  }

  const loop = (async () => {
    while (!stopping) {
      try {
        if (Date.now() - lastClaimAt >= claimIdleMs) {
          lastClaimAt = Date.now();
          const stale = await options.source.claimStale(claimIdleMs, batchSize);
          if (stale.length > 0) log.info({ entries: stale.length }, 'claimed stale stream entries');
          await handleBatch(stale);
        }
        await handleBatch(await options.source.read(batchSize, blockMs));
      } catch (error) {
        if (stopping) break;
        errorLog.log('error', errorSummary(error).message, { err: error }, 'stream follower failed, pausing');
        await pause(errorPauseMs);
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      wakeFromPause?.();
      await loop;
    },
  };
}
