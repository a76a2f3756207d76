/**
 * The token-bucket algorithm ECS documents for its API throttling: a bucket holds at most `capacity`
 * tokens (the burst), gains `refillPerSecond` tokens every second (the sustained rate), and a call that
 * finds too few tokens is throttled. Refill is continuous here (AWS refills "every second"; a continuous
 * refill has the same long-run rate and burst, and avoids a saw-tooth in benchmarks).
 */
export interface TokenBucketOptions {
  /** Maximum tokens held: the burst. */
  capacity: number;
  /** Tokens added per second: the sustained rate. */
  refillPerSecond: number;
  /** Milliseconds, monotonic enough for rate-keeping. Injected so tests can step time. */
  now: () => number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAtMs: number;

  constructor(private readonly options: TokenBucketOptions) {
    this.tokens = options.capacity;
    this.updatedAtMs = options.now();
  }

  /** Takes `count` tokens if they are all there; otherwise takes none and answers false. */
  tryTake(count = 1): boolean {
    this.refill();
    if (this.tokens + 1e-9 < count) return false;
    this.tokens -= count;
    return true;
  }

  /** Tokens available now (fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Fills the bucket to its burst at once (the simulator's reset). */
  refillToCapacity(): void {
    this.tokens = this.options.capacity;
    this.updatedAtMs = this.options.now();
  }

  private refill(): void {
    const now = this.options.now();
    const elapsedSeconds = Math.max(0, now - this.updatedAtMs) / 1000;
    this.updatedAtMs = now;
    this.tokens = Math.min(this.options.capacity, this.tokens + elapsedSeconds * this.options.refillPerSecond);
  }
}
