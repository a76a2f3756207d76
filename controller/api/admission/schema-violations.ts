/** Turns zod issues into admission violations (rule `schema`), carrying the offending input value. */
import type { z } from 'zod';
import { joinPath, type Violation } from './violation.js';

export function schemaViolations(error: z.ZodError, input: unknown): Violation[] {
  const out: Violation[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        out.push({ path: joinPath(path), rule: 'schema', message: 'unknown field', value: valueAt(input, path) });
      }
      continue;
    }
    out.push({ path: joinPath(issue.path), rule: 'schema', message: issue.message, value: valueAt(input, issue.path) });
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
