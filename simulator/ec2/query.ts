/**
 * The EC2 query protocol's request side, as pure functions: form/query-string parameters, 1-indexed
 * lists (`SubnetId.1=…`) and filters (`Filter.1.Name=vpc-id&Filter.1.Value.1=…`). EC2 accepts the same
 * parameters in a form-encoded POST body or in a GET query string.
 */

export type QueryParams = ReadonlyMap<string, string>;

export interface Ec2Filter {
  name: string;
  values: string[];
}

/** Merges the query string of `path` and a form-encoded body into one parameter map (body wins). */
export function parseQueryParams(path: string, body: string): Map<string, string> {
  const params = new Map<string, string>();
  const questionMark = path.indexOf('?');
  if (questionMark >= 0) addPairs(params, path.slice(questionMark + 1));
  if (body.length > 0) addPairs(params, body);
  return params;
}

function addPairs(into: Map<string, string>, encoded: string): void {
  for (const [key, value] of new URLSearchParams(encoded)) into.set(key, value);
}

/** `<prefix>.N` values in index order (EC2 lists are 1-indexed; gaps are tolerated, order is by N). */
export function parseIndexedList(params: QueryParams, prefix: string): string[] {
  const pattern = new RegExp(`^${escapeRegExp(prefix)}\\.(\\d+)$`);
  const indexed: Array<[number, string]> = [];
  for (const [key, value] of params) {
    const match = pattern.exec(key);
    if (match) indexed.push([Number(match[1]), value]);
  }
  return indexed.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

/** `Filter.N.Name` with its `Filter.N.Value.M` values, in N order. A filter without a name is skipped. */
export function parseFilters(params: QueryParams): Ec2Filter[] {
  const names = new Map<number, string>();
  const values = new Map<number, Array<[number, string]>>();
  for (const [key, value] of params) {
    const nameMatch = /^Filter\.(\d+)\.Name$/.exec(key);
    if (nameMatch) {
      names.set(Number(nameMatch[1]), value);
      continue;
    }
    const valueMatch = /^Filter\.(\d+)\.Value\.(\d+)$/.exec(key);
    if (valueMatch) {
      const filterIndex = Number(valueMatch[1]);
      const list = values.get(filterIndex) ?? [];
      list.push([Number(valueMatch[2]), value]);
      values.set(filterIndex, list);
    }
  }
  return [...names.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([index, name]) => ({
      name,
      values: (values.get(index) ?? []).sort((a, b) => a[0] - b[0]).map(([, value]) => value),
    }));
}

/**
 * EC2 filter values accept `*` (any run of characters) and `?` (one character) wildcards; everything
 * else matches literally and case-sensitively.
 */
export function filterValueMatches(pattern: string, actual: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === actual;
  const source = [...pattern].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : escapeRegExp(ch))).join('');
  return new RegExp(`^${source}$`, 's').test(actual);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Opaque EC2 pagination token: the offset of the next item, base64url so it does not look numeric. */
export function encodeNextToken(offset: number): string {
  return Buffer.from(`offset:${offset}`, 'utf8').toString('base64url');
}

/** The offset a token stands for, or undefined when the token is not one this simulator issued. */
export function decodeNextToken(token: string): number | undefined {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  const match = /^offset:(\d+)$/.exec(decoded);
  return match ? Number(match[1]) : undefined;
}
