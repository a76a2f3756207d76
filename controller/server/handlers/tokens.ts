/** tokens: the admin's routes over the same token store `longshore token` uses. The secret appears only in the create answer. */
import { z } from 'zod';
import { ROLES } from '../roles.js';
import { parseDuration } from '../tokens.js';
import { readJson } from '../body.js';
import type { HandlerResult, RequestContext } from '../context.js';
import { ApiError, notFound, success } from '../status.js';

export const TokenRequest = z.strictObject({
  role: z.enum(ROLES),
  /** Absent: every namespace. */
  namespace: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).optional(),
  /** A duration such as 30m, 12h, 90d; absent: never expires. */
  expires: z.string().regex(/^\d+(\.\d+)?[smhd]$/).optional(),
  description: z.string().max(256).optional(),
});

export async function listTokens(ctx: RequestContext): Promise<HandlerResult> {
  return { code: 200, body: { apiVersion: 'longshore.dev/v1alpha1', kind: 'TokenList', items: await ctx.deps.tokens.list() } };
}

export async function createToken(ctx: RequestContext): Promise<HandlerResult> {
  const parsed = TokenRequest.safeParse(await readJson(ctx.req, ctx.deps.bodyLimitBytes));
  if (!parsed.success) {
    throw new ApiError(422, 'Invalid', 'invalid token request', {
      causes: parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', reason: 'FieldValueInvalid', message: `schema: ${i.message}` })),
    });
  }
  const { role, namespace, expires, description } = parsed.data;
  const expiresInMs = expires !== undefined ? parseDuration(expires) : undefined;
  const { token, info } = await ctx.deps.tokens.create({ role, namespace, expiresInMs, description });
  return { code: 201, body: { apiVersion: 'longshore.dev/v1alpha1', kind: 'Token', token, ...info } };
}

export async function revokeToken(ctx: RequestContext): Promise<HandlerResult> {
  const { id } = ctx.params;
  if (!(await ctx.deps.tokens.revoke(id))) throw notFound('Token', id);
  return { code: 200, body: success(200, `token ${id} revoked`, undefined, { name: id, kind: 'tokens' }) };
}
