/**
 * whoami: the caller's own role and namespace scope (Kubernetes' SelfSubjectReview, simplified), so a
 * client such as the console can leave out what the token may not do. Any valid token may ask, whatever
 * its scope: it only learns about itself.
 */
import { z } from 'zod';
import { API_VERSION } from '../../api/index.js';
import type { HandlerResult, RequestContext } from '../context.js';
import { allows, ROLES, type Verb } from '../roles.js';

const VERBS = ['read', 'submit', 'operate', 'administer'] as const satisfies readonly Verb[];

export const SelfSubjectReview = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('SelfSubjectReview'),
  status: z.strictObject({
    tokenId: z.string().describe('The public id of the token (the part after lst_), as `token list` shows it.'),
    role: z.enum(ROLES),
    namespace: z.string().optional().describe('The one namespace the token may act in; absent: every namespace.'),
    allowed: z.strictObject({
      read: z.boolean().describe('get, list, watch, read logs'),
      submit: z.boolean().describe('create and cancel runs'),
      operate: z.boolean().describe('kill and delete runs, manage pools'),
      administer: z.boolean().describe('manage tokens (unscoped tokens only)'),
    }),
  }),
});
export type SelfSubjectReview = z.infer<typeof SelfSubjectReview>;

export async function whoami(ctx: RequestContext): Promise<HandlerResult> {
  const { tokenId, role, namespace } = ctx.principal;
  const allowed = Object.fromEntries(VERBS.map((verb) => [verb, allows(role, verb) && (verb !== 'administer' || namespace === undefined)])) as SelfSubjectReview['status']['allowed'];
  const body: SelfSubjectReview = {
    apiVersion: API_VERSION,
    kind: 'SelfSubjectReview',
    status: { tokenId, role, ...(namespace !== undefined ? { namespace } : {}), allowed },
  };
  return { code: 200, body };
}
