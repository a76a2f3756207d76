/**
 * Token buckets in Redis, shared by every replica: one hash per throttle category, changed only by one
 * Lua script so a take is atomic across replicas and across the several buckets one call spends (a Fargate
 * RunTask spends clusterResourceModify, fargateRunTaskCalls and launch tokens: all or none).
 *
 * Adaptive pacing: other clients share the account's real buckets, so when AWS throttles us anyway the
 * category's rate factor is cut (multiplicative decrease, at most once per cooldown so one burst of
 * throttles counts once) and its tokens are emptied. The factor then recovers linearly while no further
 * throttle arrives. The factor lives in the same hash, so every replica slows down together.
 *
 * Waiting line: if every refused caller were told "when the next token refills", hundreds of callers
 * waiting for one bucket would all come back together, one would win and the rest be refused again (a
 * thundering herd: ~N²/2 refusals to serve N). So each bucket also keeps a waiting line (w): the tokens
 * promised to refused callers whose turn has not come yet. A refused caller is told the time until the
 * refill covers the line and its own count, and joins the line's end. The line shrinks as the bucket
 * refills (each refilled token is one turn come due), whether or not that caller comes back, so a
 * promise never outlives its turn. The grant rule itself is unchanged (tokens >= count), so the burst
 * and the rate are exactly as before; the line only spreads the retries. Callers carry no identity, so
 * the line is approximate:
 * - a caller that skips ahead (arrives while a token is free) takes a token a waiter counted on; that
 *   waiter is refused at its turn and goes to the end of the line;
 * - a caller that comes back before its turn (woken up early) is usually counted in the line already,
 *   so one count of the line is taken as its own (`need = max(count, line)`);
 * - the line holds at most `waitingLineSeconds` of refill, so no one is told to wait longer than that;
 *   a caller refused while the line is full is told a uniformly random time within it: many waiters
 *   woken early at once (a wake-up of every run of a definition) would otherwise all rejoin at the end
 *   and leave the bucket idle until then;
 * - a throttle clears the line with the tokens: the turns were computed at the old rate.
 * Below the cap, a small random jitter (up to one turn) spreads callers told the same turn.
 *
 * Fair share (issue 11): a take may say who takes (ShareIdentity: pool, its weight and priority, the run).
 * Then the same script also keeps, per account-region and lane (`launch`, `register`), a hash of pools
 * (one JSON field each: virtual pass p, weight w, priority r, callers waiting n, last seen t, launches and
 * refusals per 10 s slot s) and a sorted set of waiting callers (`pool\ncaller`, scored by when their promise
 * runs out: promised turn + grace). This is stride scheduling, chosen because it keeps the decision to one
 * comparison per take inside the one atomic round trip (a queue per pool would need a dequeue order the
 * callers, who come back on their own, cannot follow):
 * - a pool is *active* while it has callers waiting; a take is *eligible* when no active pool has a higher
 *   priority and its pass is within `slack` of the lowest pass among the active pools of its priority;
 * - a grant adds count / weight to the pool's pass, so while pools keep waiting their passes advance
 *   together and their launches follow their weights (3 and 1: 75 % and 25 %); a pool alone is always
 *   eligible and gets everything at the full rate, with no extra refusal;
 * - a pool with no one waiting starts at the lowest active pass: no credit banked while idle, no debt;
 * - work-conserving: an ineligible take is still granted from tokens beyond the callers waiting ahead of it
 *   (higher priorities, lower passes), so tokens are only held back for callers who are there to claim them;
 * - an ineligible caller is told when its turn comes (how far its pass is ahead, or how many callers of
 *   higher priorities wait), capped and spread like the line; it does not join the bucket's line;
 * - a caller that never comes back (a cancelled run) drops out when its promise plus grace runs out.
 * A pool alone costs two more commands per take (HGETALL, HSET), plus ZADD/ZREM while its callers wait.
 */
import type { RedisClient } from '../redis.js';
import { defineScript, integerListReply } from '../redis-scripts.js';
import { usableBurst, type BudgetTable, type ThrottleCategory } from './budgets.js';

// Hash fields: t = tokens, u = tokens updated at (ms), f = rate factor at last decrease, d = last decrease (ms),
// w = waiting line (tokens promised to refused callers whose turn has not come yet).
const BUCKETS = defineScript('longshoreTokenBuckets', `
local mode = ARGV[1]
local now = tonumber(ARGV[2])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local decrease, minFactor = tonumber(ARGV[3]), tonumber(ARGV[4])
local cooldown, recovery = tonumber(ARGV[5]), tonumber(ARGV[6])
local lineSeconds, jitter = tonumber(ARGV[7]), tonumber(ARGV[8])
local nb = tonumber(ARGV[9])
local state = {}
for i = 1, nb do
  local key = KEYS[i]
  local base = 9 + (i - 1) * 3
  local burst, rate, count = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local h = redis.call('HMGET', key, 't', 'u', 'f', 'd', 'w')
  local tokens, updated = tonumber(h[1]) or burst, tonumber(h[2]) or now
  local f0, decreasedAt = tonumber(h[3]) or 1, tonumber(h[4]) or 0
  local factor = math.min(1, f0 + recovery * math.max(0, now - decreasedAt) / 1000)
  local refill = rate * factor * math.max(0, now - updated) / 1000
  tokens = math.min(burst, tokens + refill)
  local line = math.max(0, (tonumber(h[5]) or 0) - refill)
  state[i] = { key = key, burst = burst, rate = rate, count = count, tokens = tokens, factor = factor, f0 = f0, d = decreasedAt, line = line }
end
local reply = { 1, 0 }
-- Fair share (see the header): only a take that names its pool and is given the share keys.
local fair = nil
if mode == 'take' and #KEYS > nb then
  local a = 10 + nb * 3
  fair = { pools = KEYS[nb + 1], waiting = KEYS[nb + 2], pool = ARGV[a], caller = ARGV[a + 1], weight = tonumber(ARGV[a + 2]),
    priority = tonumber(ARGV[a + 3]), grace = tonumber(ARGV[a + 4]), slack = tonumber(ARGV[a + 5]), ttl = tonumber(ARGV[a + 6]),
    count = 0, reserve = 0, higher = 0, eligible = true }
  for _, s in ipairs(state) do fair.count = math.max(fair.count, s.count) end
  fair.member = fair.pool .. '\\n' .. fair.caller
  local recs, anyWaiting = {}, false
  local raw = redis.call('HGETALL', fair.pools)
  for j = 1, #raw, 2 do
    local ok, r = pcall(cjson.decode, raw[j + 1])
    if ok and type(r) == 'table' then
      r.n, r.p, r.w, r.r = tonumber(r.n) or 0, tonumber(r.p) or 0, tonumber(r.w) or 1, tonumber(r.r) or 0
      recs[raw[j]] = r
      if r.n > 0 then anyWaiting = true end
    end
  end
  local dirty = {}
  -- Callers whose promise ran out never came back (a cancelled run): they stop counting as waiting.
  if anyWaiting then
    local expired = redis.call('ZRANGEBYSCORE', fair.waiting, '-inf', now)
    if #expired > 0 then
      for _, m in ipairs(expired) do
        local p = string.match(m, '^(.-)\\n')
        local r = p and recs[p]
        if r then r.n = math.max(0, r.n - 1); dirty[p] = true end
      end
      redis.call('ZREMRANGEBYSCORE', fair.waiting, '-inf', now)
    end
  end
  local me = recs[fair.pool]
  if not me then me = { p = 0, n = 0, s = {} }; recs[fair.pool] = me end
  me.w, me.r, me.t = fair.weight, fair.priority, now
  dirty[fair.pool] = true
  local minPass, weights = nil, me.w
  for name, r in pairs(recs) do
    if name ~= fair.pool and r.n > 0 then
      if r.r > me.r then fair.higher = fair.higher + r.n
      elseif r.r == me.r then
        if minPass == nil or r.p < minPass then minPass = r.p end
        weights = weights + r.w
      end
    end
  end
  -- A pool with no one waiting starts level with the pools that are: no credit banked while idle, no debt.
  if me.n == 0 and minPass ~= nil then me.p = minPass end
  if minPass == nil or me.p < minPass then minPass = me.p end
  fair.eligible = fair.higher == 0 and me.p <= minPass + fair.slack
  if not fair.eligible then
    fair.reserve = fair.higher
    for name, r in pairs(recs) do
      if name ~= fair.pool and r.n > 0 and r.r == me.r and r.p < me.p then fair.reserve = fair.reserve + r.n end
    end
  end
  fair.recs, fair.me, fair.minPass, fair.weights, fair.dirty = recs, me, minPass, weights, dirty
end
if mode == 'take' then
  -- An ineligible take is granted only from tokens beyond what the callers ahead of it wait for, so tokens
  -- no one ahead is present to claim are never wasted (work-conserving).
  local reserve = fair and fair.reserve or 0
  for _, s in ipairs(state) do
    if s.tokens + 1e-9 < s.count + reserve then reply[1] = 0 end
  end
  if reply[1] == 1 then
    for _, s in ipairs(state) do s.tokens = s.tokens - s.count end
  elseif fair and not fair.eligible then
    -- Not this pool's turn: tell it when its turn comes, from the callers of higher priorities or how far its
    -- pass is ahead of the slowest pool's (every active pass advances at rate / sum of weights). The bucket
    -- lines are left alone: this caller is not waiting for the next tokens.
    local rate = nil
    for _, s in ipairs(state) do
      local r = s.rate * s.factor
      if rate == nil or r < rate then rate = r end
    end
    -- The pool's own waiting callers are served at its share of the rate, one after another: callers are
    -- spread over that queue (they do not say where in it they stand), so a pool of many waiting callers
    -- does not come back all at once. Both are capped at the line's length scaled by the inverse share (a
    -- quarter share: four lines), which keeps each pool's retries proportional to its launches.
    local ownMs = fair.count / rate * 1000
    local estMs, queueMs, capMs
    if fair.higher > 0 then
      estMs = (fair.higher + fair.count) / rate * 1000
      queueMs = fair.me.n / rate * 1000
      capMs = lineSeconds * 1000
    else
      local inverseShare = fair.weights / fair.me.w
      estMs = ((fair.me.p - fair.slack - fair.minPass) * fair.weights + fair.count) / rate * 1000
      queueMs = fair.me.n * inverseShare / rate * 1000
      capMs = lineSeconds * 1000 * inverseShare
    end
    reply[2] = math.ceil(math.max(ownMs, math.min(estMs, capMs)) + jitter * math.max(ownMs, math.min(queueMs, capMs)))
  else
    for _, s in ipairs(state) do
      local rate = s.rate * s.factor
      local cap = lineSeconds * rate
      -- Only the buckets that refuse join the line: one that holds enough tokens is not what the caller
      -- waits for, and its line must not grow (after a throttle it would otherwise outlast the shortage).
      if s.tokens + 1e-9 < s.count then
        local ownMs = (s.count - s.tokens) / rate * 1000
        local waitMs
        if s.line + 1e-9 >= cap and cap > s.count then
          -- A full line no longer tells who is where (callers woken early rejoin at its end): spread
          -- this caller over the whole line instead of piling everyone at its end.
          waitMs = math.ceil(ownMs + jitter * (lineSeconds * 1000 - ownMs))
        else
          local need = math.max(s.count, s.line)
          waitMs = math.ceil((need - s.tokens) / rate * 1000)
          if need > s.count then waitMs = waitMs + math.floor(jitter * s.count / rate * 1000) end
        end
        reply[2] = math.max(reply[2], waitMs)
        s.line = math.min(cap, s.line + s.count)
      end
    end
  end
elseif mode == 'throttled' then
  for _, s in ipairs(state) do
    if now - s.d >= cooldown then
      s.factor = math.max(minFactor, s.factor * decrease)
      s.f0, s.d = s.factor, now
    end
    s.tokens = 0
    s.line = 0
  end
end
if fair then
  local me, slot = fair.me, math.floor(now / 10000)
  if reply[1] == 1 then
    me.p = me.p + fair.count / me.w
    if me.n > 0 and redis.call('ZREM', fair.waiting, fair.member) == 1 then me.n = me.n - 1 end
  else
    if redis.call('ZADD', fair.waiting, now + reply[2] + fair.grace, fair.member) == 1 then me.n = me.n + 1 end
    redis.call('PEXPIRE', fair.waiting, fair.ttl)
  end
  -- Launches and refusals per 10 s slot, the last six slots: the pool's recent launch rate and share.
  local slots, current = {}, nil
  for _, x in ipairs(me.s or {}) do
    if tonumber(x[1]) > slot - 6 then table.insert(slots, x) end
    if tonumber(x[1]) == slot then current = x end
  end
  if not current then
    current = { slot, 0, 0 }
    table.insert(slots, current)
    -- Once per slot: keep the hash alive, and forget pools not seen for the TTL (deleted pools).
    redis.call('PEXPIRE', fair.pools, fair.ttl)
    for name, r in pairs(fair.recs) do
      if r.n == 0 and now - (tonumber(r.t) or 0) > fair.ttl then redis.call('HDEL', fair.pools, name); fair.dirty[name] = nil end
    end
  end
  if reply[1] == 1 then current[2] = current[2] + fair.count else current[3] = current[3] + 1 end
  me.s = slots
  local fields = {}
  for name in pairs(fair.dirty) do
    local r = fair.recs[name]
    table.insert(fields, name)
    table.insert(fields, cjson.encode({ p = r.p, w = r.w, r = r.r, n = r.n, t = r.t, s = r.s or {} }))
  end
  redis.call('HSET', fair.pools, unpack(fields))
end
for _, s in ipairs(state) do
  if mode == 'throttled' or s.f0 < 1 then
    redis.call('HSET', s.key, 't', tostring(s.tokens), 'u', now, 'f', tostring(s.f0), 'd', s.d, 'w', tostring(s.line))
  else
    redis.call('HSET', s.key, 't', tostring(s.tokens), 'u', now, 'w', tostring(s.line))
  end
  redis.call('PEXPIRE', s.key, math.ceil(s.burst / (s.rate * minFactor) * 1000 + (1 - minFactor) / recovery * 1000) + 60000)
  table.insert(reply, math.floor(s.tokens * 1000))
  table.insert(reply, math.floor(s.factor * 1000))
end
return reply
`, integerListReply);

export interface AdaptiveSettings {
  /** Multiplier applied to the rate on a throttle (0 < x < 1). */
  decreaseFactor: number;
  /** The rate never drops below this fraction of the configured rate. */
  minRateFactor: number;
  /** Throttles within this window of the last decrease do not decrease again. */
  decreaseCooldownMs: number;
  /** Fraction of the configured rate regained per second without throttles. */
  recoveryPerSecond: number;
}

export const DEFAULT_ADAPTIVE: AdaptiveSettings = Object.freeze({
  decreaseFactor: 0.5,
  minRateFactor: 0.05,
  decreaseCooldownMs: 1000,
  recoveryPerSecond: 0.05,
});

export interface TokenRequest {
  category: ThrottleCategory;
  count: number;
}

export interface BucketLevel {
  category: ThrottleCategory;
  tokens: number;
  /** Current fraction of the configured refill rate (1 = unthrottled). */
  rateFactor: number;
}

export interface TakeResult {
  granted: boolean;
  /**
   * When not granted: how long until every requested bucket holds enough tokens at the current rate for
   * this caller and the callers already waiting ahead of it (plus jitter).
   */
  retryAfterMs: number;
  levels: BucketLevel[];
}

export interface RedisBudgetsOptions {
  redis: RedisClient;
  /** The Redis key of a category's bucket; all categories must share one hash tag. */
  bucketKey: (category: ThrottleCategory) => string;
  budgets: BudgetTable;
  adaptive?: Partial<AdaptiveSettings>;
  /**
   * Fraction of each burst kept in reserve (at least one token when > 0). Our bucket then runs a few
   * tokens behind AWS's, so network jitter between our grant and AWS's count does not cause throttles.
   */
  burstReserveFraction?: number;
  /** The reserve also covers this many seconds of refill (JITTER_ALLOWANCE_SECONDS in production); see `usableBurst`. */
  jitterAllowanceSeconds?: number;
  /** Milliseconds for the bucket clock. Omit in production: Redis TIME is the one clock all replicas share. */
  now?: () => number;
  /**
   * The longest waiting line a bucket keeps, in seconds of refill (default 3): the longest a refused
   * caller is told to wait, and so the longest that callers which never come back delay others. Longer
   * lines keep more waiters in turn, but a full line is spread at random over its whole length, and a
   * long spread leaves tokens unclaimed when fewer waiters are left than it has room for (measured with
   * the benchmark at ×2: 10 s lost ~20 % of the launch rate, 3 s none).
   */
  waitingLineSeconds?: number;
  /** Uniform [0, 1) for the retry jitter; injectable for tests. */
  random?: () => number;
  /**
   * How much faster the budgets' clock runs than real time (LONGSHORE_BUDGET_TIME_SCALE, default 1): the
   * adaptive recovery and cool-down follow the budgets' clock as the refill rates do. Before, against a
   * time-scaled ECS a throttle's slow-down lasted real seconds the scale did not shorten (issue 10).
   */
  clockScale?: number;
  /**
   * The Redis key of this account-region's fair-share state by name (same hash tag as the buckets). Without
   * it takes ignore their share identity: every caller is served as the buckets allow.
   */
  shareKey?: (name: string) => string;
  /** How long past its promised turn a refused caller still counts as waiting (default DEFAULT_SHARE_GRACE_MS). */
  shareGraceMs?: number;
  /** DEFAULT_SHARE_SLACK unless set (tests). */
  shareSlack?: number;
}

export const DEFAULT_WAITING_LINE_SECONDS = 3;
/** How long past its promised turn a refused caller still counts as waiting (fair share; see the header). */
export const DEFAULT_SHARE_GRACE_MS = 5_000;
/** How far (in tokens per unit of weight) a pool's pass may run ahead of the slowest waiting pool's and still take. */
export const DEFAULT_SHARE_SLACK = 1;
/** Fair-share state of a pool no one has seen for this long is forgotten (and the keys expire after it). */
const SHARE_TTL_MS = 3_600_000;

/**
 * Who takes, for fair share: the pool, its `scheduling` and the caller (a run), so the script knows who is
 * waiting. `lane` names what the pools wait for (`launch`: RunTask calls and Fargate launches;
 * `register`: task-definition registrations); each lane of an account-region has its own share state.
 */
export interface ShareIdentity {
  lane: ShareLane;
  pool: string;
  caller: string;
  weight: number;
  priority: number;
}

export type ShareLane = 'launch' | 'register';

/** AWS throttles per account-region are counted in slots of this length, and this many make "the last minute". */
export const THROTTLE_SLOT_MS = 10_000;
export const THROTTLE_SLOTS = 6;

/** The counter of one slot's throttles (slot = floor(ms / THROTTLE_SLOT_MS)), next to the share state. */
export function throttleSlotKey(shareKey: (name: string) => string, slot: number): string {
  return shareKey(`throttles-${slot}`);
}

/** The two Redis keys of one lane's share state (`shareKey` builds them; see shareStateKeys). */
export function shareStateKeys(shareKey: (name: string) => string, lane: ShareLane): { pools: string; waiting: string } {
  return { pools: shareKey(`share-${lane}`), waiting: shareKey(`share-${lane}-waiting`) };
}

export class RedisBudgets {
  private readonly adaptive: AdaptiveSettings;

  constructor(private readonly options: RedisBudgetsOptions) {
    this.adaptive = { ...DEFAULT_ADAPTIVE, ...options.adaptive };
  }

  get budgets(): BudgetTable {
    return this.options.budgets;
  }

  /**
   * Takes every requested token atomically, or none; answers how long to wait when refused. With `share`
   * (and the `shareKey` option) the take waits its pool's turn among the pools waiting for the same lane.
   */
  async take(requests: readonly TokenRequest[], share?: ShareIdentity): Promise<TakeResult> {
    for (const { category, count } of requests) {
      const burst = this.usableBurst(category);
      if (!(count > 0) || count > burst) throw new RangeError(`cannot take ${count} tokens from ${category} (burst ${burst})`);
    }
    if (share !== undefined && !(share.weight > 0 && Number.isFinite(share.weight))) throw new RangeError(`share weight ${share.weight} of pool ${share.pool} must be a positive number`);
    return this.run('take', requests, share);
  }

  /** Records that AWS throttled a call of `category`: lowers the shared rate and empties the bucket. */
  async recordThrottle(category: ThrottleCategory): Promise<BucketLevel> {
    const result = await this.run('throttled', [{ category, count: 0 }]);
    await this.countThrottle();
    return result.levels[0];
  }

  /**
   * Counts the throttle in the account-region's current 10 s slot (next to the share state), so the API's
   * pool status can say how many throttles its account-region saw in the last minute (readThrottlesLastMinute).
   * The bucket hash keeps only levels; a counter per slot that expires by itself needs no clean-up.
   */
  private async countThrottle(): Promise<void> {
    const shareKey = this.options.shareKey;
    if (shareKey === undefined) return;
    const key = throttleSlotKey(shareKey, Math.floor((this.options.now ?? Date.now)() / THROTTLE_SLOT_MS));
    await this.options.redis.pipeline().incr(key).pexpire(key, THROTTLE_SLOT_MS * (THROTTLE_SLOTS + 1)).exec();
  }

  /** Current level of one bucket (refilled to now), without taking anything. */
  async level(category: ThrottleCategory): Promise<BucketLevel> {
    const result = await this.run('peek', [{ category, count: 0 }]);
    return result.levels[0];
  }

  /** The burst this controller lets itself use: the configured burst minus the reserve. */
  usableBurst(category: ThrottleCategory): number {
    return usableBurst(this.options.budgets[category], this.options.burstReserveFraction ?? 0, this.options.jitterAllowanceSeconds ?? 0);
  }

  private async run(mode: 'take' | 'throttled' | 'peek', requests: readonly TokenRequest[], share?: ShareIdentity): Promise<TakeResult> {
    const keys = requests.map((r) => this.options.bucketKey(r.category));
    const scale = this.options.clockScale ?? 1;
    const a = { ...this.adaptive, decreaseCooldownMs: this.adaptive.decreaseCooldownMs / scale, recoveryPerSecond: this.adaptive.recoveryPerSecond * scale };
    const clock = this.options.now ? Math.floor(this.options.now()) : '';
    const lineSeconds = this.options.waitingLineSeconds ?? DEFAULT_WAITING_LINE_SECONDS;
    const jitter = mode === 'take' ? (this.options.random ?? Math.random)() : 0;
    const args: (string | number)[] = [mode, clock, a.decreaseFactor, a.minRateFactor, a.decreaseCooldownMs, a.recoveryPerSecond, lineSeconds, jitter, requests.length];
    for (const r of requests) {
      args.push(this.usableBurst(r.category), this.options.budgets[r.category].refillPerSecond, r.count);
    }
    const shareKey = this.options.shareKey;
    if (share !== undefined && shareKey !== undefined) {
      const { pools, waiting } = shareStateKeys(shareKey, share.lane);
      keys.push(pools, waiting);
      args.push(share.pool, share.caller, share.weight, share.priority, this.options.shareGraceMs ?? DEFAULT_SHARE_GRACE_MS, this.options.shareSlack ?? DEFAULT_SHARE_SLACK, SHARE_TTL_MS);
    }
    const reply = await BUCKETS.run(this.options.redis, keys, args);
    return {
      granted: reply[0] === 1,
      retryAfterMs: reply[1],
      levels: requests.map((r, i) => ({ category: r.category, tokens: reply[2 + i * 2] / 1000, rateFactor: reply[3 + i * 2] / 1000 })),
    };
  }
}
