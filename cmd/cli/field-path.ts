/**
 * `--sort-by` field paths, the subset of kubectl's JSONPath that sorting needs: `.status.phase`,
 * `{.metadata.creationTimestamp}`, `.status.attempts[0].exitCode`, `.metadata.labels['app.kubernetes.io/name']`.
 * A leading `.` and surrounding `{}` are optional. Pure.
 */
import { UsageError } from './errors.js';

export type FieldPath = ReadonlyArray<string | number>;

export function parseFieldPath(text: string): FieldPath {
  let rest = text.trim();
  if (rest.startsWith('{') && rest.endsWith('}')) rest = rest.slice(1, -1).trim();
  if (rest.startsWith('.')) rest = rest.slice(1);
  const bad = (why: string) => new UsageError(`--sort-by ${JSON.stringify(text)}: ${why}; expected a field path like .status.phase or .metadata.labels['app']`);
  if (rest === '') throw bad('empty path');
  const path: Array<string | number> = [];
  const token = /^(?:([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\])(\.?)/;
  while (rest !== '') {
    const match = token.exec(rest);
    if (!match) throw bad(`cannot read ${JSON.stringify(rest)}`);
    if (match[2] !== undefined) path.push(Number(match[2]));
    else path.push(match[1] ?? match[3] ?? match[4]);
    rest = rest.slice(match[0].length);
    if (match[5] === '.' && rest === '') throw bad('ends with "."');
  }
  return path;
}

export function valueAt(value: unknown, path: FieldPath): unknown {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof part === 'number') current = Array.isArray(current) ? (current[part] as unknown) : undefined;
    else current = Object.prototype.hasOwnProperty.call(current, part) ? (current as Record<string, unknown>)[part] : undefined;
  }
  return current;
}

/** Numbers by value, strings by code point (ISO timestamps sort by time), missing values last. */
export function compareValues(a: unknown, b: unknown): number {
  const missing = (v: unknown) => v === undefined || v === null;
  if (missing(a) || missing(b)) return missing(a) === missing(b) ? 0 : missing(a) ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [typeof a === 'object' ? JSON.stringify(a) : String(a), typeof b === 'object' ? JSON.stringify(b) : String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A stable sort by the value at `path` (ties keep their order, which is by name). */
export function sortByField<T>(items: readonly T[], path: FieldPath, of: (item: T) => unknown = (item) => item): T[] {
  return items
    .map((item, index) => ({ item, index, key: valueAt(of(item), path) }))
    .sort((a, b) => compareValues(a.key, b.key) || a.index - b.index)
    .map((e) => e.item);
}
