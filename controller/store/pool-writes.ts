/** Deleting a pool: refused while any of its runs is live, checked inside the same atomic write. */
import type { PoolRecord } from '../api/pool.js';
import { AtomicWrite, executeWrite } from './atomic.js';
import { recordChange, type StoreContext } from './context.js';
import { ConflictError, NotFoundError, PreconditionFailedError } from './errors.js';
import { loadRecord } from './records.js';

export async function deletePool(ctx: StoreContext, name: string): Promise<PoolRecord> {
  const current = await loadRecord<PoolRecord>(ctx, ctx.keys.pool(name));
  if (!current) throw new NotFoundError('Pool', name);
  const w = new AtomicWrite();
  w.guard({ kind: 'rv', key: ctx.keys.pool(name), expected: current.metadata.resourceVersion });
  w.guard({ kind: 'subset', key: ctx.keys.runsByPool(name), of: ctx.keys.runsByPhase('stopped') });
  w.op('DEL', ctx.keys.pool(name));
  w.op('ZREM', ctx.keys.pools, name);
  recordChange(ctx, w, 'Pool', name, 'deleted');
  const outcome = await executeWrite(ctx.redis, ctx.keys.resourceVersion, w);
  if (!outcome.ok) {
    if (outcome.guardIndex === 0) throw new ConflictError('Pool', name, current.metadata.resourceVersion, outcome.detail || undefined);
    throw new PreconditionFailedError(`pool "${name}" has live runs (e.g. "${outcome.detail}"); cancel them and wait for them to stop first`);
  }
  return current;
}
