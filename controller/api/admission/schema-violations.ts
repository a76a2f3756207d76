/**
 * Turns zod issues into admission violations (rule `schema`), carrying the offending input value. The same
 * message at the same path is reported once: zod can raise it twice (a union branch and a refinement of the
 * same value, e.g. a template cpu of "NaN").
 */
import type { z } from 'zod';
import { joinPath, type Violation } from './violation.js';

export function schemaViolations(error: z.ZodError, input: unknown): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  const push = (violation: Violation): void => {
    const key = `${violation.path}\u0000${violation.message}`;
    if (!seen.has(key)) out.push(violation);
    seen.add(key);
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        push({ path: joinPath(path), rule: 'schema', message: 'unknown field', value: valueAt(input, path) });
      }
      continue;
    }
    push({ path: joinPath(issue.path), rule: 'schema', message: issue.message, value: valueAt(input, issue.path) });
  }
  return out;
}

export function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cursor: unknown = input;
  for (const key of path) {
    if (cursor === null || typeof cursor !== 'object') return undefined;
    cursor = (cursor as Record<PropertyKey, unknown>)[key];
  }
  return cursor;
}
