/**
 * How stored records look through the API: the store's record plus `metadata.namespace` (the URL's, so an
 * all-namespaces list tells items apart), without the run's persisted lifecycle snapshot (the
 * controller's private state). These zod schemas are also what the OpenAPI document publishes.
 */
import { z } from 'zod';
import { API_VERSION, ObjectMeta, PoolRecord, RunRecord } from '../api/index.js';

export const ApiObjectMeta = ObjectMeta.extend({ namespace: z.string() });
export const ApiRun = RunRecord.omit({ lifecycle: true }).extend({ metadata: ApiObjectMeta });
export type ApiRun = z.infer<typeof ApiRun>;
export const ApiPool = PoolRecord.extend({ metadata: ApiObjectMeta });
export type ApiPool = z.infer<typeof ApiPool>;

export const ListMeta = z.strictObject({
  /** The namespace's resourceVersion when the list began: watch from it to see every later change. */
  resourceVersion: z.string(),
  /** Present when more items follow: pass it back as `continue`. */
  continue: z.string().optional(),
});

export const RunList = z.strictObject({ apiVersion: z.literal(API_VERSION), kind: z.literal('RunList'), metadata: ListMeta, items: z.array(ApiRun) });
export const PoolList = z.strictObject({ apiVersion: z.literal(API_VERSION), kind: z.literal('PoolList'), metadata: ListMeta, items: z.array(ApiPool) });

export function presentRun(record: RunRecord, namespace: string): ApiRun {
  const { lifecycle: _private, ...rest } = record;
  return { ...rest, metadata: { ...record.metadata, namespace } };
}

export function presentPool(record: PoolRecord, namespace: string): ApiPool {
  return { ...record, metadata: { ...record.metadata, namespace } };
}

export type ResourceKind = 'Run' | 'Pool';
export const present = (kind: ResourceKind, record: RunRecord | PoolRecord, namespace: string): ApiRun | ApiPool =>
  kind === 'Run' ? presentRun(record as RunRecord, namespace) : presentPool(record as PoolRecord, namespace);
