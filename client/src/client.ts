/**
 * The typed client: openapi-fetch over the generated `paths` (src/generated/openapi.ts, from
 * schemas/openapi.json), with the bearer token set once, and helpers for what openapi-fetch leaves to the
 * caller: turning a failed answer into an ApiStatusError, and reading the two streaming routes (watch, log).
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './generated/openapi.js';
import { ApiStatusError, LogStreamBrokenError, statusError } from './errors.js';
import { bodyLines } from './lines.js';

export type Run = components['schemas']['Run'];
export type Pool = components['schemas']['Pool'];
export type RunList = components['schemas']['RunList'];
export type PoolList = components['schemas']['PoolList'];
export type RunDocument = components['schemas']['RunDocument'];
export type PoolDocument = components['schemas']['PoolDocument'];
export type RunWatchEvent = components['schemas']['RunWatchEvent'];
export type PoolWatchEvent = components['schemas']['PoolWatchEvent'];
export type Token = components['schemas']['Token'];
export type TokenRequest = components['schemas']['TokenRequest'];
export type ApiClient = Client<paths>;

export interface ClientOptions {
  /** The API's base URL, e.g. https://longshore.example.com:8443 (no path). */
  server: string;
  /** A bearer token (`longshore token create`). */
  token?: string;
  /** Replaces global fetch (tests, proxies). */
  fetch?: (request: Request) => Promise<Response>;
}

export function createLongshoreClient(options: ClientOptions): ApiClient {
  return createClient<paths>({
    baseUrl: options.server.replace(/\/+$/, ''),
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** openapi-fetch's answer: data on 2xx, the parsed error body otherwise. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful answer; throws ApiStatusError (the server's Status) for any other. */
export function unwrap<T>(answer: Answer<T>): T {
  if (answer.response.ok && answer.error === undefined) return answer.data as T;
  throw statusError(answer.response, answer.error);
}

/** The data, or null on 404 (get of a name that does not exist). */
export function unwrapOrNull<T>(answer: Answer<T>): T | null {
  if (answer.response.status === 404) return null;
  return unwrap(answer);
}

export interface WatchOptions {
  namespace: string;
  /** Resume after this version (410 Gone, as ApiStatusError, when the server's feed no longer reaches it). */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

/**
 * `GET …/runs?watch=true`: the change events as they come, until the server ends the stream (its
 * timeoutSeconds, shutdown) or `signal` aborts. Resume with the last event's object.metadata.resourceVersion.
 */
export async function* watchRuns(client: ApiClient, options: WatchOptions): AsyncGenerator<RunWatchEvent> {
  const { namespace, signal, ...query } = options;
  const answer = await client.GET('/apis/longshore.dev/v1alpha1/namespaces/{namespace}/runs', {
    params: { path: { namespace }, query: { watch: true, ...query } },
    parseAs: 'stream',
    ...(signal ? { signal } : {}),
  });
  const body = unwrap(answer) as unknown as ReadableStream<Uint8Array> | null;
  for await (const line of bodyLines(body)) {
    if (line.trim() === '') continue;
    yield JSON.parse(line) as RunWatchEvent;
  }
}

export interface LogOptions {
  namespace: string;
  name: string;
  /** Keep reading while the attempt's task runs; the stream ends when it stops. */
  follow?: boolean;
  tailLines?: number;
  attempt?: number;
  timestamps?: boolean;
  signal?: AbortSignal;
}

/**
 * `GET …/runs/{name}/log`: the run's output, line by line (without the newline). An error before the
 * first line (no such run, logs unavailable, throttled) is thrown as ApiStatusError; a stream that breaks
 * off after it (the server's error mid-stream, its shutdown, a lost connection) as LogStreamBrokenError,
 * after the lines that did arrive. The generator ending normally means the whole log was read.
 */
export async function* readLog(client: ApiClient, options: LogOptions): AsyncGenerator<string> {
  const { namespace, name, signal, ...query } = options;
  const answer = await client.GET('/apis/longshore.dev/v1alpha1/namespaces/{namespace}/runs/{name}/log', {
    params: { path: { namespace, name }, query },
    parseAs: 'stream',
    ...(signal ? { signal } : {}),
  });
  const body = unwrap(answer) as unknown as ReadableStream<Uint8Array> | null;
  try {
    yield* bodyLines(body);
  } catch (error) {
    // The caller's own abort is its choice, not a broken log.
    if (signal?.aborted) throw error;
    throw new LogStreamBrokenError(error);
  }
}

export { ApiStatusError, LogStreamBrokenError };
