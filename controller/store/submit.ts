/**
 * Creating and applying documents: admission against the pools that exist, then one atomic write for the
 * whole batch — every document is stored or none is.
 */
import { API_VERSION } from '../api/meta.js';
import type { PoolRecord, PoolSpec } from '../api/pool.js';
import type { RunRecord } from '../api/run.js';
import { initialRunStatus } from '../api/run-status.js';
import { AdmissionError, admitDocuments, referencedPoolNames, type AdmittedDocument } from '../api/admission/index.js';
import { homeRecordKey } from '../aws/home-record.js';
import { parseHomeRecord } from '../aws/home-policy.js';
import { AtomicWrite, executeWrite } from './atomic.js';
import { recordChange, type StoreContext } from './context.js';
import { AlreadyExistsError, ConflictError } from './errors.js';
import { loadRecords, putRecord, sameJson, withVersion } from './records.js';
import { runIndexState, writeIndexChanges } from './run-indexes.js';

export type SubmitAction = 'created' | 'configured' | 'unchanged';
export type SubmitResult =
  | { kind: 'Pool'; name: string; action: SubmitAction; record: PoolRecord }
  | { kind: 'Run'; name: string; action: SubmitAction; record: RunRecord };

export interface SubmitOptions {
  /** `apply` updates pools that exist (kubectl apply); `create` rejects them. Runs are always created. */
  mode: 'create' | 'apply';
  generateSuffix?: () => string;
}

/** Admits and stores a batch of Pool and Run documents atomically; throws AdmissionError, AlreadyExistsError or ConflictError. */
export async function submitDocuments(ctx: StoreContext, inputs: readonly unknown[], options: SubmitOptions): Promise<SubmitResult[]> {
  const poolNames = [...new Set([...referencedPoolNames(inputs), ...declaredPoolNames(inputs)])];
  const existing = new Map<string, PoolRecord>();
  (await loadRecords<PoolRecord>(ctx, poolNames.map(ctx.keys.pool))).forEach((record, i) => {
    if (record) existing.set(poolNames[i], record);
  });
  const poolSpecs = new Map<string, PoolSpec>([...existing].map(([name, record]) => [name, record.spec]));
  const homeRegion = needsHomeRegion(inputs) ? await recordedHomeRegion(ctx) : undefined;
  const admitted = admitDocuments(inputs, { pools: poolSpecs, generateSuffix: options.generateSuffix, homeRegion });

  const w = new AtomicWrite();
  const guardMeaning: Array<{ kind: 'Pool' | 'Run'; name: string; guard: 'absent' | 'exists' | 'rv'; index: number; expected?: string }> = [];
  const results: SubmitResult[] = [];
  const now = ctx.now();
  const poolsInBatch = new Set(admitted.filter((d) => d.kind === 'Pool').map((d) => d.metadata.name));

  admitted.forEach((doc, position) => {
    // admitDocuments returns every document or throws, so positions are input indexes.
    const index = position;
    if (doc.kind === 'Pool') {
      const current = existing.get(doc.metadata.name);
      if (current && options.mode === 'create') throw new AlreadyExistsError('Pool', doc.metadata.name);
      const record = poolRecord(ctx, doc, current, now);
      if (current && sameJson(record, current)) {
        results.push({ kind: 'Pool', name: doc.metadata.name, action: 'unchanged', record: current });
        return;
      }
      const key = ctx.keys.pool(doc.metadata.name);
      if (current) {
        w.guard({ kind: 'rv', key, expected: current.metadata.resourceVersion });
        guardMeaning.push({ kind: 'Pool', name: doc.metadata.name, guard: 'rv', index, expected: current.metadata.resourceVersion });
      } else {
        w.guard({ kind: 'absent', key });
        guardMeaning.push({ kind: 'Pool', name: doc.metadata.name, guard: 'absent', index });
        w.op('ZADD', ctx.keys.pools, 0, doc.metadata.name);
      }
      putRecord(w, key, record);
      recordChange(ctx, w, 'Pool', doc.metadata.name, current ? 'updated' : 'created');
      results.push({ kind: 'Pool', name: doc.metadata.name, action: current ? 'configured' : 'created', record });
      return;
    }
    const key = ctx.keys.run(doc.metadata.name);
    w.guard({ kind: 'absent', key });
    guardMeaning.push({ kind: 'Run', name: doc.metadata.name, guard: 'absent', index });
    if (!poolsInBatch.has(doc.spec.pool)) {
      // The pool was read before admission; the guard keeps a concurrent pool delete from slipping in.
      w.guard({ kind: 'exists', key: ctx.keys.pool(doc.spec.pool) });
      guardMeaning.push({ kind: 'Run', name: doc.metadata.name, guard: 'exists', index });
    }
    const record = runRecord(ctx, doc, now);
    putRecord(w, key, record);
    writeIndexChanges(w, ctx.keys, doc.metadata.name, undefined, runIndexState(record), { nowMs: now.getTime(), ttlSeconds: ctx.ttlSeconds });
    recordChange(ctx, w, 'Run', doc.metadata.name, 'created');
    results.push({ kind: 'Run', name: doc.metadata.name, action: 'created', record });
  });

  if (w.ops.length === 0) return results;
  const outcome = await executeWrite(ctx.redis, ctx.keys.resourceVersion, w);
  if (!outcome.ok) {
    const failed = guardMeaning[outcome.guardIndex];
    if (failed.guard === 'absent') throw new AlreadyExistsError(failed.kind, failed.name);
    if (failed.guard === 'rv') throw new ConflictError(failed.kind, failed.name, failed.expected ?? '', outcome.detail || undefined);
    throw new AdmissionError([{ index: failed.index, kind: 'Run', name: failed.name, violations: [{ path: 'spec.pool', rule: 'pool-exists', message: 'the pool was deleted while this run was being created', value: undefined }] }]);
  }
  return results.map((r) => (r.action === 'unchanged' ? r : ({ ...r, record: withVersion(r.record, outcome.resourceVersion) } as SubmitResult)));
}

function poolRecord(ctx: StoreContext, doc: AdmittedDocument & { kind: 'Pool' }, current: PoolRecord | undefined, now: Date): PoolRecord {
  const specChanged = !current || !sameJson(current.spec, doc.spec);
  return {
    apiVersion: API_VERSION,
    kind: 'Pool',
    metadata: {
      name: doc.metadata.name,
      uid: current?.metadata.uid ?? ctx.newUid(),
      labels: doc.metadata.labels,
      annotations: doc.metadata.annotations,
      generation: current ? current.metadata.generation + (specChanged ? 1 : 0) : 1,
      resourceVersion: current?.metadata.resourceVersion ?? '0',
      creationTimestamp: current?.metadata.creationTimestamp ?? now.toISOString(),
    },
    spec: doc.spec,
  };
}

function runRecord(ctx: StoreContext, doc: AdmittedDocument & { kind: 'Run' }, now: Date): RunRecord {
  return {
    apiVersion: API_VERSION,
    kind: 'Run',
    metadata: {
      name: doc.metadata.name,
      uid: ctx.newUid(),
      labels: doc.metadata.labels,
      annotations: doc.metadata.annotations,
      generation: 1,
      resourceVersion: '0',
      creationTimestamp: now.toISOString(),
    },
    spec: doc.spec,
    status: initialRunStatus(),
  };
}

function declaredPoolNames(inputs: readonly unknown[]): string[] {
  const names: string[] = [];
  for (const input of inputs) {
    if (typeof input !== 'object' || input === null) continue;
    const doc = input as { kind?: unknown; metadata?: { name?: unknown } };
    if (doc.kind === 'Pool' && typeof doc.metadata?.name === 'string') names.push(doc.metadata.name);
  }
  return names;
}

/**
 * Whether admission needs the controller's home Region: only a pool that names an event queue but no
 * Region of its own runs (and has its events) in the home Region. Read leniently; admission checks the rest.
 */
function needsHomeRegion(inputs: readonly unknown[]): boolean {
  return inputs.some((input) => {
    if (typeof input !== 'object' || input === null || (input as { kind?: unknown }).kind !== 'Pool') return false;
    const spec = (input as { spec?: unknown }).spec;
    if (typeof spec !== 'object' || spec === null) return false;
    const { taskEventsQueueUrl, region } = spec as { taskEventsQueueUrl?: unknown; region?: unknown };
    return typeof taskEventsQueueUrl === 'string' && region === undefined;
  });
}

/** The home Region the namespace's controllers recorded (aws/home-record.ts); undefined before any did. */
async function recordedHomeRegion(ctx: StoreContext): Promise<string | undefined> {
  return parseHomeRecord(await ctx.redis.get(homeRecordKey(ctx.ks)))?.home.region;
}
