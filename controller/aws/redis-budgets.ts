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
 */
import type { RedisClient } from '../redis.js';
import { defineScript, integerListReply } from '../redis-scripts.js';
import type { BudgetTable, ThrottleCategory } from './budgets.js';

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
local state = {}
for i, key in ipairs(KEYS) do
  local base = 8 + (i - 1) * 3
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
if mode == 'take' then
  for _, s in ipairs(state) do
    if s.tokens + 1e-9 < s.count then reply[1] = 0 end
  end
  if reply[1] == 1 then
    for _, s in ipairs(state) do s.tokens = s.tokens - s.count end
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
}

export const DEFAULT_WAITING_LINE_SECONDS = 3;

export class RedisBudgets {
  private readonly adaptive: AdaptiveSettings;

  constructor(private readonly options: RedisBudgetsOptions) {
    this.adaptive = { ...DEFAULT_ADAPTIVE, ...options.adaptive };
  }

  get budgets(): BudgetTable {
    return this.options.budgets;
  }

  /** Takes every requested token atomically, or none; answers how long to wait when refused. */
  async take(requests: readonly TokenRequest[]): Promise<TakeResult> {
    for (const { category, count } of requests) {
      const burst = this.usableBurst(category);
      if (!(count > 0) || count > burst) throw new RangeError(`cannot take ${count} tokens from ${category} (burst ${burst})`);
    }
    return this.run('take', requests);
  }

  /** Records that AWS throttled a call of `category`: lowers the shared rate and empties the bucket. */
  async recordThrottle(category: ThrottleCategory): Promise<BucketLevel> {
    const result = await this.run('throttled', [{ category, count: 0 }]);
    return result.levels[0];
  }

  /** Current level of one bucket (refilled to now), without taking anything. */
  async level(category: ThrottleCategory): Promise<BucketLevel> {
    const result = await this.run('peek', [{ category, count: 0 }]);
    return result.levels[0];
  }

  /** The burst this controller lets itself use: the configured burst minus the reserve. */
  usableBurst(category: ThrottleCategory): number {
    const { burst } = this.options.budgets[category];
    const fraction = this.options.burstReserveFraction ?? 0;
    if (fraction <= 0) return burst;
    return Math.max(1, burst - Math.max(1, Math.ceil(burst * fraction)));
  }

  private async run(mode: 'take' | 'throttled' | 'peek', requests: readonly TokenRequest[]): Promise<TakeResult> {
    const keys = requests.map((r) => this.options.bucketKey(r.category));
    const scale = this.options.clockScale ?? 1;
    const a = { ...this.adaptive, decreaseCooldownMs: this.adaptive.decreaseCooldownMs / scale, recoveryPerSecond: this.adaptive.recoveryPerSecond * scale };
    const clock = this.options.now ? Math.floor(this.options.now()) : '';
    const lineSeconds = this.options.waitingLineSeconds ?? DEFAULT_WAITING_LINE_SECONDS;
    const jitter = mode === 'take' ? (this.options.random ?? Math.random)() : 0;
    const args: (string | number)[] = [mode, clock, a.decreaseFactor, a.minRateFactor, a.decreaseCooldownMs, a.recoveryPerSecond, lineSeconds, jitter];
    for (const r of requests) {
      args.push(this.usableBurst(r.category), this.options.budgets[r.category].refillPerSecond, r.count);
    }
    const reply = await BUCKETS.run(this.options.redis, keys, args);
    return {
      granted: reply[0] === 1,
      retryAfterMs: reply[1],
      levels: requests.map((r, i) => ({ category: r.category, tokens: reply[2 + i * 2] / 1000, rateFactor: reply[3 + i * 2] / 1000 })),
    };
  }
}
