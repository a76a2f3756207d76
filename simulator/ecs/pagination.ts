/**
 * nextToken/maxResults paging over a list that is stable between calls. The token is an opaque base64
 * offset; a token that does not decode is InvalidParameterException, as ECS answers a foreign token.
 */
import { invalidParameter } from './errors.js';

export interface Page<T> {
  items: T[];
  nextToken: string | undefined;
}

/**
 * Pages lazily: stops reading `all` once the page and one item past it are known, so the first pages
 * of a long listing (ListTasks over thousands of tasks) stay cheap.
 */
export function paginate<T>(all: Iterable<T>, nextToken: string | undefined, maxResults: number | undefined, maxAllowed: number): Page<T> {
  if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > maxAllowed)) {
    throw invalidParameter(`maxResults must be between 1 and ${maxAllowed}.`);
  }
  const limit = maxResults ?? maxAllowed;
  let offset = 0;
  if (nextToken !== undefined && nextToken !== '') {
    const decoded = Number(Buffer.from(nextToken, 'base64url').toString('utf8').replace(/^offset:/, ''));
    if (!Number.isInteger(decoded) || decoded < 0) throw invalidParameter('Invalid token');
    offset = decoded;
  }
  const items: T[] = [];
  let index = 0;
  for (const item of all) {
    if (index >= offset + limit) {
      return { items, nextToken: Buffer.from(`offset:${offset + limit}`).toString('base64url') };
    }
    if (index >= offset) items.push(item);
    index += 1;
  }
  return { items, nextToken: undefined };
}
