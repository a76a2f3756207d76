/**
 * RunTask clientToken idempotency, per cluster (docs/ecs-facts.md#idempotency): the same token with the same
 * parameters returns the original result; with different parameters, ConflictException listing the
 * existing task ARNs. A token is remembered for min(24 h, the lifetime of its last task + 1 h).
 */
import type { SimTask } from '../lifecycle/task.js';

export const TOKEN_TTL_MAX_MS = 24 * 3600_000;
export const TOKEN_TTL_AFTER_STOP_MS = 3600_000;

export interface IdempotentRun {
  /** Canonical JSON of the request without its clientToken. */
  fingerprint: string;
  createdAtMs: number;
  tasks: SimTask[];
  failures: Array<Record<string, unknown>>;
}

export class IdempotencyStore {
  private readonly entries = new Map<string, IdempotentRun>();
  private insertsSinceSweep = 0;

  constructor(
    private readonly now: () => number,
    /** Real milliseconds for a simulated duration. */
    private readonly toRealMs: (simulatedMs: number) => number,
  ) {}

  find(clusterArn: string, token: string): IdempotentRun | undefined {
    const key = `${clusterArn}\n${token}`;
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.expired(entry)) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  remember(clusterArn: string, token: string, run: IdempotentRun): void {
    this.entries.set(`${clusterArn}\n${token}`, run);
    this.insertsSinceSweep += 1;
    if (this.insertsSinceSweep >= 1000) this.sweep();
  }

  clear(): void {
    this.entries.clear();
  }

  private expired(entry: IdempotentRun): boolean {
    const now = this.now();
    if (now >= entry.createdAtMs + this.toRealMs(TOKEN_TTL_MAX_MS)) return true;
    if (entry.tasks.length === 0 || entry.tasks.some((task) => task.stoppedAtMs === undefined)) return false;
    const lastStopMs = Math.max(...entry.tasks.map((task) => task.stoppedAtMs ?? 0));
    return now >= lastStopMs + this.toRealMs(TOKEN_TTL_AFTER_STOP_MS);
  }

  private sweep(): void {
    this.insertsSinceSweep = 0;
    for (const [key, entry] of this.entries) if (this.expired(entry)) this.entries.delete(key);
  }
}

/** Key-order-independent JSON, so `{a,b}` and `{b,a}` are the same parameters. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
