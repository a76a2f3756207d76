/**
 * One atomic write: a list of guards checked first, then a list of Redis commands applied only if every
 * guard holds — in one Lua script, so a resource, its indexes and its change-feed entry never disagree
 * and a failed guard leaves nothing behind. The script also takes the next resourceVersion (INCR) and
 * substitutes it for every argument that is exactly RV, so versions follow commit order.
 */
import type { RedisClient } from '../redis.js';
import { codeAndDetailReply, defineScript } from '../redis-scripts.js';

export const RV = '$rv';

export type Guard =
  /** The key must not exist (create). */
  | { kind: 'absent'; key: string }
  /** The key must exist (a run's pool). */
  | { kind: 'exists'; key: string }
  /** The hash's `rv` field must equal `expected` (compare-and-set). */
  | { kind: 'rv'; key: string; expected: string }
  /** Every member of sorted set `key` must be a member of sorted set `of` (a pool's runs are all stopped). */
  | { kind: 'subset'; key: string; of: string };

/** Commands the script may run; anything else is a programming error caught before Redis sees it. */
const ALLOWED = new Set(['HSET', 'DEL', 'ZADD', 'ZREM', 'SADD', 'SREM', 'SET', 'EXPIRE', 'PERSIST', 'XADD', 'HDEL']);

export type Op = [command: string, key: string, ...args: string[]];

export type WriteOutcome = { ok: true; resourceVersion: string } | { ok: false; guardIndex: number; detail: string };

const ATOMIC_WRITE = defineScript('longshoreAtomicWrite', `
local guards = cjson.decode(ARGV[1])
local ops = cjson.decode(ARGV[2])
for i, g in ipairs(guards) do
  local kind, key = g[1], KEYS[g[2]]
  if kind == 'absent' then
    if redis.call('EXISTS', key) == 1 then return {i, 'exists'} end
  elseif kind == 'exists' then
    if redis.call('EXISTS', key) == 0 then return {i, 'missing'} end
  elseif kind == 'rv' then
    local rv = redis.call('HGET', key, 'rv')
    if rv ~= g[3] then return {i, rv or ''} end
  elseif kind == 'subset' then
    local of = KEYS[g[3]]
    for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do
      if not redis.call('ZSCORE', of, member) then return {i, member} end
    end
  end
end
local rv = tostring(redis.call('INCR', KEYS[1]))
for _, op in ipairs(ops) do
  local args = {}
  for j = 3, #op do
    if op[j] == '${RV}' then args[#args + 1] = rv else args[#args + 1] = op[j] end
  end
  redis.call(op[1], KEYS[op[2]], unpack(args))
end
return {0, rv}
`, codeAndDetailReply);

export class AtomicWrite {
  readonly guards: Guard[] = [];
  readonly ops: Op[] = [];
  guard(guard: Guard): number {
    this.guards.push(guard);
    return this.guards.length - 1;
  }
  op(command: string, key: string, ...args: Array<string | number>): this {
    if (!ALLOWED.has(command)) throw new Error(`command ${command} is not allowed in an atomic write`);
    this.ops.push([command, key, ...args.map(String)]);
    return this;
  }
}

/** Executes the write; `resourceVersionKey` is the namespace's INCR counter. */
export async function executeWrite(redis: RedisClient, resourceVersionKey: string, write: AtomicWrite): Promise<WriteOutcome> {
  const keys: string[] = [resourceVersionKey];
  const index = new Map<string, number>([[resourceVersionKey, 1]]);
  const slot = (key: string): number => {
    let i = index.get(key);
    if (i === undefined) {
      keys.push(key);
      i = keys.length;
      index.set(key, i);
    }
    return i;
  };
  const guards = write.guards.map((g) => {
    switch (g.kind) {
      case 'rv':
        return [g.kind, slot(g.key), g.expected];
      case 'subset':
        return [g.kind, slot(g.key), slot(g.of)];
      default:
        return [g.kind, slot(g.key)];
    }
  });
  const ops = write.ops.map(([command, key, ...args]) => [command, slot(key), ...args]);
  const [failed, detail] = await ATOMIC_WRITE.run(redis, keys, [JSON.stringify(guards), JSON.stringify(ops)]);
  return failed === 0 ? { ok: true, resourceVersion: detail } : { ok: false, guardIndex: failed - 1, detail };
}
