/**
 * Small typed wrappers over the HTTP API with fetch (same origin: the API server serves the console). The
 * token travels only in the Authorization header, never in a URL. Watches and log follows are read as
 * streams through the response body's reader, so no polling anywhere.
 */
import type { List, Pool, Run, SelfSubjectReview, Status, WatchEvent } from './types.js';

export const API = '/apis/longshore.dev/v1alpha1';

export class ApiError extends Error {
  constructor(readonly code: number, message: string, readonly reason?: string) {
    super(message);
  }
}

export interface ListQuery {
  fieldSelector?: string;
  labelSelector?: string;
  limit?: number;
  continue?: string;
}

const ns = (namespace: string) => `${API}/namespaces/${encodeURIComponent(namespace)}`;

function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function failure(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let reason: string | undefined;
  try {
    const status = (await response.json()) as Partial<Status>;
    if (status.message) message = status.message;
    reason = status.reason;
  } catch {
    // Not a Status body: keep the HTTP status line.
  }
  return new ApiError(response.status, message, reason);
}

export class Client {
  constructor(private readonly token: string) {}

  private async send(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.token}`);
    if (init.body !== undefined) headers.set('content-type', 'application/json');
    const response = await fetch(path, { ...init, headers, cache: 'no-store', credentials: 'omit' });
    if (!response.ok) throw await failure(response);
    return response;
  }

  private async json<T>(path: string, init?: RequestInit): Promise<T> {
    return (await (await this.send(path, init)).json()) as T;
  }

  whoami(): Promise<SelfSubjectReview> {
    return this.json(`${API}/whoami`);
  }

  listRuns(namespace: string, q: ListQuery): Promise<List<Run>> {
    return this.json(`${ns(namespace)}/runs${query({ ...q })}`);
  }

  getRun(namespace: string, name: string): Promise<Run> {
    return this.json(`${ns(namespace)}/runs/${encodeURIComponent(name)}`);
  }

  listPools(namespace: string): Promise<List<Pool>> {
    return this.json(`${ns(namespace)}/pools`);
  }

  async cancelRun(namespace: string, name: string, reason: string): Promise<Status> {
    return this.json(`${ns(namespace)}/runs/${encodeURIComponent(name)}/cancel`, { method: 'POST', body: JSON.stringify({ reason }) });
  }

  async killRun(namespace: string, name: string, reason: string): Promise<Status> {
    return this.json(`${ns(namespace)}/runs/${encodeURIComponent(name)}/kill`, { method: 'POST', body: JSON.stringify({ reason }) });
  }

  /** Streams watch events of runs (after `resourceVersion`) until the server ends the stream or `signal` aborts. */
  async watchRuns(namespace: string, q: ListQuery & { resourceVersion: string }, onEvent: (event: WatchEvent<Run>) => void, signal: AbortSignal): Promise<void> {
    const response = await this.send(`${ns(namespace)}/runs${query({ ...q, watch: true })}`, { signal });
    await readLines(response, signal, (line) => onEvent(JSON.parse(line) as WatchEvent<Run>));
  }

  /** Streams the run's log lines; with follow, until its task stops. */
  async streamLog(namespace: string, name: string, options: { follow: boolean; attempt?: number }, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    const response = await this.send(`${ns(namespace)}/runs/${encodeURIComponent(name)}/log${query({ follow: options.follow, attempt: options.attempt, timestamps: true })}`, { signal });
    await readLines(response, signal, onLine);
  }
}

async function readLines(response: Response, signal: AbortSignal, onLine: (line: string) => void): Promise<void> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim() !== '') onLine(line);
    }
  }
  if (buffer.trim() !== '') onLine(buffer);
}
