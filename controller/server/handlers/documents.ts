/**
 * Request documents before admission: a JSON object, the URL's namespace (a `metadata.namespace` is
 * accepted when it names the same one and removed, since stored metadata has none), and the kind the
 * collection holds. Admission itself (schema and ECS rules) is the store's, as for the CLI.
 */
import { ApiError, badRequest, type StatusCause } from '../status.js';

export type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export function asObject(body: unknown): Json {
  if (!isObject(body)) throw badRequest('the body must be a JSON object');
  return body;
}

/** The document with `metadata.namespace` checked and removed; `field` prefixes error fields in a batch. */
export function withoutNamespace(doc: unknown, namespace: string, field = ''): unknown {
  if (!isObject(doc) || !isObject(doc.metadata) || !('namespace' in doc.metadata)) return doc;
  const { namespace: given, ...metadata } = doc.metadata;
  if (given !== namespace) {
    throw new ApiError(400, 'BadRequest', `metadata.namespace ${JSON.stringify(given)} does not match the namespace in the URL (${namespace})`, {
      causes: [{ field: `${field}metadata.namespace`, reason: 'FieldValueInvalid', message: 'namespace-mismatch: must match the URL' }],
    });
  }
  return { ...doc, metadata };
}

/** Refuses a document of the wrong kind for this collection (a Pool posted to runs) with a 422 cause. */
export function requireKind(docs: readonly unknown[], kind: 'Run' | 'Pool', batch: boolean): void {
  const causes: StatusCause[] = [];
  docs.forEach((doc, i) => {
    const given = isObject(doc) ? doc.kind : undefined;
    if (given !== kind) {
      causes.push({ field: batch ? `items[${i}].kind` : 'kind', reason: 'FieldValueInvalid', message: `kind: this collection takes ${kind} documents, got ${JSON.stringify(given ?? null)}` });
    }
  });
  if (causes.length > 0) throw new ApiError(422, 'Invalid', `only ${kind} documents may be sent here`, { causes });
}

export function nameOf(doc: unknown): string | undefined {
  return isObject(doc) && isObject(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : undefined;
}
