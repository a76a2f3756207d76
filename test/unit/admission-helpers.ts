/** Document builders and violation finders shared by the admission tests. */
import assert from 'node:assert/strict';
import { PoolSpec, type PoolSpecInput, type RunSpecInput } from '../../controller/api/index.js';
import { AdmissionError, admitPool, admitRun, type Violation } from '../../controller/api/admission/index.js';

export const V = 'longshore.dev/v1alpha1';
export const poolDoc = (spec: PoolSpecInput, name = 'p1') => ({ apiVersion: V, kind: 'Pool', metadata: { name }, spec });
export const runDoc = (spec: Partial<RunSpecInput>, name = 'r1') => ({ apiVersion: V, kind: 'Run', metadata: { name }, spec: { pool: 'p1', ...spec } });
export const fargatePool = (extra: PoolSpecInput = {}): PoolSpecInput => ({ taskDefinition: { networkMode: 'awsvpc' }, ...extra });

export function violationsOf(fn: () => unknown): Violation[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof AdmissionError, `expected AdmissionError, got ${String(error)}`);
    return error.rejections.flatMap((r) => r.violations);
  }
  assert.fail('expected the document to be rejected');
}
export const poolViolations = (spec: PoolSpecInput) => violationsOf(() => admitPool(poolDoc(spec)));
export const runViolations = (spec: Partial<RunSpecInput>, pool: PoolSpecInput = fargatePool()) => violationsOf(() => admitRun(runDoc(spec), PoolSpec.parse(pool)));
export function only(violations: Violation[], rule: string): Violation {
  const hits = violations.filter((v) => v.rule === rule);
  assert.equal(hits.length, 1, `expected one ${rule} violation in ${JSON.stringify(violations)}`);
  return hits[0];
}
