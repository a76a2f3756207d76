/**
 * A pool's concurrency limits (spec.limits): maxSubmitting bounds the runs between launch and RUNNING,
 * maxRunning the runs with a live task. Slots are members of two Redis sets per pool, shared by every
 * replica; taking both is one Lua script, so two replicas cannot both take the last slot.
 *
 * Which slots a run holds follows from its lifecycle state alone (slotsFor), so the reconciler releases
 * what a run no longer needs on every pass (level-triggered; SREM is idempotent). A slot is only ever
 * taken right before RunTask. A run that finds no slot joins the pool's waiting line (a sorted set, oldest
 * first); whoever frees a slot wakes that many of the oldest waiters. LIMIT_RECHECK_MS is only the fallback
 * for a lost wake-up.
 */
import type { RedisClient } from '../../controller/redis.js';
import type { PoolRecord } from '../../controller/api/pool.js';
import { defineScript, integerReply, stringListReply } from '../../controller/redis-scripts.js';
import type { Keyspace } from '../../controller/store/keys.js';
import type { LifecycleStateName } from '../../machines/run-types.js';

export const LIMIT_RECHECK_MS = 10_000;

export interface SlotNeeds {
  submitting: boolean;
  running: boolean;
}

/** The slots a run in `state` holds (launching holds both: its RunTask may be in flight). */
export function slotsFor(state: LifecycleStateName): SlotNeeds {
  switch (state) {
    case 'launching':
    case 'submitted':
      return { submitting: true, running: true };
    case 'running':
    case 'stopping':
      return { submitting: false, running: true };
    default:
      return { submitting: false, running: false };
  }
}

export type AcquireResult = { ok: true } | { ok: false; limit: 'maxSubmitting' | 'maxRunning'; max: number };

export interface PoolLimiter {
  /** Takes the run's submitting and running slots, or neither when a limit is reached. */
  acquire(pool: PoolRecord, runName: string): Promise<AcquireResult>;
  /** Gives back the slots the run no longer needs in the named pool; returns the waiting runs to wake for the freed slots. */
  release(pool: string, runName: string, keep: SlotNeeds): Promise<string[]>;
}

// Membership is tracked even without a limit, so a limit added later counts the runs already launched.
const ACQUIRE = defineScript('longshorePoolSlotsAcquire', `
local member = ARGV[1]
local function fits(key, limit)
  if limit < 0 then return true end
  if redis.call('SISMEMBER', key, member) == 1 then return true end
  return redis.call('SCARD', key) < limit
end
local verdict = 0
if not fits(KEYS[1], tonumber(ARGV[2])) then verdict = 1
elseif not fits(KEYS[2], tonumber(ARGV[3])) then verdict = 2 end
if verdict ~= 0 then
  redis.call('ZADD', KEYS[3], 'NX', ARGV[4], member)
  return verdict
end
redis.call('SADD', KEYS[1], member)
redis.call('SADD', KEYS[2], member)
redis.call('ZREM', KEYS[3], member)
return 0
`, integerReply);

// Frees the slots the run no longer holds; for each slot actually freed, names one of the oldest waiters.
const RELEASE = defineScript('longshorePoolSlotsRelease', `
local member = ARGV[1]
local freed = 0
if ARGV[2] == '0' then freed = freed + redis.call('SREM', KEYS[1], member) end
if ARGV[3] == '0' then freed = freed + redis.call('SREM', KEYS[2], member) end
if ARGV[2] == '0' and ARGV[3] == '0' then redis.call('ZREM', KEYS[3], member) end
if freed == 0 then return {} end
return redis.call('ZRANGE', KEYS[3], 0, freed - 1)
`, stringListReply);

/** A pool's slot sets and waiting line (also read by the API's pool status). */
export function poolSlotKeys(ks: Keyspace, pool: string) {
  return {
    submitting: ks.key('poolslots', pool, 'submitting'),
    running: ks.key('poolslots', pool, 'running'),
    waiting: ks.key('poolslots', pool, 'waiting'),
  };
}

export function createPoolLimiter(redis: RedisClient, ks: Keyspace, now: () => number = Date.now): PoolLimiter {
  const submittingKey = (pool: string) => poolSlotKeys(ks, pool).submitting;
  const runningKey = (pool: string) => poolSlotKeys(ks, pool).running;
  const waitingKey = (pool: string) => poolSlotKeys(ks, pool).waiting;
  return {
    async acquire(pool, runName) {
      const name = pool.metadata.name;
      const maxSubmitting = pool.spec.limits.maxSubmitting ?? -1;
      const maxRunning = pool.spec.limits.maxRunning ?? -1;
      const verdict = await ACQUIRE.run(redis, [submittingKey(name), runningKey(name), waitingKey(name)], [runName, maxSubmitting, maxRunning, now()]);
      if (verdict === 1) return { ok: false, limit: 'maxSubmitting', max: maxSubmitting };
      if (verdict === 2) return { ok: false, limit: 'maxRunning', max: maxRunning };
      return { ok: true };
    },
    async release(name, runName, keep) {
      if (keep.submitting && keep.running) return [];
      const flag = (held: boolean) => (held ? '1' : '0');
      const waiters = await RELEASE.run(redis, [submittingKey(name), runningKey(name), waitingKey(name)], [runName, flag(keep.submitting), flag(keep.running)]);
      return waiters.filter((w) => w !== runName);
    },
  };
}
