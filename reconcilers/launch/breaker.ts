/**
 * The RunTask breakers in Redis, shared by every replica: one per cluster, keyed by region and cluster name.
 * Longshore runs with one set of AWS credentials, so one account, and region + name identify the cluster's
 * ARN (arn:aws:ecs:<region>:<account>:cluster/<name>); a pool naming its cluster by ARN and one naming it by
 * name share the breaker. The decisions are breaker-policy.ts's; this module reads the state, decides, and
 * writes it back with a compare-and-set script, re-reading when another replica wrote first.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../controller/redis.js';
import type { Logger } from 'pino';
import { defineScript, integerReply } from '../../controller/redis-scripts.js';
import {
  admit, breakerResultOf, record, BREAKER_SETTINGS, type BreakerPosition, type BreakerSettings, type BreakerState, type Decision,
} from './breaker-policy.js';
import type { LaunchOutcome } from './outcome.js';

/** Writes ARGV[2] (for ARGV[3] ms) only if the key still holds ARGV[1] ('' = absent): 1, else 0. */
const compareAndSet = defineScript(
  'longshoreBreakerCompareAndSet',
  `local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`,
  integerReply,
);

/** A breaker nobody touched for this long is forgotten (it closes): an idle cluster starts afresh. */
const STATE_TTL_MS = 3_600_000;
/** Compare-and-set rounds before giving up on one decision (another replica keeps winning). */
const MAX_ROUNDS = 8;
/** A run that could not get a decision (heavy contention) looks again this soon, without calling RunTask. */
const CONTENDED_RETRY_MS = 250;

export interface BreakerTarget {
  region: string;
  /** As the pool names it: a name, or an ARN. */
  cluster: string;
}

export interface BreakerObserver {
  /** The cluster's breaker as this replica last saw it: moved, or refused a run (so it is not closed). */
  position?(target: { region: string; cluster: string }, position: BreakerPosition): void;
  /** A run was not allowed to call RunTask. */
  refused?(target: { region: string; cluster: string }): void;
  /** This replica launches on the cluster for the first time (to create its series at zero). */
  seen?(target: { region: string; cluster: string }): void;
}

export interface LaunchBreaker {
  /** Runs `launch` if the cluster's breaker allows it, records what it answered; otherwise a `held` outcome. */
  guard(target: BreakerTarget, launch: () => Promise<LaunchOutcome>): Promise<LaunchOutcome>;
}

export interface LaunchBreakerDeps {
  redis: RedisClient;
  /** The Redis key of a cluster's breaker. */
  key(region: string, cluster: string): string;
  settings?: BreakerSettings;
  now?: () => number;
  logger?: Logger;
  observer?: BreakerObserver;
}

/** Region and cluster name of a pool's cluster (an ARN carries both). */
export function clusterIdentity(target: BreakerTarget): { region: string; cluster: string } {
  const arn = /^arn:[^:]+:ecs:([^:]+):[^:]*:cluster\/(.+)$/.exec(target.cluster);
  return arn ? { region: arn[1], cluster: arn[2] } : { region: target.region, cluster: target.cluster };
}

export function createLaunchBreaker(deps: LaunchBreakerDeps): LaunchBreaker {
  const settings = deps.settings ?? BREAKER_SETTINGS;
  const now = deps.now ?? Date.now;
  const seen = new Set<string>();

  async function decide<T>(key: string, choose: (state: BreakerState | undefined) => Decision<T>): Promise<T | undefined> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const raw = await deps.redis.get(key);
      const decision = choose(raw === null ? undefined : parse(raw));
      if (decision.next === undefined) return decision.answer;
      const written = await compareAndSet.run(deps.redis, [key], [raw ?? '', JSON.stringify(decision.next), STATE_TTL_MS]);
      if (written === 1) return decision.answer;
    }
    return undefined;
  }

  return {
    async guard(target, launch) {
      const id = clusterIdentity(target);
      const key = deps.key(id.region, id.cluster);
      if (!seen.has(key)) {
        seen.add(key);
        deps.observer?.seen?.(id);
      }
      const probeId = randomUUID();
      const admission = await decide(key, (state) => admit(state, now(), probeId, settings));
      if (admission === undefined || !admission.allowed) {
        deps.observer?.refused?.(id);
        if (admission !== undefined) deps.observer?.position?.(id, admission.position);
        const lastError = admission?.lastError ?? 'another replica is deciding';
        return {
          kind: 'held', reason: 'BreakerOpen',
          message: `RunTask held: cluster ${id.cluster}'s RunTask keeps failing (${lastError}); one run at a time probes it`,
          lastError,
          retryAfterMs: admission?.retryAfterMs ?? CONTENDED_RETRY_MS,
        };
      }
      if (admission.probe !== undefined) deps.observer?.position?.(id, 'half-open');
      let outcome: LaunchOutcome;
      try {
        outcome = await launch();
      } catch (error) {
        // Not an AWS answer (a bug, Redis): it says nothing about the cluster, but a probe must free its lease.
        await report(key, id, 'neutral', admission.probe, undefined);
        throw error;
      }
      const result = breakerResultOf(outcome);
      const lastError = outcome.kind === 'retry' ? outcome.message : undefined;
      await report(key, id, result, admission.probe, lastError);
      return outcome;
    },
  };

  async function report(key: string, id: { region: string; cluster: string }, result: ReturnType<typeof breakerResultOf>, probe: string | undefined, lastError: string | undefined): Promise<void> {
    const moved = await decide(key, (state) => record(state, result, now(), probe, lastError, settings));
    if (moved === undefined) {
      deps.logger?.debug({ ...id, result }, 'breaker update lost to contention');
      return;
    }
    if (moved.from === moved.to) return;
    deps.observer?.position?.(id, moved.to);
    if (moved.to === 'open') {
      deps.logger?.warn({ ...id, from: moved.from, error: lastError }, 'RunTask breaker opened: the cluster keeps failing; one run at a time probes it');
    } else if (moved.to === 'closed') {
      deps.logger?.warn({ ...id, from: moved.from }, 'RunTask breaker closed: the cluster answers again');
    }
  }
}

function parse(raw: string): BreakerState | undefined {
  try {
    const value = JSON.parse(raw) as Partial<BreakerState>;
    if (typeof value !== 'object' || value === null || typeof value.version !== 'number' || typeof value.position !== 'string') return undefined;
    return value as BreakerState;
  } catch {
    // Unreadable (written by another version): treat as closed; the next write replaces it.
    return undefined;
  }
}
