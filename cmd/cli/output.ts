/**
 * Output formats, kubectl's: `-o table` (the default), `wide` (more columns), `name` (`run/NAME`), `json` and
 * `yaml`; `--no-headers` and `--sort-by FIELD-PATH` for lists. A list in json/yaml is one `kind: List`
 * document with `items` (which `-f` reads back); one resource is the document itself. Records are shown
 * without the controller's internal lifecycle snapshot. Secret masking lives in masking.ts.
 */
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { API_VERSION } from '../../controller/api/index.js';
import { parseFieldPath, sortByField } from './field-path.js';

export const OUTPUT_FORMATS = ['table', 'wide', 'name', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export type DataFormat = 'json' | 'yaml';

export function outputOption(formats: readonly string[] = OUTPUT_FORMATS): Option {
  return new Option('-o, --output <format>', 'output format').choices(formats).default('table');
}

/** What list commands accept besides their filters. */
export interface ListFlags {
  output: OutputFormat;
  /** false with --no-headers. */
  headers: boolean;
  sortBy?: string;
  allNamespaces?: boolean;
}

export function addListOptions(command: Command, options: { allNamespaces?: boolean } = {}): Command {
  command
    .addOption(outputOption())
    .option('--no-headers', 'table and wide output without the header line')
    .option('--sort-by <field-path>', 'sort by a field, e.g. .status.phase, .metadata.creationTimestamp, .status.attempts[0].exitCode');
  if (options.allNamespaces !== false) command.option('-A, --all-namespaces', 'every namespace in this Redis (adds a NAMESPACE column)');
  return command;
}

/** Table columns of one resource kind; `wide` adds columns after the normal ones. */
export interface Columns<T> {
  /** Lower-case kind, for `-o name`: `run`, `pool`. */
  kind: string;
  headers: readonly string[];
  row(item: T, now: number): string[];
  wideHeaders: readonly string[];
  wideRow(item: T, now: number): string[];
}

/** A record and the namespace it was read from. */
export interface Scoped<T> {
  namespace: string;
  record: T;
}

interface Resource {
  metadata: { name: string };
}

/** The record as shown: without `lifecycle` (the controller's machine snapshot, internal); with -A, its namespace. */
export function asDocument<T extends Resource>(record: T, namespace?: string): object {
  const { lifecycle: _lifecycle, ...shown } = record as T & { lifecycle?: unknown };
  if (namespace === undefined) return shown;
  return { ...shown, metadata: { ...shown.metadata, namespace } };
}

export function listDocument(items: readonly object[]): object {
  return { apiVersion: API_VERSION, kind: 'List', items };
}

export function formatData(format: DataFormat, document: unknown): string {
  return format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : stringify(document);
}

/**
 * A list in any format. An empty table says so on stderr, as kubectl does, so `-o name | xargs` and scripts
 * reading stdout see nothing at all; `namespace` names where nothing was found (without -A).
 */
export function renderList<T extends Resource>(
  items: ReadonlyArray<Scoped<T>>, columns: Columns<T>, flags: ListFlags, namespace: string, now: number = Date.now(),
): { stdout: string; stderr: string } {
  const sorted = flags.sortBy ? sortByField(items, parseFieldPath(flags.sortBy), (i) => i.record) : [...items];
  const all = flags.allNamespaces === true;
  switch (flags.output) {
    case 'json':
    case 'yaml':
      return { stdout: formatData(flags.output, listDocument(sorted.map((i) => asDocument(i.record, all ? i.namespace : undefined)))), stderr: '' };
    case 'name':
      return { stdout: sorted.map((i) => `${columns.kind}/${i.record.metadata.name}\n`).join(''), stderr: '' };
    default: {
      if (sorted.length === 0) return { stdout: '', stderr: `No ${columns.kind}s found${all ? '' : ` in namespace ${namespace}`}.\n` };
      return { stdout: renderColumns(sorted, columns, flags, now), stderr: '' };
    }
  }
}

/** One resource (`get NAME`): the document itself in json/yaml, a one-row table otherwise. */
export function renderOne<T extends Resource>(item: Scoped<T>, columns: Columns<T>, format: OutputFormat, now: number = Date.now()): string {
  if (format === 'json' || format === 'yaml') return formatData(format, asDocument(item.record));
  if (format === 'name') return `${columns.kind}/${item.record.metadata.name}\n`;
  return renderColumns([item], columns, { output: format, headers: true }, now);
}

function renderColumns<T extends Resource>(items: ReadonlyArray<Scoped<T>>, columns: Columns<T>, flags: ListFlags, now: number): string {
  const wide = flags.output === 'wide';
  const all = flags.allNamespaces === true;
  const headers = [...(all ? ['NAMESPACE'] : []), ...columns.headers, ...(wide ? columns.wideHeaders : [])];
  const rows = items.map((i) => [...(all ? [i.namespace] : []), ...columns.row(i.record, now), ...(wide ? columns.wideRow(i.record, now) : [])]);
  return renderTable(headers, rows, { headers: flags.headers });
}

/** Left-aligned columns separated by three spaces, like kubectl. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, options: { headers?: boolean } = {}): string {
  const shown = options.headers === false ? rows : [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...shown.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('   ').trimEnd();
  return shown.length ? shown.map(line).join('\n') + '\n' : '';
}

/** 45s, 12m, 3h, 5d — the age of a timestamp relative to now. */
export function age(timestamp: string | undefined, now: number = Date.now()): string {
  if (!timestamp) return '-';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

export function labelsText(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

/** Writes a rendered result; the caller decides the exit status. */
export function write(out: { stdout: string; stderr: string }): void {
  if (out.stdout) process.stdout.write(out.stdout);
  if (out.stderr) process.stderr.write(out.stderr);
}
