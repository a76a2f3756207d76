/**
 * Reading resource documents from a file or stdin (`-`): multi-document YAML (`---`), a JSON document, a
 * JSON array, or a `kind: List` with `items` — all flattened into one list of documents.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { UsageError } from './errors.js';

export async function readDocuments(file: string): Promise<unknown[]> {
  const text = file === '-' ? await readStdin() : await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  return parseDocuments(text, file === '-' ? 'stdin' : file);
}

export function parseDocuments(text: string, source: string): unknown[] {
  const out: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new UsageError(`${source}: ${doc.errors[0].message.split('\n')[0]}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    out.push(...flatten(value));
  }
  if (out.length === 0) throw new UsageError(`${source}: no documents`);
  return out;
}

function flatten(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(flatten);
  if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'List') {
    const items = (value as { items?: unknown }).items;
    return Array.isArray(items) ? items.flatMap(flatten) : [];
  }
  return [value];
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
