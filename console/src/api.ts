/**
 * The console's calls over the generated client (@longshore/client: openapi-fetch typed by the API's
 * OpenAPI document), same origin: the API server serves the console. The token travels only in the
 * Authorization header, never in a URL. Watches and log follows are read as streams by the client's
 * watchRuns and readLog, so no polling anywhere; aborting the signal ends them.
 */
import { ApiStatusError, createLongshoreClient, readLog, unwrap, watchRuns, type ApiClient } from '@longshore/client';
import type { PoolList, PoolStatus, RunList, RunSummary, RunWatchEvent, SelfSubjectReview, Status } from './types.js';

export { ApiStatusError as ApiError };

export interface ListQuery {
  fieldSelector?: string;
  labelSelector?: string;
  limit?: number;
  continue?: string;
}

/** Drops empty filters so the query string carries only what was asked for (as the server's defaults expect). */
function present<T extends object>(query: T): Partial<T> {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined && value !== '')) as Partial<T>;
}

/** A 404 the console finds itself (a run missing from a list by name), shaped as the server's would be. */
export function notFound(message: string): ApiStatusError {
  return new ApiStatusError(404, { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message });
}

export class Client {
  private readonly api: ApiClient;

  constructor(token: string) {
    this.api = createLongshoreClient({
      server: window.location.origin,
      token,
      // Never cached (live state), and never cookies: the bearer header is the only credential.
      fetch: (request) => fetch(new Request(request, { cache: 'no-store', credentials: 'omit' })),
    });
  }

  async whoami(): Promise<SelfSubjectReview> {
    return unwrap(await this.api.GET('/apis/longshore.dev/v1alpha1/whoami'));
  }

  // The list routes' documented answer is a list or, with watch=true, a watch event; these calls never watch.
  async listRuns(namespace: string, q: ListQuery): Promise<RunList> {
    return <RunList>unwrap(await this.api.GET('/apis/longshore.dev/v1alpha1/namespaces/{namespace}/runs', { params: { path: { namespace }, query: present(q) } }));
  }

  /** Counts of the runs a list with these filters would return, by phase and outcome (from the store's indexes). */
  async runSummary(namespace: string, q: Pick<ListQuery, 'fieldSelector' | 'labelSelector'>): Promise<RunSummary> {
    return unwrap(await this.api.GET('/apis/longshore.dev/v1alpha1/namespaces/{namespace}/runsummary', { params: { path: { namespace }, query: present(q) } }));
  }

  async poolStatus(namespace: string, name: string): Promise<PoolStatus> {
    return unwrap(await this.api.GET('/apis/longshore.dev/v1alpha1/namespaces/{namespace}/pools/{name}/status', { params: { path: { namespace, name } } }));
  }

  async listPools(namespace: string): Promise<PoolList> {
    return <PoolList>unwrap(await this.api.GET('/apis/longshore.dev/v1alpha1/namespaces/{namespace}/pools', { params: { path: { namespace } } }));
  }

  async cancelRun(namespace: string, name: string, reason: string): Promise<Status> {
    return unwrap(await this.api.POST('/apis/longshore.dev/v1alpha1/namespaces/{namespace}/runs/{name}/cancel', { params: { path: { namespace, name } }, body: { reason } }));
  }

  async killRun(namespace: string, name: string, reason: string): Promise<Status> {
    return unwrap(await this.api.POST('/apis/longshore.dev/v1alpha1/namespaces/{namespace}/runs/{name}/kill', { params: { path: { namespace, name } }, body: { reason } }));
  }

  /** Streams watch events of runs (after `resourceVersion`) until the server ends the stream or `signal` aborts. */
  async watchRuns(namespace: string, q: ListQuery & { resourceVersion: string }, onEvent: (event: RunWatchEvent) => void, signal: AbortSignal): Promise<void> {
    const { fieldSelector, labelSelector, resourceVersion } = q;
    for await (const event of watchRuns(this.api, { namespace, ...present({ fieldSelector, labelSelector }), resourceVersion, signal })) onEvent(event);
  }

  /** Streams the run's log lines (with timestamps); with follow, until its task stops. */
  async streamLog(namespace: string, name: string, options: { follow: boolean; attempt?: number }, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    for await (const line of readLog(this.api, { namespace, name, follow: options.follow, ...present({ attempt: options.attempt }), timestamps: true, signal })) {
      if (line.trim() !== '') onLine(line);
    }
  }
}

