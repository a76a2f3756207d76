/**
 * Kubernetes label selectors (the subset kubectl users type): `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x,y)`, `a` (exists) and `!a` (does not exist), joined by commas. Pure.
 */
export type Requirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: string[] };

export class SelectorError extends Error {
  constructor(selector: string, reason: string) {
    super(`invalid label selector ${JSON.stringify(selector)}: ${reason}`);
    this.name = 'SelectorError';
  }
}

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

export function parseSelector(selector: string): Requirement[] {
  const out: Requirement[] = [];
  for (const part of splitTopLevel(selector, selector)) {
    const text = part.trim();
    if (text === '') continue;
    out.push(parseRequirement(text, selector));
  }
  return out;
}

function splitTopLevel(text: string, selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (depth < 0 || depth > 1) throw new SelectorError(selector, 'unbalanced parentheses');
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (depth !== 0) throw new SelectorError(selector, 'unbalanced parentheses');
  parts.push(current);
  return parts;
}

function parseRequirement(text: string, selector: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (set) {
    const values = set[3].split(',').map((v) => v.trim());
    values.forEach((v) => checkValue(v, selector));
    return { key: checkKey(set[1], selector), op: set[2] === 'in' ? 'in' : 'notin', values };
  }
  const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (eq) {
    return { key: checkKey(eq[1], selector), op: eq[2] === '!=' ? 'notin' : 'in', values: [checkValue(eq[3], selector)] };
  }
  if (text.startsWith('!')) return { key: checkKey(text.slice(1).trim(), selector), op: 'notexists' };
  return { key: checkKey(text, selector), op: 'exists' };
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key)) throw new SelectorError(selector, `bad label key ${JSON.stringify(key)}`);
  return key;
}
function checkValue(value: string, selector: string): string {
  if (!VALUE.test(value)) throw new SelectorError(selector, `bad label value ${JSON.stringify(value)}`);
  return value;
}

export function matchesSelector(requirements: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key]);
      case 'notin':
        return !has || !r.values.includes(labels[r.key]);
    }
  });
}
