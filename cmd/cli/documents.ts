/**
 * Reading resource documents from a file or stdin (`-`): multi-document YAML (`---`), a JSON document, a
 * JSON array, or a `kind: List` with `items` — all flattened into one list of documents.
 *
 * Input is bounded before it is parsed, so a huge or hostile file is refused at once instead of after
 * minutes of parsing: the whole input, each document and the number of documents are capped. JSON (a
 * `.json` file, or any input starting with `{` or `[` that parses as JSON) is read by JSON.parse; YAML by the
 * `yaml` package with a linear duplicate-key check and an alias budget. Every problem is a UsageError (exit 2).
 */
import { readFile, stat } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { duplicateJsonKey, duplicateYamlKey } from './duplicate-keys.js';
import { UsageError } from './errors.js';

/** The whole file or stdin: 10,000 documents of the usual size (well under 1 KiB) fit with room to spare. */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;
/**
 * One document, as written (YAML) and as JSON. The largest document admission can accept is a 64 KiB task
 * definition plus 256 KiB of annotations and a few KiB of labels and spec; 512 KiB holds that, and the `yaml`
 * parser takes about a second for it, so anything larger is refused before parsing.
 */
export const MAX_DOCUMENT_BYTES = 512 * 1024;
export const MAX_DOCUMENTS = 10_000;
/** Alias expansions per YAML document (the yaml package's default): an alias bomb is refused, not expanded. */
const MAX_ALIAS_COUNT = 100;

export async function readDocuments(file: string): Promise<unknown[]> {
  const source = file === '-' ? 'stdin' : file;
  const text = file === '-' ? await readStdin() : await readFileBounded(file);
  return parseDocuments(text, source, { json: file.toLowerCase().endsWith('.json') });
}

export function parseDocuments(text: string, source: string, options: { json?: boolean } = {}): unknown[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_INPUT_BYTES) throw tooLarge(source, bytes);
  const trimmed = text.trimStart();
  const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[');
  const values = options.json || looksJson ? parseJson(text, source, !options.json) : undefined;
  const out = (values ?? parseYaml(text, source)).flatMap(flatten);
  if (out.length === 0) throw new UsageError(`${source}: no documents`);
  if (out.length > MAX_DOCUMENTS) throw new UsageError(`${source}: ${out.length} documents; at most ${MAX_DOCUMENTS} per file`);
  out.forEach((doc, index) => {
    const size = Buffer.byteLength(JSON.stringify(doc) ?? '', 'utf8');
    if (size > MAX_DOCUMENT_BYTES) throw new UsageError(`${source}: document ${index + 1} is ${size} bytes as JSON; at most ${MAX_DOCUMENT_BYTES} (512 KiB) per document`);
  });
  // After the caps, which answer sooner; YAML checked its duplicates per document while parsing.
  const duplicate = values ? duplicateJsonKey(text) : undefined;
  if (duplicate) throw new UsageError(`${source}: line ${duplicate.line}: duplicate key "${duplicate.key}"`);
  return out;
}

/** JSON values, or undefined when the text is not JSON and YAML may still read it (flow-style YAML starts with `{` too). */
function parseJson(text: string, source: string, yamlMayFollow: boolean): unknown[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (yamlMayFollow) return undefined;
    throw new UsageError(`${source}: invalid JSON: ${(error as Error).message}`);
  }
  return [value];
}

function parseYaml(text: string, source: string): unknown[] {
  // Each document's text is measured before any is parsed. A line starting with "---" or "..." and then a
  // space or its end can only be a document marker in YAML (the spec forbids it in content: c-forbidden).
  const markers = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let start = 0;
  let index = 0;
  for (const match of text.matchAll(markers)) {
    checkYamlDocumentSize(text, start, match.index, source, index);
    if (text.slice(start, match.index).trim() !== '') index += 1;
    start = match.index;
  }
  checkYamlDocumentSize(text, start, text.length, source, index);

  const out: unknown[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: false })) {
    if (doc.errors.length > 0) throw new UsageError(`${source}: ${doc.errors[0].message.split('\n')[0]}`);
    const duplicate = duplicateYamlKey(doc, text);
    if (duplicate) throw new UsageError(`${source}: line ${duplicate.line}: duplicate key "${duplicate.key}"`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      // An alias to an anchor not (yet) defined, or one expanding past the budget: the input's fault.
      if (error instanceof ReferenceError) throw new UsageError(`${source}: ${error.message}`);
      throw error;
    }
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function checkYamlDocumentSize(text: string, from: number, to: number, source: string, index: number): void {
  // Characters, not bytes, keep this one pass cheap; a UTF-8 byte count is at least as large, and the JSON
  // check after parsing measures bytes.
  if (to - from > MAX_DOCUMENT_BYTES) {
    throw new UsageError(`${source}: document ${index + 1} is ${to - from} characters; at most ${MAX_DOCUMENT_BYTES} (512 KiB) per document`);
  }
}

function flatten(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(flatten);
  if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'List') {
    const items = (value as { items?: unknown }).items;
    return Array.isArray(items) ? items.flatMap(flatten) : [];
  }
  return [value];
}

/** `bytes` is exact for a file, and "more than" for stdin, which is not read past the cap. */
function tooLarge(source: string, bytes: number, exact = true): UsageError {
  return new UsageError(`${source}: ${exact ? '' : 'more than '}${exact ? bytes : MAX_INPUT_BYTES} bytes; at most ${MAX_INPUT_BYTES} (8 MiB) per input`);
}

async function readFileBounded(file: string): Promise<string> {
  const cannot = (error: NodeJS.ErrnoException): never => {
    throw new UsageError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  };
  const info = await stat(file).catch(cannot);
  if (info.isFile() && info.size > MAX_INPUT_BYTES) throw tooLarge(file, info.size);
  return readFile(file, 'utf8').catch(cannot);
}

/** Stops reading once the cap is passed: stdin may be endless. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    bytes += buffer.length;
    if (bytes > MAX_INPUT_BYTES) throw tooLarge('stdin', bytes, false);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
