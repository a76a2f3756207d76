/** Output formats (-o table|json|yaml), a plain column table and ages; secret masking lives in masking.ts. */
import { Option } from 'commander';
import { stringify } from 'yaml';

export type OutputFormat = 'table' | 'json' | 'yaml';

export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table');
}

/** json: one document, or an array; yaml: `---`-separated documents, so the output can be applied again. */
export function printDocuments(format: 'json' | 'yaml', docs: readonly unknown[], single: boolean): void {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(single ? docs[0] : docs, null, 2)}\n`);
    return;
  }
  process.stdout.write(docs.map((d) => stringify(d)).join('---\n'));
}

/** Left-aligned columns separated by three spaces, like kubectl. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('   ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
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
