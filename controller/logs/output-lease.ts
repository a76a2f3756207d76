/**
 * Which replica forwards a run's output: the holder of `output-lease:<run>` in Redis (SET NX with an
 * expiry, renewed by its holder while it forwards, deleted when done). Only the holder renews or releases it
 * (compare-and-set in Lua). A replica that dies stops renewing; another takes the lease over after at most
 * the lease time and carries on from the progress the holder last saved (`output-progress:<run>`: attempt and
 * the timestamp of the last forwarded line), so a takeover repeats at most the lines stamped in that same
 * millisecond and loses none.
 */
import type { RedisClient } from '../redis.js';
import { defineScript, integerReply } from '../redis-scripts.js';

const RENEW = defineScript('longshoreOutputLeaseRenew', `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4]) end
  return 1
end
return 0
`, integerReply);

const RELEASE = defineScript('longshoreOutputLeaseRelease', `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if ARGV[2] == '1' then redis.call('DEL', KEYS[2]) end
  return 1
end
return 0
`, integerReply);

export interface OutputProgress {
  attempt: number;
  /** The last forwarded line's timestamp (ms). */
  timestamp: number;
}

/** Progress outlives the lease a while, so a takeover finds it. */
const PROGRESS_TTL_MS = 24 * 3600 * 1000;

export interface OutputLeases {
  acquire(run: string): Promise<boolean>;
  /** Keeps the lease (and records progress); false when it was lost. */
  renew(run: string, progress: OutputProgress | undefined): Promise<boolean>;
  /** `done`: the run stopped, its progress is no longer needed. */
  release(run: string, done: boolean): Promise<void>;
  progress(run: string): Promise<OutputProgress | undefined>;
}

export function redisOutputLeases(redis: RedisClient, key: (kind: 'output-lease' | 'output-progress', run: string) => string, holder: string, leaseMs: number): OutputLeases {
  return {
    async acquire(run) {
      return (await redis.set(key('output-lease', run), holder, 'PX', leaseMs, 'NX')) === 'OK';
    },
    async renew(run, progress) {
      const text = progress === undefined ? '' : `${progress.attempt}:${progress.timestamp}`;
      return (await RENEW.run(redis, [key('output-lease', run), key('output-progress', run)], [holder, leaseMs, text, PROGRESS_TTL_MS])) === 1;
    },
    async release(run, done) {
      await RELEASE.run(redis, [key('output-lease', run), key('output-progress', run)], [holder, done ? '1' : '0']);
    },
    async progress(run) {
      const text = await redis.get(key('output-progress', run));
      const match = text === null ? null : /^(\d+):(\d+)$/.exec(text);
      return match ? { attempt: Number(match[1]), timestamp: Number(match[2]) } : undefined;
    },
  };
}
