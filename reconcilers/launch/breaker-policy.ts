/**
 * The RunTask breaker of one cluster, as pure decisions. When a cluster's RunTask keeps failing (5xx,
 * timeouts: AWS's or a proxy's trouble, not the request's), every waiting run calling it would only burn the
 * account's shared RunTask budget. The breaker stops that: after `failureThreshold` failures in a row it
 * opens for a cool-down that grows with every failed probe; when the cool-down ends exactly one run (the
 * holder of the probe lease) tries, and the others wait; a success anywhere closes it.
 *
 *   closed ─failures ≥ threshold→ open ─cool-down over, a run takes the lease→ half-open
 *   half-open ─probe fails→ open (longer cool-down)   ─probe succeeds→ closed
 *   half-open ─probe said nothing (throttled, our budget) or its lease ran out→ the next run takes the lease
 *
 * Throttles are not failures here: they are the account's rate (the gateway's shared buckets slow down for
 * them), and counting them would close one healthy cluster because another used the rate up.
 *
 * The shell (breaker.ts) stores the state in Redis and applies these decisions with compare-and-set, so all
 * replicas share one breaker per cluster.
 */
import { backoffMs, type ExponentialBackoff } from '../../controller/backoff.js';

export type BreakerPosition = 'closed' | 'open' | 'half-open';
export const BREAKER_POSITIONS: readonly BreakerPosition[] = ['closed', 'half-open', 'open'];

export interface BreakerState {
  position: BreakerPosition;
  /** Failures in a row while closed. */
  failures: number;
  /** Times the breaker opened since it was last closed: the cool-down grows with it. */
  openings: number;
  /** Epoch ms; while open, no run calls RunTask before this. */
  openUntil?: number;
  /** While half-open: the one run allowed to call, and until when its lease holds (a crashed prober's lapses). */
  probe?: { id: string; until: number };
  /** The last failure, for the held runs' status. */
  lastError?: string;
  /** Grows with every write: the compare-and-set token. */
  version: number;
}

export interface BreakerSettings {
  failureThreshold: number;
  coolDown: ExponentialBackoff;
  /** Longer than one RunTask can take (the SDK's request timeout), so a live probe is never doubled. */
  probeLeaseMs: number;
  /** How soon a run refused during a probe looks again (reads only; it calls RunTask only with the lease). */
  probePollMs: number;
}

export const BREAKER_SETTINGS: BreakerSettings = {
  failureThreshold: 5,
  coolDown: { baseMs: 2_000, factor: 2, capMs: 60_000 },
  probeLeaseMs: 45_000,
  probePollMs: 1_000,
};

/** What a RunTask answer says about the cluster's RunTask. */
export type BreakerResult = 'success' | 'failure' | 'neutral';

export type Admission =
  /** Call RunTask. `probe`: this call holds the lease and must report back. */
  | { allowed: true; probe?: string }
  | { allowed: false; retryAfterMs: number; lastError: string; position: BreakerPosition };

export interface Decision<T> {
  answer: T;
  /** The state to store, when it changed. */
  next?: BreakerState;
}

export function closedState(): BreakerState {
  return { position: 'closed', failures: 0, openings: 0, version: 0 };
}

/** Whether a run may call RunTask now; `probeId` names the lease it takes if it becomes the probe. */
export function admit(state: BreakerState | undefined, nowMs: number, probeId: string, settings = BREAKER_SETTINGS): Decision<Admission> {
  if (state === undefined || state.position === 'closed') return { answer: { allowed: true } };
  const lastError = state.lastError ?? 'unknown error';
  if (state.position === 'open' && state.openUntil !== undefined && nowMs < state.openUntil) {
    return { answer: { allowed: false, retryAfterMs: state.openUntil - nowMs, lastError, position: 'open' } };
  }
  if (state.position === 'half-open' && state.probe !== undefined && nowMs < state.probe.until) {
    return { answer: { allowed: false, retryAfterMs: Math.min(settings.probePollMs, state.probe.until - nowMs), lastError, position: 'half-open' } };
  }
  const next: BreakerState = { ...state, position: 'half-open', openUntil: undefined, probe: { id: probeId, until: nowMs + settings.probeLeaseMs }, version: state.version + 1 };
  return { answer: { allowed: true, probe: probeId }, next: clean(next) };
}

/** Records a RunTask answer; `probeId` is set when the call held the probe lease. */
export function record(
  state: BreakerState | undefined,
  result: BreakerResult,
  nowMs: number,
  probeId: string | undefined,
  lastError: string | undefined,
  settings = BREAKER_SETTINGS,
): Decision<{ from: BreakerPosition; to: BreakerPosition }> {
  const current = state ?? closedState();
  const from = current.position;
  const stay = { answer: { from, to: from } };
  const write = (next: Omit<BreakerState, 'version'>): Decision<{ from: BreakerPosition; to: BreakerPosition }> => ({
    answer: { from, to: next.position },
    next: clean({ ...next, version: current.version + 1 }),
  });
  const isProbe = probeId !== undefined && current.probe?.id === probeId;

  if (result === 'success') {
    if (from === 'closed' && current.failures === 0) return stay;
    return write({ position: 'closed', failures: 0, openings: 0 });
  }
  if (result === 'neutral') {
    // The probe learned nothing: free the lease so the next run probes at once instead of after it lapses.
    if (!isProbe) return stay;
    return write({ ...current, probe: undefined });
  }
  const error = lastError ?? current.lastError;
  if (from === 'closed') {
    const failures = current.failures + 1;
    if (failures < settings.failureThreshold) return write({ ...current, failures, lastError: error });
    return write({ position: 'open', failures, openings: 1, openUntil: nowMs + backoffMs(settings.coolDown, 1), lastError: error });
  }
  if (from === 'half-open' && (isProbe || current.probe === undefined)) {
    const openings = current.openings + 1;
    return write({ position: 'open', failures: current.failures + 1, openings, openUntil: nowMs + backoffMs(settings.coolDown, openings), lastError: error });
  }
  // A call that began before the breaker opened, or while another probed: it adds nothing but its words.
  return error === current.lastError ? stay : write({ ...current, lastError: error });
}

/** What a RunTask outcome says about the cluster (see LaunchOutcome in outcome.ts). */
export function breakerResultOf(outcome: { kind: string; cause?: string }): BreakerResult {
  if (outcome.kind === 'retry') return outcome.cause === 'transient' ? 'failure' : 'neutral';
  if (outcome.kind === 'held') return 'neutral';
  // ECS answered (launched, failures[], a conflict, a refusal of the request): its RunTask works.
  return 'success';
}

/** Drops absent optional fields, so the stored JSON compares equal however the state was built. */
function clean(state: BreakerState): BreakerState {
  const out: BreakerState = { position: state.position, failures: state.failures, openings: state.openings, version: state.version };
  if (state.openUntil !== undefined) out.openUntil = state.openUntil;
  if (state.probe !== undefined) out.probe = state.probe;
  if (state.lastError !== undefined) out.lastError = state.lastError;
  return out;
}
