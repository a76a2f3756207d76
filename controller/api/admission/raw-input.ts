/**
 * Checks on a document as written, before the schema parses it: things zod would silently lose or spend
 * long on. A key named `__proto__` is dropped by zod's record parsing (and `constructor`/`prototype` are
 * prototype-pollution bait in any code that copies maps), so they are rejected by name wherever they occur
 * (env, labels, annotations, tags, options, …). A map or list is capped in entries and a document in depth so
 * a 100,000-variable env is refused after one linear walk instead of being parsed, rendered and measured.
 * Iterative, so a deeply nested document cannot overflow the stack.
 */
import { joinPath, type Violation } from './violation.js';

export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/**
 * Entries in any one map or list. Every map a document holds ends up in something ECS bounds far lower: an
 * env entry costs at least 7 bytes of the 64 KiB task definition (9,362 entries), a run's env shares 8,192
 * override characters, tags are ≤ 50, labels ≤ 64, and no template list comes close.
 */
export const MAX_ENTRIES = 10_000;
/** Nesting depth; the deepest real path (spec.taskDefinition.containerDefinitions[i].healthCheck.command[j]) is 6. */
export const MAX_DEPTH = 32;
/** Raw-input violations reported per document; past that, the rest would be more of the same. */
const MAX_REPORTED = 50;

interface Frame {
  value: unknown;
  path: readonly PropertyKey[];
}

export function rawInputViolations(input: unknown): Violation[] {
  const out: Violation[] = [];
  const stack: Frame[] = [{ value: input, path: [] }];
  while (stack.length > 0 && out.length < MAX_REPORTED) {
    const { value, path } = stack.pop() as Frame;
    if (typeof value !== 'object' || value === null) continue;
    if (path.length > MAX_DEPTH) {
      out.push({ path: joinPath(path), rule: 'too-deep', message: `documents nest at most ${MAX_DEPTH} levels`, value: undefined });
      continue;
    }
    if (Array.isArray(value)) {
      if (tooMany(value.length, path, out)) continue;
      value.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
      continue;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      // An in-process caller wrote `{ __proto__: … }` (or passed a class instance): the key is no longer visible.
      out.push({ path: joinPath([...path, '__proto__']), rule: 'reserved-key', message: 'documents are plain maps; "__proto__" is not a key they may hold', value: undefined });
      continue;
    }
    const keys = Object.keys(value);
    if (tooMany(keys.length, path, out)) continue;
    for (const key of keys) {
      if (RESERVED_KEYS.has(key)) {
        out.push({ path: joinPath([...path, key]), rule: 'reserved-key', message: `"${key}" is reserved (${[...RESERVED_KEYS].join(', ')} may not be used as keys)`, value: key });
      } else {
        stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
      }
    }
  }
  // The walk pops from the end; sort so the report is stable and reads top-down.
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function tooMany(count: number, path: readonly PropertyKey[], out: Violation[]): boolean {
  if (count <= MAX_ENTRIES) return false;
  out.push({ path: joinPath(path), rule: 'too-many-entries', message: `at most ${MAX_ENTRIES} entries are allowed in one map or list, got ${count}`, value: count });
  return true;
}
