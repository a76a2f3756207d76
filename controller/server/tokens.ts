/**
 * API tokens in Redis. A token is `lst_<id>_<secret>`: the id (public, 12 hex) finds the record, the
 * secret (32 random bytes, base64url) proves possession. Only sha256(secret) is stored, and it is compared
 * in constant time. sha256 rather than bcrypt/scrypt: those exist to slow down guessing of low-entropy
 * passwords; a 256-bit random secret cannot be guessed, so a slow hash would only add latency to every
 * request. Tokens live outside every namespace's keyspace (`longshore:api:tokens`, one hash: id → JSON)
 * because one token may be scoped to all namespaces. The secret is returned once, at creation, and never
 * stored or logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RedisClient } from '../redis.js';
import { z } from 'zod';
import { ROLES, type Role } from './roles.js';

export const TOKENS_KEY = 'longshore:api:tokens';
const TOKEN_PATTERN = /^lst_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

const TokenRecord = z.strictObject({
  id: z.string(),
  /** hex sha256 of the secret part */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  role: z.enum(ROLES),
  /** Absent: every namespace. */
  namespace: z.string().optional(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  description: z.string().optional(),
});
export type TokenRecord = z.infer<typeof TokenRecord>;
/** What `token list` shows: everything but the hash. */
export type TokenInfo = Omit<TokenRecord, 'hash'>;

export interface NewToken {
  role: Role;
  namespace?: string;
  /** Lifetime in ms; absent: never expires. */
  expiresInMs?: number;
  description?: string;
}

/** The authenticated caller, as handlers see it. */
export interface Principal {
  tokenId: string;
  role: Role;
  namespace?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export class TokenStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates a token; the returned text is the only copy of its secret. */
  async create(request: NewToken): Promise<{ token: string; info: TokenInfo }> {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const createdAt = this.now();
    const record: TokenRecord = {
      id,
      hash: sha256(secret),
      role: request.role,
      ...(request.namespace ? { namespace: request.namespace } : {}),
      createdAt: createdAt.toISOString(),
      ...(request.expiresInMs !== undefined ? { expiresAt: new Date(createdAt.getTime() + request.expiresInMs).toISOString() } : {}),
      ...(request.description ? { description: request.description } : {}),
    };
    const added = await this.redis.hsetnx(TOKENS_KEY, id, JSON.stringify(record));
    if (added !== 1) throw new Error('token id collision; try again');
    const { hash: _hash, ...info } = record;
    return { token: `lst_${id}_${secret}`, info };
  }

  async list(): Promise<TokenInfo[]> {
    const all = await this.redis.hgetall(TOKENS_KEY);
    return Object.values(all)
      .map(parseRecord)
      .filter((r): r is TokenRecord => r !== undefined)
      .map(({ hash: _hash, ...info }) => info)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Removes a token by id (or by the whole token text); false when there was none. */
  async revoke(idOrToken: string): Promise<boolean> {
    const id = TOKEN_PATTERN.exec(idOrToken)?.[1] ?? idOrToken;
    return (await this.redis.hdel(TOKENS_KEY, id)) === 1;
  }

  /** The principal a bearer token stands for, or a reason it stands for none (never the token itself). */
  async authenticate(token: string): Promise<{ ok: true; principal: Principal } | { ok: false; reason: string }> {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return { ok: false, reason: 'malformed token' };
    const [, id, secret] = match;
    const record = parseRecord(await this.redis.hget(TOKENS_KEY, id));
    // The id is public (it names the token in `token list`); only the secret must not leak through timing.
    const presented = Buffer.from(sha256(secret), 'hex');
    if (!record) return { ok: false, reason: 'unknown or revoked token' };
    if (!timingSafeEqual(presented, Buffer.from(record.hash, 'hex'))) return { ok: false, reason: 'unknown or revoked token' };
    if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= this.now().getTime()) return { ok: false, reason: 'token expired' };
    return { ok: true, principal: { tokenId: record.id, role: record.role, ...(record.namespace ? { namespace: record.namespace } : {}) } };
  }
}

function parseRecord(text: string | null | undefined): TokenRecord | undefined {
  if (!text) return undefined;
  try {
    const parsed = TokenRecord.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** `30m`, `12h`, `7d`, `90s` → ms; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unit;
  return ms > 0 ? Math.round(ms) : undefined;
}
