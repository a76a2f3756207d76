/**
 * Admission: parse each document against its schema, then apply the ECS and seed-worker rules. Pure; the
 * store calls it with the pools it has, and writes a batch only when every document is admitted.
 */
import { PoolDocument, type PoolSpec } from '../pool.js';
import { RunDocument, type RunSpec } from '../run.js';
import type { Labels } from '../meta.js';
import { checkPoolSpec } from './pool-rules.js';
import { checkRunSpec } from './run-rules.js';
import { checkMetadata } from './metadata-rules.js';
import { rawInputViolations } from './raw-input.js';
import { schemaViolations } from './schema-violations.js';
import { AdmissionError, type DocumentRejection, type Violation } from './violation.js';

export interface AdmittedMeta {
  name: string;
  labels: Labels;
  annotations: Record<string, string>;
}
export interface AdmittedPool {
  kind: 'Pool';
  metadata: AdmittedMeta;
  spec: PoolSpec;
}
export interface AdmittedRun {
  kind: 'Run';
  metadata: AdmittedMeta;
  spec: RunSpec;
}
export type AdmittedDocument = AdmittedPool | AdmittedRun;

export interface AdmissionContext {
  /** Pools that already exist, by name (the store looks up those the batch's runs name). */
  pools: ReadonlyMap<string, PoolSpec>;
  /** Suffix for `metadata.generateName`; injected so tests are deterministic. */
  generateSuffix?: () => string;
  /** The controller's home Region as recorded (pool-rules.ts PoolRuleContext); rules needing it skip that part without it. */
  homeRegion?: string | undefined;
}

type Parsed = { ok: true; doc: AdmittedDocument } | { ok: false; rejection: DocumentRejection };

/** Admits every document or throws one AdmissionError that lists every bad document. */
export function admitDocuments(inputs: readonly unknown[], context: AdmissionContext): AdmittedDocument[] {
  const suffix = context.generateSuffix ?? randomSuffix;
  const parsed = inputs.map((input, index) => parseDocument(input, index, suffix));
  // Pools declared in the same batch count as existing for the batch's runs: the batch is written at once.
  const pools = new Map(context.pools);
  for (const p of parsed) if (p.ok && p.doc.kind === 'Pool') pools.set(p.doc.metadata.name, p.doc.spec);

  const rejections: DocumentRejection[] = [];
  const seen = new Set<string>();
  const admitted: AdmittedDocument[] = [];
  parsed.forEach((p, index) => {
    if (!p.ok) return void rejections.push(p.rejection);
    const { doc } = p;
    const violations: Violation[] = [
      ...checkMetadata(doc.metadata),
      ...(doc.kind === 'Pool' ? checkPoolSpec(doc.spec, { homeRegion: context.homeRegion }) : checkRunSpec(doc.spec, pools.get(doc.spec.pool))),
    ];
    const key = `${doc.kind}/${doc.metadata.name}`;
    if (seen.has(key)) {
      violations.unshift({ path: 'metadata.name', rule: 'duplicate-name', message: `${doc.kind} "${doc.metadata.name}" appears more than once in this batch`, value: doc.metadata.name });
    }
    seen.add(key);
    if (violations.length > 0) rejections.push({ index, kind: doc.kind, name: doc.metadata.name, violations });
    else admitted.push(doc);
  });
  if (rejections.length > 0) throw new AdmissionError(rejections);
  return admitted;
}

export function admitPool(input: unknown, context: Omit<AdmissionContext, 'pools'> = {}): AdmittedPool {
  const [doc] = admitDocuments([input], { ...context, pools: new Map() });
  if (doc.kind !== 'Pool') throw new AdmissionError([{ index: 0, kind: doc.kind, name: doc.metadata.name, violations: [kindViolation(doc.kind, 'Pool')] }]);
  return doc;
}

export function admitRun(input: unknown, pool: PoolSpec | undefined, context: Omit<AdmissionContext, 'pools'> = {}): AdmittedRun {
  const pools = new Map<string, PoolSpec>();
  const poolName = runPoolName(input);
  if (pool && poolName) pools.set(poolName, pool);
  const [doc] = admitDocuments([input], { ...context, pools });
  if (doc.kind !== 'Run') throw new AdmissionError([{ index: 0, kind: doc.kind, name: doc.metadata.name, violations: [kindViolation(doc.kind, 'Run')] }]);
  return doc;
}

/** The pool names a batch's runs refer to, read leniently so the store can fetch them before admission. */
export function referencedPoolNames(inputs: readonly unknown[]): string[] {
  const names = new Set<string>();
  for (const input of inputs) {
    const name = runPoolName(input);
    if (name) names.add(name);
  }
  return [...names];
}

function runPoolName(input: unknown): string | undefined {
  if (!isRecord(input) || input.kind !== 'Run' || !isRecord(input.spec)) return undefined;
  return typeof input.spec.pool === 'string' ? input.spec.pool : undefined;
}

function parseDocument(input: unknown, index: number, suffix: () => string): Parsed {
  const kind = isRecord(input) ? input.kind : undefined;
  const rawName = isRecord(input) && isRecord(input.metadata) && typeof input.metadata.name === 'string' ? input.metadata.name : undefined;
  const raw = rawInputViolations(input);
  if (raw.length > 0) {
    return { ok: false, rejection: { index, ...(kind === 'Pool' || kind === 'Run' ? { kind } : {}), name: rawName, violations: raw } };
  }
  if (kind !== 'Pool' && kind !== 'Run') {
    return { ok: false, rejection: { index, name: rawName, violations: [{ path: 'kind', rule: 'schema', message: 'kind must be "Pool" or "Run"', value: kind }] } };
  }
  const result = kind === 'Pool' ? PoolDocument.safeParse(input) : RunDocument.safeParse(input);
  if (!result.success) {
    return { ok: false, rejection: { index, kind, name: rawName, violations: schemaViolations(result.error, input) } };
  }
  const { metadata } = result.data;
  const name = metadata.name ?? (metadata.generateName ? `${metadata.generateName}${suffix()}` : undefined);
  if (!name) {
    return { ok: false, rejection: { index, kind, violations: [{ path: 'metadata.name', rule: 'name-required', message: 'metadata.name or metadata.generateName is required', value: undefined }] } };
  }
  const meta: AdmittedMeta = { name, labels: metadata.labels, annotations: metadata.annotations };
  const doc: AdmittedDocument = result.data.kind === 'Pool' ? { kind: 'Pool', metadata: meta, spec: result.data.spec } : { kind: 'Run', metadata: meta, spec: result.data.spec };
  return { ok: true, doc };
}

function kindViolation(got: string, want: string): Violation {
  return { path: 'kind', rule: 'schema', message: `expected kind "${want}"`, value: got };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 7).padEnd(5, '0');
}
