/**
 * One reader, many subscribers: the lines a reader publishes go to every subscriber's own buffer, so a slow
 * client never holds the reader (or another client) back. Each buffer is bounded; a subscriber that lets
 * more than `bufferLimit` lines pile up unread is ended with an error instead of growing without bound.
 * The reader also keeps the last `historyLimit` lines it published, so a subscriber that joins later gets
 * the lines that already exist (all of them, or its tail) before the new ones. No I/O: the reader that
 * feeds it is in reader.ts.
 */
import { lastLines } from './paging.js';
import { RunLogError } from './types.js';

export interface FanOutLimits {
  /** Lines kept for subscribers that join later. */
  historyLimit: number;
  /** Unread lines one subscriber may have waiting before it is ended. */
  bufferLimit: number;
}

export const DEFAULT_FAN_OUT_LIMITS: FanOutLimits = { historyLimit: 10_000, bufferLimit: 10_000 };

type Ending = { error?: RunLogError };

export class Subscription<T> {
  private buffer: T[] = [];
  private ending: Ending | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(initial: T[], private readonly limit: number, private readonly onClose: (s: Subscription<T>) => void) {
    this.buffer = initial;
  }

  /** The next lines; null once the reader ended (after every buffered line was taken). Throws its error. */
  async next(): Promise<T[] | null> {
    for (;;) {
      if (this.buffer.length > 0) {
        const lines = this.buffer;
        this.buffer = [];
        return lines;
      }
      if (this.ending !== undefined) {
        if (this.ending.error) throw this.ending.error;
        return null;
      }
      await new Promise<void>((resolve) => (this.wakeUp = resolve));
    }
  }

  /** Stops receiving; the reader stops when its last subscriber closed. */
  close(): void {
    if (this.ending === undefined) this.ending = {};
    this.wake();
    this.onClose(this);
  }

  get unread(): number {
    return this.buffer.length;
  }

  /** @internal */
  push(lines: readonly T[]): void {
    if (this.ending !== undefined || lines.length === 0) return;
    if (this.buffer.length + lines.length > this.limit) {
      this.buffer = [];
      this.finish(new RunLogError('Unavailable', `the client fell behind: more than ${this.limit} log lines were waiting unread, so this stream was ended; read again with a tail`));
      this.onClose(this);
      return;
    }
    this.buffer.push(...lines);
    this.wake();
  }

  /** @internal */
  finish(error?: RunLogError): void {
    if (this.ending !== undefined) return;
    this.ending = error ? { error } : {};
    if (error) this.buffer = [];
    this.wake();
  }

  private wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }
}

export class FanOut<T> {
  private readonly subscribers = new Set<Subscription<T>>();
  private history: T[] = [];
  private ended: Ending | undefined;
  /** Whether `history` starts at the stream's first line (nothing read was dropped, nothing skipped). */
  private complete: boolean;

  constructor(private readonly limits: FanOutLimits, options: { fromHead: boolean; onIdle: () => void }) {
    this.complete = options.fromHead;
    this.onIdle = options.onIdle;
  }

  private readonly onIdle: () => void;

  get size(): number {
    return this.subscribers.size;
  }

  get isEnded(): boolean {
    return this.ended !== undefined;
  }

  /**
   * Whether this reader can serve a new subscriber asking for its last `tail` lines (undefined: every
   * line): its history must hold them. Otherwise the caller reads for that subscriber on its own.
   */
  canServe(tail: number | undefined): boolean {
    if (this.ended !== undefined) return false;
    if (this.complete) return true;
    return tail !== undefined && tail <= this.history.length;
  }

  subscribe(tail: number | undefined): Subscription<T> {
    const subscription: Subscription<T> = new Subscription(lastLines(this.history, tail), this.limits.bufferLimit, (s) => this.leave(s));
    this.subscribers.add(subscription);
    return subscription;
  }

  publish(lines: readonly T[]): void {
    if (lines.length === 0 || this.ended !== undefined) return;
    this.history.push(...lines);
    if (this.history.length > this.limits.historyLimit) {
      this.history = this.history.slice(this.history.length - this.limits.historyLimit);
      this.complete = false;
    }
    for (const subscriber of [...this.subscribers]) subscriber.push(lines);
  }

  /** The reader is done (the attempt stopped) or failed: every subscriber ends after its buffered lines. */
  end(error?: RunLogError): void {
    if (this.ended !== undefined) return;
    this.ended = error ? { error } : {};
    for (const subscriber of this.subscribers) subscriber.finish(error);
    this.subscribers.clear();
  }

  private leave(subscription: Subscription<T>): void {
    if (!this.subscribers.delete(subscription)) return;
    if (this.subscribers.size === 0) this.onIdle();
  }
}
