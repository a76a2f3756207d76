/** Query parameters, checked: a bad value is a 400 naming the parameter and what it should be. */
import { OUTCOMES, PHASES, type Outcome, type Phase } from '../api/index.js';
import { badRequest } from './status.js';

export function intParam(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw badRequest(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function boolParam(query: URLSearchParams, name: string): boolean {
  const text = query.get(name);
  if (text === null || text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw badRequest(`${name} must be true or false, got ${JSON.stringify(text)}`);
}

/** The fields a fieldSelector may name (equality only), as the store can filter by them. */
export interface FieldFilter {
  name?: string;
  pool?: string;
  phase?: Phase;
  outcome?: Outcome;
}

const RUN_FIELDS = ['metadata.name', 'spec.pool', 'status.phase', 'status.outcome'];
const POOL_FIELDS = ['metadata.name'];

/** `fieldSelector=status.phase=running,spec.pool=etl` → filter. */
export function fieldFilter(query: URLSearchParams, kind: 'Run' | 'Pool'): FieldFilter {
  const text = query.get('fieldSelector');
  const filter: FieldFilter = {};
  if (!text) return filter;
  const allowed = kind === 'Run' ? RUN_FIELDS : POOL_FIELDS;
  for (const part of text.split(',')) {
    const match = /^\s*([a-z.]+)\s*==?\s*([^=!\s]*)\s*$/i.exec(part);
    if (!match || !allowed.includes(match[1])) {
      throw badRequest(`fieldSelector ${JSON.stringify(part)}: supported are equalities on ${allowed.join(', ')}`);
    }
    const [, field, value] = match;
    if (field === 'metadata.name') filter.name = value;
    else if (field === 'spec.pool') filter.pool = value;
    else if (field === 'status.outcome') {
      if (!(OUTCOMES as readonly string[]).includes(value)) throw badRequest(`fieldSelector status.outcome must be one of ${OUTCOMES.join(', ')}, got ${JSON.stringify(value)}`);
      filter.outcome = value as Outcome;
    } else if ((PHASES as readonly string[]).includes(value)) filter.phase = value as Phase;
    else throw badRequest(`fieldSelector status.phase must be one of ${PHASES.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return filter;
}
