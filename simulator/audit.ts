/**
 * The simulator's record of every API call, for tests and the benchmark (`GET /_sim/audit`).
 * Every protocol handler reports each call it answers through an AuditSink.
 */
export type AuditOutcome = 'ok' | 'throttled' | 'error';
export type AuditSink = (action: string, outcome: AuditOutcome) => void;

export interface CallCounts {
  ok: number;
  throttled: number;
  error: number;
}

export class CallAudit {
  private readonly calls = new Map<string, CallCounts>();

  /** Bound so it can be handed to handlers as an AuditSink. */
  readonly record: AuditSink = (action, outcome) => {
    let counts = this.calls.get(action);
    if (counts === undefined) {
      counts = { ok: 0, throttled: 0, error: 0 };
      this.calls.set(action, counts);
    }
    counts[outcome] += 1;
  };

  snapshot(): Record<string, CallCounts> {
    const result: Record<string, CallCounts> = {};
    for (const [action, counts] of this.calls) result[action] = { ...counts };
    return result;
  }

  clear(): void {
    this.calls.clear();
  }
}
