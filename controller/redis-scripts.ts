/**
 * The one way Longshore runs Lua in Redis. A script is declared once at module level with a unique name and a
 * decoder for its reply; `run` defines it on the connection the first time (ioredis `defineCommand`) and
 * calls it. ioredis then sends EVALSHA and falls back to EVAL on NOSCRIPT by itself, so a Redis restart or
 * SCRIPT FLUSH needs no handling here. Keys are passed separately from arguments so the key count is always
 * right (and ioredis applies a connection's keyPrefix to keys only).
 */
import type { RedisClient } from './redis.js';

export type ScriptArg = string | number;

export interface RedisScript<Result> {
  readonly name: string;
  /** Runs the script with `keys` as KEYS and `args` as ARGV; resolves to the decoded reply. */
  run(redis: RedisClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<Result>;
}

/** Turns a raw reply into the script's result type; throws when the reply is not what the script returns. */
export type ReplyDecoder<Result> = (reply: unknown, scriptName: string) => Result;

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: ScriptArg[]) => Promise<unknown>;

const NAMES = new Set<string>();

/**
 * Declares a script. `name` becomes a method on each connection it runs on, so it is prefixed to stay clear
 * of ioredis' own commands and must be unique.
 */
export function defineScript<Result>(name: string, lua: string, decode: ReplyDecoder<Result>): RedisScript<Result> {
  if (!/^longshore[A-Z]\w*$/.test(name)) throw new Error(`script name ${name} must start with "longshore" and a capital letter`);
  if (NAMES.has(name)) throw new Error(`script ${name} is defined twice`);
  NAMES.add(name);
  // Connections this script is defined on; defining is per connection (a duplicate() starts without it).
  const definedOn = new WeakSet<RedisClient>();
  return {
    name,
    async run(redis, keys, args) {
      if (!definedOn.has(redis)) {
        redis.defineCommand(name, { lua });
        definedOn.add(redis);
      }
      // defineCommand adds the method at run time, so its type is not known statically: this is its shape.
      const command = (redis as unknown as Record<string, ScriptCommand>)[name];
      return decode(await command.call(redis, keys.length, ...keys, ...args), name);
    },
  };
}

function unexpected(scriptName: string, expected: string, reply: unknown): Error {
  return new TypeError(`Redis script ${scriptName} returned ${JSON.stringify(reply)}, expected ${expected}`);
}

/** A Lua number (Redis turns it into an integer). */
export const integerReply: ReplyDecoder<number> = (reply, scriptName) => {
  if (typeof reply !== 'number') throw unexpected(scriptName, 'an integer', reply);
  return reply;
};

/** A Lua string, or false / nil (Redis turns both into a nil reply). */
export const optionalStringReply: ReplyDecoder<string | null> = (reply, scriptName) => {
  if (reply !== null && typeof reply !== 'string') throw unexpected(scriptName, 'a string or nil', reply);
  return reply;
};

/** A Lua table of strings (an empty table is an empty array). */
export const stringListReply: ReplyDecoder<string[]> = (reply, scriptName) => {
  if (!Array.isArray(reply) || !reply.every((item): item is string => typeof item === 'string')) {
    throw unexpected(scriptName, 'a list of strings', reply);
  }
  return reply;
};

/** A Lua table of numbers. */
export const integerListReply: ReplyDecoder<number[]> = (reply, scriptName) => {
  if (!Array.isArray(reply) || !reply.every((item): item is number => typeof item === 'number')) {
    throw unexpected(scriptName, 'a list of integers', reply);
  }
  return reply;
};

/** The common pair reply: an integer code and a string detail. */
export const codeAndDetailReply: ReplyDecoder<[code: number, detail: string]> = (reply, scriptName) => {
  if (!Array.isArray(reply) || reply.length !== 2 || typeof reply[0] !== 'number' || typeof reply[1] !== 'string') {
    throw unexpected(scriptName, 'an integer and a string', reply);
  }
  return [reply[0], reply[1]];
};
