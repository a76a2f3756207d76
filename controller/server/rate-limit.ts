/**
 * Each token's request budget: one token bucket per API token in Redis, taken by one Lua script, so the
 * limit holds for the token across every API process behind a load balancer (a per-process bucket would
 * let a client that spreads its requests over N replicas do N times the rate). It costs one Redis round
 * trip per request, which the request pays anyway to authenticate. The bucket key expires once it would
 * be full again, so idle tokens leave nothing behind.
 */
import type { RedisClient } from '../redis.js';
import type { BucketSpec } from '../aws/budgets.js';
import { defineScript, integerListReply } from '../redis-scripts.js';

const TAKE = defineScript('longshoreApiRateTake', `
local burst, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local h = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens, updated = tonumber(h[1]) or burst, tonumber(h[2]) or now
tokens = math.min(burst, tokens + rate * math.max(0, now - updated) / 1000)
local granted = 0
local waitMs = 0
if tokens >= 1 then
  tokens = tokens - 1
  granted = 1
else
  waitMs = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return { granted, waitMs }
`, integerListReply);

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until one request is allowed again. */
  retryAfterMs: number;
}

export class TokenRateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly spec: BucketSpec,
  ) {}

  async take(tokenId: string): Promise<RateDecision> {
    const [granted, waitMs] = await TAKE.run(this.redis, [`longshore:api:rate:${tokenId}`], [this.spec.burst, this.spec.refillPerSecond]);
    return { allowed: granted === 1, retryAfterMs: waitMs };
  }
}
