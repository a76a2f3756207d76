/**
 * Task-definition state in Redis: the hash → ARN cache, pending registrations, the runs waiting on each
 * hash, terminal failures, the family locks and the per-revision reference sets used by auto-deregister.
 *
 * Every step that must not interleave with another replica is one Lua script:
 * - a run either finds the ARN (and takes a reference) or is recorded as waiting before it looks again,
 *   and the registration drains the waiting set only after it wrote the ARN — so no wake-up is lost;
 * - releasing the last reference of an auto-deregistered revision removes it from the cache in the same
 *   step, so no run can pick the revision up again once its deregistration is decided.
 */
import type { Redis } from 'ioredis';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { defineScript, integerReply, optionalStringReply, stringListReply } from '../../controller/redis-scripts.js';
import type { TaskdefKeys } from './keys.js';

/** What the registration worker needs to register (or find) the definition of one hash. */
export interface PendingRegistration {
  hash: string;
  family: string;
  region: string | undefined;
  taskDefinition: RegisterTaskDefinitionCommandInput;
  matchLatestRevisionInFamily: boolean;
  autoDeregister: boolean;
}

/** ECS refused the definition itself; the runs waiting on it fail with this message. */
export interface RegistrationFailure {
  code: string;
  message: string;
  at: string;
}

/**
 * A registration that keeps failing in a way worth retrying (5xx, timeouts, throttles): what the runs
 * waiting on it show, and what their registration deadline judges by. Gone once the hash settles.
 */
export interface RegistrationTrouble {
  /** Failed tries in a row. */
  failures: number;
  /** The first failed try (ISO). */
  since: string;
  /** AWS's error name and message of the last failed try. */
  code: string;
  message: string;
}

const PENDING_TTL_SECONDS = 24 * 3600;

const ACQUIRE_LUA = `
local arn = redis.call('GET', KEYS[1])
if not arn then return false end
redis.call('SADD', KEYS[2] .. arn, ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
return arn`;
const ACQUIRE = defineScript('longshoreTaskdefAcquire', ACQUIRE_LUA, optionalStringReply);

// Joins the waiting set and records the pending registration, then looks again exactly as ACQUIRE does
// (same KEYS[1..3] and ARGV[1]), so an ARN written meanwhile is taken instead of waited for.
const AWAIT = defineScript('longshoreTaskdefAwait', `
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SET', KEYS[4], ARGV[2], 'NX', 'EX', ARGV[3])` + ACQUIRE_LUA, optionalStringReply);

const COMPLETE = defineScript('longshoreTaskdefComplete', `
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[2] == '1' then redis.call('HSET', KEYS[2], 'hash', ARGV[3], 'autoDeregister', ARGV[4]) end
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])
local waiting = redis.call('SMEMBERS', KEYS[6])
redis.call('DEL', KEYS[6])
return waiting`, stringListReply);

const FAIL = defineScript('longshoreTaskdefFail', `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('DEL', KEYS[2], KEYS[3])
local waiting = redis.call('SMEMBERS', KEYS[4])
redis.call('DEL', KEYS[4])
return waiting`, stringListReply);

const DRAIN = defineScript('longshoreTaskdefDrainWaiting', `
local waiting = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return waiting`, stringListReply);

const UNLOCK = defineScript('longshoreTaskdefUnlockFamily', `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`, integerReply);

/** KEYS: refs, owned, cache-of-owned-hash. ARGV: run, arn, expected hash. Returns 1 when the revision is to be deregistered. */
const RELEASE = defineScript('longshoreTaskdefRelease', `
redis.call('SREM', KEYS[1], ARGV[1])
if redis.call('SCARD', KEYS[1]) > 0 then return 0 end
if redis.call('HGET', KEYS[2], 'hash') ~= ARGV[3] then return 0 end
if redis.call('HGET', KEYS[2], 'autoDeregister') ~= '1' then return 0 end
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
redis.call('DEL', KEYS[2])
return 1`, integerReply);

const INVALIDATE = defineScript('longshoreTaskdefInvalidate', `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`, integerReply);

export class TaskdefStore {
  constructor(private readonly redis: Redis, private readonly keys: TaskdefKeys) {}

  /** The cached ARN for the hash, taking a reference for the run; null on a miss. */
  async acquire(hash: string, runName: string): Promise<string | null> {
    return ACQUIRE.run(this.redis, [this.keys.cache(hash), this.keys.refs(''), this.keys.waiting(hash)], [runName]);
  }

  /**
   * Records the run as waiting on the hash and the registration as pending, then looks again: an ARN
   * written meanwhile is returned (with a reference taken) instead.
   */
  async awaitRegistration(runName: string, pending: PendingRegistration): Promise<string | null> {
    const { hash } = pending;
    return AWAIT.run(this.redis, [this.keys.cache(hash), this.keys.refs(''), this.keys.waiting(hash), this.keys.pending(hash)],
      [runName, JSON.stringify(pending), PENDING_TTL_SECONDS]);
  }

  async cached(hash: string): Promise<string | null> {
    return this.redis.get(this.keys.cache(hash));
  }

  async pending(hash: string): Promise<PendingRegistration | null> {
    const text = await this.redis.get(this.keys.pending(hash));
    return text ? (JSON.parse(text) as PendingRegistration) : null;
  }

  async failure(hash: string): Promise<RegistrationFailure | null> {
    const text = await this.redis.get(this.keys.failure(hash));
    return text ? (JSON.parse(text) as RegistrationFailure) : null;
  }

  /** Stores hash → ARN and returns the runs that were waiting (now to be woken). */
  async complete(hash: string, arn: string, ownership: { owned: boolean; autoDeregister: boolean }): Promise<string[]> {
    const k = this.keys;
    return COMPLETE.run(this.redis, [k.cache(hash), k.owned(arn), k.pending(hash), k.failedTries(hash), k.failure(hash), k.waiting(hash)],
      [arn, ownership.owned ? '1' : '0', hash, ownership.autoDeregister ? '1' : '0']);
  }

  /** Records a terminal failure for a while and returns the runs that were waiting. */
  async fail(hash: string, failure: RegistrationFailure, ttlSeconds: number): Promise<string[]> {
    const k = this.keys;
    return FAIL.run(this.redis, [k.failure(hash), k.pending(hash), k.failedTries(hash), k.waiting(hash)], [JSON.stringify(failure), ttlSeconds]);
  }

  async drainWaiting(hash: string): Promise<string[]> {
    return DRAIN.run(this.redis, [this.keys.waiting(hash)], []);
  }

  async waitingRuns(hash: string): Promise<string[]> {
    return this.redis.smembers(this.keys.waiting(hash));
  }

  /** Counts one more failed registration try of the hash; the count drives the backoff. */
  async countFailedTry(hash: string): Promise<number> {
    const key = this.keys.failedTries(hash);
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, PENDING_TTL_SECONDS).exec()) as [[Error | null, number], unknown];
    return count;
  }

  async failedTries(hash: string): Promise<number> {
    return Number((await this.redis.get(this.keys.failedTries(hash))) ?? 0);
  }

  async registrationTrouble(hash: string): Promise<RegistrationTrouble | null> {
    const text = await this.redis.get(this.keys.registrationTrouble(hash));
    return text ? (JSON.parse(text) as RegistrationTrouble) : null;
  }

  /**
   * Records one more failed try of the hash's registration with AWS's error. Plain read-then-write: only the
   * holder of the family's lock registers the hash, so there is one writer at a time.
   */
  async recordRegistrationTrouble(hash: string, error: { code: string; message: string }, now: string): Promise<{ trouble: RegistrationTrouble; previous: RegistrationTrouble | null }> {
    const previous = await this.registrationTrouble(hash);
    const trouble: RegistrationTrouble = { failures: (previous?.failures ?? 0) + 1, since: previous?.since ?? now, code: error.code, message: error.message };
    await this.redis.set(this.keys.registrationTrouble(hash), JSON.stringify(trouble), 'EX', PENDING_TTL_SECONDS);
    return { trouble, previous };
  }

  /** The registration settled (registered, reused or failed for good): its trouble is over. */
  async clearRegistrationTrouble(hash: string): Promise<void> {
    await this.redis.del(this.keys.registrationTrouble(hash));
  }

  async lockFamily(family: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.familyLock(family), token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Releases the lock only if this owner still holds it (it may have expired and been taken since). */
  async unlockFamily(family: string, token: string): Promise<void> {
    await UNLOCK.run(this.redis, [this.keys.familyLock(family)], [token]);
  }

  /**
   * Drops the run's reference to the revision. True when that was the last reference of a revision
   * Longshore registered for a pool with autoDeregisterTaskDefinition: it is out of the cache now and
   * the caller deregisters it.
   */
  async release(runName: string, arn: string): Promise<boolean> {
    const hash = await this.redis.hget(this.keys.owned(arn), 'hash');
    if (hash === null) {
      await this.redis.srem(this.keys.refs(arn), runName);
      return false;
    }
    return (await RELEASE.run(this.redis, [this.keys.refs(arn), this.keys.owned(arn), this.keys.cache(hash)], [runName, arn, hash])) === 1;
  }

  async references(arn: string): Promise<string[]> {
    return this.redis.smembers(this.keys.refs(arn));
  }

  /** Forgets hash → ARN when ECS says the revision is unusable (INACTIVE or gone), unless it changed meanwhile. */
  async invalidate(hash: string, arn: string): Promise<void> {
    await INVALIDATE.run(this.redis, [this.keys.cache(hash)], [arn]);
  }
}
