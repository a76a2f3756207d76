/**
 * One blocking reader per watched namespace per process, however many watches are open: it waits on the
 * change feed's tail (XREAD BLOCK on its own connection) and wakes the watches waiting for something new.
 * Watches then read the entries themselves, without blocking, on the shared command connection, each from
 * its own position (shared-feed.ts shares identical reads and loaded objects between them), so a watch
 * resuming from an old resourceVersion and one at the tail share the reader.
 * The reader stops when its last watch leaves.
 */
import type { RedisClient } from '../redis.js';
import { ChangeFeed, keyspace, type ResourceStore } from '../store/index.js';
import { compareStreamIds } from './feed-position.js';
import { SharedFeed } from './shared-feed.js';

const BLOCK_MS = 5000;

class NamespaceNotifier {
  private latest = '0-0';
  private readonly waiters = new Set<() => void>();
  private users = 0;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly blocking: RedisClient,
    private readonly feed: ChangeFeed,
    private readonly onError: (error: unknown) => void,
    readonly shared: SharedFeed,
  ) {
    this.loop = this.follow();
  }

  acquire(): void {
    this.users += 1;
  }
  /** True when this was the last user. */
  release(): boolean {
    this.users -= 1;
    return this.users === 0;
  }

  /** Resolves once an entry after `position` exists (at once if one is known), or when `signal` aborts. */
  waitBeyond(position: string, signal: AbortSignal): Promise<void> {
    if (compareStreamIds(this.latest, position) > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.blocking.disconnect();
    await this.loop;
    for (const wake of [...this.waiters]) wake();
  }

  private async follow(): Promise<void> {
    const tail = this.feed;
    while (!this.stopped) {
      try {
        this.latest = maxId(this.latest, await tail.latestId());
        this.wakeAll();
        // One entry is enough to know there is news; the watches read the entries themselves.
        await tail.read(this.latest, 1, BLOCK_MS);
      } catch (error) {
        if (this.stopped) return;
        this.onError(error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

const maxId = (a: string, b: string) => (compareStreamIds(a, b) >= 0 ? a : b);

export class FeedNotifiers {
  private readonly byNamespace = new Map<string, NamespaceNotifier>();
  constructor(
    private readonly connect: () => RedisClient,
    private readonly onError: (error: unknown) => void,
    private readonly store: (namespace: string) => ResourceStore,
  ) {}

  /** The namespace's notifier and shared reads for one watch; call the returned release when the watch ends. */
  acquire(namespace: string): { waitBeyond: (position: string, signal: AbortSignal) => Promise<void>; release: () => void; shared: SharedFeed } {
    let notifier = this.byNamespace.get(namespace);
    if (!notifier) {
      const blocking = this.connect();
      notifier = new NamespaceNotifier(blocking, new ChangeFeed(blocking, keyspace(namespace)), this.onError, new SharedFeed(this.store(namespace), namespace));
      this.byNamespace.set(namespace, notifier);
    }
    const held = notifier;
    held.acquire();
    let released = false;
    return {
      shared: held.shared,
      waitBeyond: (position, signal) => held.waitBeyond(position, signal),
      release: () => {
        if (released) return;
        released = true;
        if (held.release() && this.byNamespace.get(namespace) === held) {
          this.byNamespace.delete(namespace);
          void held.stop();
        }
      },
    };
  }

  async close(): Promise<void> {
    const all = [...this.byNamespace.values()];
    this.byNamespace.clear();
    await Promise.all(all.map((n) => n.stop()));
  }
}
