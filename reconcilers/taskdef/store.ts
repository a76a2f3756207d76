/**
 * Task-definition state in Redis: the hash → ARN cache, pending registrations, the runs waiting on each
 * hash, terminal failures, the family locks and the per-revision reference sets used by auto-deregister.
 *
 * Every step that must not interleave with another replica is one Lua script:
 * - a run either finds the ARN (and takes a reference) or is recorded as waiting before it looks again,
 *   and the registration drains the waiting set only after it wrote the ARN — so no wake-up is lost;
 * - releasing the last reference of an auto-deregistered revision removes it from the cache in the same
 *   step, so no run can pick the revision up again once its deregistration is decided;
 * - an entry older than the revalidation bound is handed to one caller at a time to describe again
 *   (the `fresh` marker expires after the bound; taking the check lease is part of the lookup).
 */
import type { AwsTarget } from '../../controller/aws/target.js';
import type { RedisClient } from '../../controller/redis.js';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { defineScript, integerReply, stringListReply } from '../../controller/redis-scripts.js';
import type { TaskdefKeys } from './keys.js';

/** What the registration worker needs to register (or find) the definition of one hash. */
export interface PendingRegistration {
  hash: string;
  family: string;
  region: string | undefined;
  /** The pool's role (and Region) the registration is made with; absent: the controller's own credentials. */
  target?: AwsTarget;
  taskDefinition: RegisterTaskDefinitionCommandInput;
  matchLatestRevisionInFamily: boolean;
  autoDeregister: boolean;
  /**
   * The pool whose run asked first, with its `scheduling`: the registration waits for the account-region's
   * RegisterTaskDefinition budget in that pool's turn (fair share, lane 'register'). Absent in records
   * written before it existed: such a registration waits outside the fair share, as before.
   */
  share?: { pool: string; weight: number; priority: number };
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

// KEYS: cache, refs prefix, waiting, fresh. ARGV: run, check lease (ms). Returns false on a miss, else
// { arn, '1' } when this caller is to revalidate the ARN (it took the single-flight lease), { arn, '0' } else.
const ACQUIRE_LUA = `
local arn = redis.call('GET', KEYS[1])
if not arn then return false end
redis.call('SADD', KEYS[2] .. arn, ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
if redis.call('SET', KEYS[4], 'checking', 'NX', 'PX', ARGV[2]) then return { arn, '1' } end
return { arn, '0' }`;
const ACQUIRE = defineScript('longshoreTaskdefAcquire', ACQUIRE_LUA, acquiredReply);

// Joins the waiting set and records the pending registration, then looks again exactly as ACQUIRE does
// (same KEYS[1..4] and ARGV[1..2]), so an ARN written meanwhile is taken instead of waited for.
const AWAIT = defineScript('longshoreTaskdefAwait', `
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SET', KEYS[5], ARGV[3], 'NX', 'EX', ARGV[4])` + ACQUIRE_LUA, acquiredReply);

const COMPLETE = defineScript('longshoreTaskdefComplete', `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[7], 'registered', 'EX', ARGV[5])
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

// KEYS: cache, fresh, rejected, refs of the ARN. ARGV: arn, rejected TTL (s), run (may be empty).
const INVALIDATE = defineScript('longshoreTaskdefInvalidate', `
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('EXPIRE', KEYS[3], ARGV[2])
if ARGV[3] ~= '' then redis.call('SREM', KEYS[4], ARGV[3]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1], KEYS[2]) end
return 0`, integerReply);

// KEYS: cache, fresh. ARGV: arn, bound (s). Marks the entry fresh again, unless it changed meanwhile.
const CONFIRM = defineScript('longshoreTaskdefConfirm', `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], 'confirmed', 'EX', ARGV[2])
return 1`, integerReply);

/** A cache hit; `revalidate` when the entry is older than the bound and this caller holds the check lease. */
export interface Acquired {
  arn: string;
  revalidate: boolean;
}

function acquiredReply(reply: unknown): Acquired | null {
  if (!Array.isArray(reply)) return null;
  const [arn, check] = reply as unknown[];
  if (typeof arn !== 'string') throw new Error(`unexpected task-definition acquire reply ${JSON.stringify(reply)}`);
  return { arn, revalidate: check === '1' };
}

export interface TaskdefStoreOptions {
  /** A cached ARN older than this (registered or last confirmed) is described again before it is trusted. */
  revalidateAfterSeconds?: number;
  /** How long one reconcile holds the right to revalidate an entry (single flight). */
  checkLeaseMs?: number;
}

/** A day: a vanished revision is found by RunTask anyway; the bound only stops trusting an entry forever. */
export const DEFAULT_REVALIDATE_AFTER_SECONDS = 86_400;
const DEFAULT_CHECK_LEASE_MS = 60_000;
/** Long enough to outlast ECS's eventual consistency and any reuse of the family's latest revision. */
const REJECTED_TTL_SECONDS = 24 * 3600;

export class TaskdefStore {
  private readonly revalidateAfterSeconds: number;
  private readonly checkLeaseMs: number;

  constructor(private readonly redis: RedisClient, private readonly keys: TaskdefKeys, options: TaskdefStoreOptions = {}) {
    this.revalidateAfterSeconds = options.revalidateAfterSeconds ?? DEFAULT_REVALIDATE_AFTER_SECONDS;
    this.checkLeaseMs = options.checkLeaseMs ?? DEFAULT_CHECK_LEASE_MS;
  }

  /**
   * The cached ARN for the hash, taking a reference for the run; null on a miss. `revalidate` is true for
   * exactly one caller at a time once the entry is older than the bound: that caller describes the ARN and
   * reports back (confirm or invalidate); the others use the ARN meanwhile (RunTask has the last word).
   */
  async acquire(hash: string, runName: string): Promise<Acquired | null> {
    const k = this.keys;
    return ACQUIRE.run(this.redis, [k.cache(hash), k.refs(''), k.waiting(hash), k.fresh(hash)], [runName, this.checkLeaseMs]);
  }

  /**
   * Records the run as waiting on the hash and the registration as pending, then looks again: an ARN
   * written meanwhile is returned (with a reference taken) instead.
   */
  async awaitRegistration(runName: string, pending: PendingRegistration): Promise<Acquired | null> {
    const { hash } = pending;
    const k = this.keys;
    return AWAIT.run(this.redis, [k.cache(hash), k.refs(''), k.waiting(hash), k.fresh(hash), k.pending(hash)],
      [runName, this.checkLeaseMs, JSON.stringify(pending), PENDING_TTL_SECONDS]);
  }

  /** Whether the run is already in the hash's waiting set (it looked before and was not woken since). */
  async isWaiting(hash: string, runName: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.waiting(hash), runName)) === 1;
  }

  /** DescribeTaskDefinition found the cached ARN ACTIVE: trust it for another bound. */
  async confirm(hash: string, arn: string): Promise<void> {
    await CONFIRM.run(this.redis, [this.keys.cache(hash), this.keys.fresh(hash)], [arn, this.revalidateAfterSeconds]);
  }

  /** Whether RunTask or a revalidation rejected the ARN for the hash recently (the worker must not reuse it). */
  async isRejected(hash: string, arn: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.rejected(hash), arn)) === 1;
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
    return COMPLETE.run(this.redis, [k.cache(hash), k.owned(arn), k.pending(hash), k.failedTries(hash), k.failure(hash), k.waiting(hash), k.fresh(hash)],
      [arn, ownership.owned ? '1' : '0', hash, ownership.autoDeregister ? '1' : '0', this.revalidateAfterSeconds]);
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

  /**
   * ECS says the revision is unusable (INACTIVE, DELETE_IN_PROGRESS or gone): forgets hash → ARN unless it
   * changed meanwhile, remembers the ARN as rejected for the hash (so the worker does not reuse it as the
   * family's "latest") and drops `runName`'s reference to it.
   */
  async invalidate(hash: string, arn: string, runName = ''): Promise<void> {
    const k = this.keys;
    await INVALIDATE.run(this.redis, [k.cache(hash), k.fresh(hash), k.rejected(hash), k.refs(arn)], [arn, REJECTED_TTL_SECONDS, runName]);
  }
}
