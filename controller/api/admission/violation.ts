/**
 * The admission error format. Every rejection names the field path, the rule and the offending value, so
 * a user (or a CI pipeline) can fix every problem in one pass; a batch reports every bad document.
 */
export interface Violation {
  /** Dotted path into the document, e.g. `spec.cpu` or `spec.taskDefinition.containerDefinitions[0].name`. */
  path: string;
  /** Stable rule id, e.g. `schema`, `fargate-cpu-memory`, `pool-exists`. */
  rule: string;
  message: string;
  value: unknown;
}

/** Violations of one document of a batch, identified by its position (0-based) and (when readable) kind and name. */
export interface DocumentRejection {
  index: number;
  kind?: string;
  name?: string;
  violations: Violation[];
}

export class AdmissionError extends Error {
  readonly rejections: DocumentRejection[];
  constructor(rejections: DocumentRejection[]) {
    super(formatRejections(rejections));
    this.name = 'AdmissionError';
    this.rejections = rejections;
  }
}

/**
 * One line per violation: `document 2 (Run r-1): spec.cpu: fargate-cpu-memory: … (value: 1024)`. Documents are
 * numbered from 1 in file order, as people count them (an editor's first document is not "document 0").
 */
export function formatRejections(rejections: DocumentRejection[]): string {
  const lines: string[] = [];
  for (const r of rejections) {
    const what = r.kind || r.name ? ` (${[r.kind, r.name].filter(Boolean).join(' ')})` : '';
    for (const v of r.violations) {
      lines.push(`document ${r.index + 1}${what}: ${v.path}: ${v.rule}: ${v.message} (value: ${formatValue(v.value)})`);
    }
  }
  return lines.join('\n');
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'none';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function joinPath(parts: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
