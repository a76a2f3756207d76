/**
 * Duplicate keys in a map, found in one linear pass. YAML's own check (`uniqueKeys`) compares every key with
 * every earlier one, so a 100,000-key map took minutes; JSON.parse keeps the last of two equal keys silently
 * (RFC 8259 leaves it open). Both are turned into the same error here: an env variable written twice is a
 * mistake worth a message, not a coin toss.
 */
import { isScalar, visit, type Document } from 'yaml';

export interface DuplicateKey {
  key: string;
  /** 1-based line of the second occurrence. */
  line: number;
}

/** The first duplicate key in text JSON.parse has already accepted (so its syntax is known to be valid). */
export function duplicateJsonKey(text: string): DuplicateKey | undefined {
  // One entry per open container: the keys seen so far in an object, null for an array.
  const open: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i + 1;
      let escaped = false;
      while (text.charCodeAt(end) !== 0x22) {
        if (text.charCodeAt(end) === 0x5c /* \ */) {
          escaped = true;
          end += 1;
        }
        end += 1;
      }
      const keys = open[open.length - 1];
      if (expectKey && keys) {
        const key = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        if (keys.has(key)) return { key, line: lineOf(text, i) };
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      open.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
    } else if (c === 0x2c /* , */) {
      expectKey = open[open.length - 1] !== null;
    }
  }
  return undefined;
}

/** The first duplicate scalar key in a YAML document parsed with `uniqueKeys: false`. */
export function duplicateYamlKey(doc: Document, text: string): DuplicateKey | undefined {
  let found: DuplicateKey | undefined;
  visit(doc, {
    Map(_, map) {
      const keys = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (keys.has(key)) {
          found = { key, line: lineOf(text, pair.key.range?.[0] ?? 0) };
          return visit.BREAK;
        }
        keys.add(key);
      }
      return undefined;
    },
  });
  return found;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}
