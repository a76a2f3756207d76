/**
 * runs/{name}/cancel and runs/{name}/kill: the same durable control messages the CLI sends. Cancel is
 * accepted (202) once queued; kill waits, bounded, for the controller's reply, as `run kill` does.
 */
import { z } from 'zod';
import type { ControlReply } from '../../api/index.js';
import { readJson } from '../body.js';
import type { HandlerResult, RequestContext } from '../context.js';
import { ApiError, notFound, success } from '../status.js';

export const CancelOptions = z.strictObject({ reason: z.string().max(1024).optional() });
export const KillOptions = z.strictObject({
  reason: z.string().max(1024).optional(),
  /** How long to wait for the controller's answer (default 10 s); 0 returns once the kill is queued. */
  timeoutSeconds: z.number().min(0).max(60).optional(),
});
export const DEFAULT_KILL_WAIT_SECONDS = 10;

async function options<T>(ctx: RequestContext, schema: z.ZodType<T>): Promise<T> {
  const body = (await readJson(ctx.req, ctx.deps.bodyLimitBytes, true)) ?? {};
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(422, 'Invalid', 'invalid options', {
      causes: parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', reason: 'FieldValueInvalid', message: `schema: ${i.message}` })),
    });
  }
  return parsed.data;
}

export async function cancelRun(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace, name } = ctx.params;
  const { reason } = await options(ctx, CancelOptions);
  const store = ctx.store(namespace);
  const run = await store.getRun(name);
  if (!run) throw notFound('Run', name);
  const details = { name, kind: 'runs' };
  if (run.status.phase === 'stopped') return { code: 200, body: success(200, `run "${name}" already stopped`, 'AlreadyStopped', details) };
  await store.sendControl({ type: 'cancel', run: name, ...(reason ? { reason } : {}) });
  return { code: 202, body: success(202, `run "${name}" cancel requested`, 'Accepted', details) };
}

export async function killRun(ctx: RequestContext): Promise<HandlerResult> {
  const { namespace, name } = ctx.params;
  const { reason, timeoutSeconds = DEFAULT_KILL_WAIT_SECONDS } = await options(ctx, KillOptions);
  const store = ctx.store(namespace);
  if (!(await store.getRun(name))) throw notFound('Run', name);
  const id = await store.sendControl({ type: 'kill', run: name, ...(reason ? { reason } : {}) });
  const details = { name, kind: 'runs' };
  const accepted = { code: 202, body: success(202, `run "${name}" kill requested; the controller has not answered yet (the request stays queued)`, 'Accepted', details) };
  if (timeoutSeconds === 0) return accepted;
  const connection = ctx.deps.connectBlocking();
  let reply: ControlReply | null;
  try {
    reply = await store.controlStream(connection).awaitReply(id, timeoutSeconds * 1000);
  } finally {
    connection.disconnect();
  }
  if (reply === null) return accepted;
  if (reply.outcome === 'done') return { code: 200, body: success(200, `run "${name}" killed: ${reply.message}`, 'Killed', details) };
  if (reply.outcome === 'nothing') throw new ApiError(409, 'Conflict', `run "${name}" not killed: ${reply.message}`, details);
  throw new ApiError(502, 'BadGateway', `run "${name}" not killed: ${reply.message}`, details);
}
