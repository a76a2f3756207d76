/**
 * The CLI's backend on the HTTP API (docs/api.md) through the generated client (@longshore/client), for
 * when LONGSHORE_SERVER or a config-file context is set (api-config.ts). Commands see the same records and
 * the same errors as in direct mode: the API's Status answers become the store's error classes (not
 * found, conflict), a RejectedDocumentsError with every admission cause, a UsageError for bad input, and
 * one clear line for the rest (refused by role, token rejected, rate-limited, server unreachable).
 */
import {
  ApiStatusError, createLongshoreClient, unwrap, unwrapOrNull, watchRuns,
  type ApiClient, type Pool, type Run, type RunWatchEvent,
} from '@longshore/client';
import type { ControlReply, KillMessage, PoolRecord, RunRecord } from '../../controller/api/index.js';
import type { ReplicaBuild } from '../../controller/build-info.js';
import { unrecordedHomeNote } from '../../controller/aws/home-policy.js';
import { AlreadyExistsError, NotFoundError, PreconditionFailedError, type SubmitOptions, type SubmitResult } from '../../controller/store/index.js';
import type { ApiConnection } from './api-config.js';
import type { Backends, PoolShareReading, RunChanges, RunCountsView, RunQuery, RunsBackend } from './backend.js';

/** The API's fieldSelector for a run query. */
const fieldSelectorOf = (query: RunQuery) =>
  [query.pool ? `spec.pool=${query.pool}` : '', query.phase ? `status.phase=${query.phase}` : '', query.outcome ? `status.outcome=${query.outcome}` : ''].filter(Boolean).join(',');
import { RejectedDocumentsError, UsageError } from './errors.js';

const NS = '/apis/longshore.dev/v1alpha1/namespaces/{namespace}' as const;
/** The API waits at most this long for a kill's answer (KillOptions.timeoutSeconds). */
const API_KILL_WAIT_MAX_SECONDS = 60;
/** A watch is re-opened after this long, so a server that went away is noticed (the re-open fails). */
const WATCH_SECONDS = 30;

type Kind = 'Pool' | 'Run';

/** An API object as the store's record: the same fields less metadata.namespace (the CLI adds its own). */
function asRecord<T extends RunRecord | PoolRecord>(object: Run | Pool): T {
  const { namespace: _namespace, ...metadata } = object.metadata as { namespace?: string };
  return { ...object, metadata } as unknown as T;
}

/** Name order as the store lists (code-unit order, not the locale's). */
const byName = (a: { metadata: { name: string } }, b: { metadata: { name: string } }) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);

/** A list answer: the route also streams watch events (another content type), which these calls never ask for. */
function asList<T>(answer: unknown): { metadata: { resourceVersion: string; continue?: string }; items: T[] } {
  return answer as { metadata: { resourceVersion: string; continue?: string }; items: T[] };
}

/** A failed request as the error the CLI reports; `documents` maps a cause's document to the user's numbering. */
export function cliError(error: unknown, server: string, context: { kind?: Kind; name?: string; documents?: (field: string) => { index: number; path: string } } = {}): Error {
  if (!(error instanceof ApiStatusError)) {
    if (error instanceof TypeError && /fetch failed/i.test(error.message)) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return new Error(`cannot reach the API at ${server}: ${cause?.code ?? cause?.message ?? error.message}`);
    }
    return error instanceof Error ? error : new Error(String(error));
  }
  const { code, status } = error;
  const { kind, name } = context;
  if (code === 422 && error.causes.length > 0) {
    const documents = new Set<number>();
    const lines = error.causes.map((cause) => {
      const { index, path } = context.documents?.(cause.field) ?? { index: 0, path: cause.field };
      documents.add(index);
      return `document ${index + 1}${kind || name ? ` (${[kind, name].filter(Boolean).join(' ')})` : ''}: ${path}: ${cause.message}`;
    });
    return new RejectedDocumentsError(documents.size, lines);
  }
  if (code === 404 && kind && name) return new NotFoundError(kind, name);
  if (code === 409 && status.reason === 'AlreadyExists' && kind && name) return new AlreadyExistsError(kind, name);
  if (code === 409) return new PreconditionFailedError(status.message);
  if (code === 400) return new UsageError(status.message);
  const retry = error.retryAfterSeconds !== undefined ? ` (retry after ${error.retryAfterSeconds}s)` : '';
  const label: Record<number, string> = { 401: 'the API did not accept the token', 403: 'the API refused', 429: 'too many requests' };
  return new Error(`${label[code] ?? `the API answered ${code}`}: ${status.message}${retry}`);
}

export class HttpRunsBackend implements RunsBackend {
  private watch: RunWatcher | undefined;

  constructor(private readonly client: ApiClient, readonly namespace: string, private readonly server: string) {}

  private fail(error: unknown, context: Parameters<typeof cliError>[2] = {}): never {
    throw cliError(error, this.server, context);
  }

  private path() {
    return { namespace: this.namespace };
  }

  /**
   * Pools first (a run may name a pool of the same file), each PUT (apply) or POST (create); then every run
   * in one List, which the API stores atomically. Unlike direct mode the two kinds are not one transaction.
   */
  async submit(documents: readonly unknown[], mode: SubmitOptions['mode']): Promise<SubmitResult[]> {
    const results: Array<SubmitResult | undefined> = documents.map(() => undefined);
    const kindOf = (doc: unknown) => (typeof doc === 'object' && doc !== null ? (doc as { kind?: unknown }).kind : undefined);
    const nameOf = (doc: unknown) => (doc as { metadata?: { name?: unknown } }).metadata?.name;
    const pools = documents.map((doc, index) => ({ doc, index })).filter(({ doc }) => kindOf(doc) === 'Pool');
    const runs = documents.map((doc, index) => ({ doc, index })).filter(({ doc }) => kindOf(doc) !== 'Pool');
    for (const { doc, index } of pools) {
      const name = String(nameOf(doc) ?? '');
      const documentsOf = (field: string) => ({ index, path: field });
      try {
        if (mode === 'apply' && name !== '') {
          const before = await this.getPool(name);
          const answer = await this.client.PUT(`${NS}/pools/{name}`, { params: { path: { ...this.path(), name } }, body: doc as never });
          const record = asRecord<PoolRecord>(unwrap(answer));
          const action = answer.response.status === 201 ? 'created' : before?.metadata.resourceVersion === record.metadata.resourceVersion ? 'unchanged' : 'configured';
          results[index] = { kind: 'Pool', name, action, record };
        } else {
          const answer = await this.client.POST(`${NS}/pools`, { params: { path: this.path() }, body: doc as never });
          results[index] = { kind: 'Pool', name, action: answer.response.status === 201 ? 'created' : 'unchanged', record: asRecord<PoolRecord>(unwrap(answer)) };
        }
      } catch (error) {
        this.fail(error, { kind: 'Pool', name, documents: documentsOf });
      }
    }
    if (runs.length > 0) {
      const names = runs.map(({ doc }) => (typeof nameOf(doc) === 'string' ? String(nameOf(doc)) : ''));
      const existing = await Promise.all(names.map((n) => (n === '' ? null : this.getRun(n))));
      // Causes of a List name `items[k].path`: document k of the runs is the user's document runs[k].index.
      const documentsOf = (field: string) => {
        const match = /^items\[(\d+)\]\.?(.*)$/.exec(field);
        const k = match ? Number(match[1]) : 0;
        return { index: runs[k]?.index ?? 0, path: match ? match[2] || '(document)' : field };
      };
      try {
        const answer = await this.client.POST(`${NS}/runs`, { params: { path: this.path() }, body: { kind: 'List', items: runs.map(({ doc }) => doc) } as never });
        const list = unwrap(answer) as { items: Run[] };
        list.items.forEach((item, k) => {
          const record = asRecord<RunRecord>(item);
          results[runs[k].index] = { kind: 'Run', name: record.metadata.name, action: existing[k] ? 'unchanged' : 'created', record };
        });
      } catch (error) {
        const single = runs.length === 1 ? { kind: 'Run' as const, name: names[0] } : {};
        if (error instanceof ApiStatusError && error.code === 409 && mode === 'create' && error.status.details?.name) {
          throw new AlreadyExistsError('Run', error.status.details.name);
        }
        this.fail(error, { ...single, documents: documentsOf });
      }
    }
    return results.filter((r): r is SubmitResult => r !== undefined);
  }

  async getRun(name: string): Promise<RunRecord | null> {
    try {
      const run = unwrapOrNull(await this.client.GET(`${NS}/runs/{name}`, { params: { path: { ...this.path(), name } } }));
      return run ? asRecord<RunRecord>(run) : null;
    } catch (error) {
      this.fail(error);
    }
  }

  getRuns(names: readonly string[]): Promise<Array<RunRecord | null>> {
    return Promise.all(names.map((name) => this.getRun(name)));
  }

  async countRuns(query: RunQuery): Promise<RunCountsView> {
    const fields = fieldSelectorOf(query);
    try {
      const summary = unwrap(await this.client.GET(`${NS}/runsummary`, {
        params: { path: this.path(), query: { ...(query.selector ? { labelSelector: query.selector } : {}), ...(fields ? { fieldSelector: fields } : {}) } },
      }));
      const { total, byPhase, byOutcome } = summary.status;
      return { total, byPhase, byOutcome };
    } catch (error) {
      this.fail(error);
    }
  }

  async listRuns(query: RunQuery): Promise<RunRecord[]> {
    const fields = fieldSelectorOf(query);
    const items: Run[] = [];
    let page: string | undefined;
    do {
      try {
        const list = asList<Run>(unwrap(await this.client.GET(`${NS}/runs`, {
          params: { path: this.path(), query: { ...(query.selector ? { labelSelector: query.selector } : {}), ...(fields ? { fieldSelector: fields } : {}), ...(page ? { continue: page } : {}) } },
        })));
        items.push(...list.items);
        page = list.metadata.continue;
      } catch (error) {
        this.fail(error);
      }
    } while (page);
    return items.map((item) => asRecord<RunRecord>(item)).sort(byName);
  }

  async deleteRun(name: string): Promise<RunRecord> {
    try {
      return asRecord<RunRecord>(unwrap(await this.client.DELETE(`${NS}/runs/{name}`, { params: { path: { ...this.path(), name } } })));
    } catch (error) {
      this.fail(error, { kind: 'Run', name });
    }
  }

  async getPool(name: string): Promise<PoolRecord | null> {
    try {
      const pool = unwrapOrNull(await this.client.GET(`${NS}/pools/{name}`, { params: { path: { ...this.path(), name } } }));
      return pool ? asRecord<PoolRecord>(pool) : null;
    } catch (error) {
      this.fail(error);
    }
  }

  async listPools(selector?: string): Promise<PoolRecord[]> {
    const items: Pool[] = [];
    let page: string | undefined;
    do {
      try {
        const list = asList<Pool>(unwrap(await this.client.GET(`${NS}/pools`, {
          params: { path: this.path(), query: { ...(selector ? { labelSelector: selector } : {}), ...(page ? { continue: page } : {}) } },
        })));
        items.push(...list.items);
        page = list.metadata.continue;
      } catch (error) {
        this.fail(error);
      }
    } while (page);
    return items.map((item) => asRecord<PoolRecord>(item)).sort(byName);
  }

  async deletePool(name: string): Promise<PoolRecord> {
    try {
      return asRecord<PoolRecord>(unwrap(await this.client.DELETE(`${NS}/pools/{name}`, { params: { path: { ...this.path(), name } } })));
    } catch (error) {
      this.fail(error, { kind: 'Pool', name });
    }
  }

  async cancel(name: string, reason?: string): Promise<void> {
    try {
      unwrap(await this.client.POST(`${NS}/runs/{name}/cancel`, { params: { path: { ...this.path(), name } }, body: reason ? { reason } : {} }));
    } catch (error) {
      this.fail(error, { kind: 'Run', name });
    }
  }

  /**
   * POST runs/{name}/kill, whose server waits for the controller's answer (at most 60 s): 200 killed, 409
   * nothing to stop, 502 AWS refused, 202 not answered in time.
   */
  async kill(message: KillMessage, waitMs: number): Promise<ControlReply | null> {
    if (message.run === undefined) throw new UsageError('--task-arn needs direct Redis access (unset LONGSHORE_SERVER): the API kills runs by name only');
    const name = message.run;
    const timeoutSeconds = Math.min(API_KILL_WAIT_MAX_SECONDS, Math.ceil(waitMs / 1000));
    const answer = await this.client.POST(`${NS}/runs/{name}/kill`, {
      params: { path: { ...this.path(), name } },
      body: { ...(message.reason ? { reason: message.reason } : {}), timeoutSeconds },
    }).catch((error: unknown) => this.fail(error));
    const { status } = answer.response;
    if (status === 202) return null;
    if (status === 200) return { outcome: 'done', message: stripPrefix((answer.data as { message: string }).message, name, 'killed') };
    const error = answer.error as { message?: string } | undefined;
    if (status === 409 || status === 502) {
      return { outcome: status === 409 ? 'nothing' : 'failed', message: stripPrefix(error?.message ?? '', name, 'not killed') };
    }
    try {
      unwrap(answer);
    } catch (failure) {
      this.fail(failure, { kind: 'Run', name });
    }
    throw new Error(`the API answered ${status} to a kill`);
  }

  /** The version a watch from now starts at: a list's resourceVersion (one item is enough to learn it). */
  async changesPosition(): Promise<string> {
    try {
      return asList<Run>(unwrap(await this.client.GET(`${NS}/runs`, { params: { path: this.path(), query: { limit: 1 } } }))).metadata.resourceVersion;
    } catch (error) {
      this.fail(error);
    }
  }

  async nextChanges(position: string, waitMs: number): Promise<RunChanges> {
    if (!this.watch || this.watch.position !== position) {
      this.watch?.close();
      this.watch = new RunWatcher(this.client, this.namespace, position);
    }
    try {
      return await this.watch.next(waitMs);
    } catch (error) {
      this.watch.close();
      this.watch = undefined;
      this.fail(error);
    }
  }

  /**
   * The pool's fair share as the API's pools/{name}/status reports it (the same reader the Redis backend
   * uses). Describe has already read the pool itself, so a status read that fails (an older server without
   * the route, the pool deleted in between) leaves the share unknown, as describe then says, rather than
   * failing the whole describe.
   */
  async poolShare(pool: PoolRecord): Promise<PoolShareReading> {
    try {
      const read = unwrap(await this.client.GET(`${NS}/pools/{name}/status`, { params: { path: { ...this.path(), name: pool.metadata.name } } }));
      const note = read.status.home?.recorded === false
        ? unrecordedHomeNote(this.namespace, read.status.home.region, 'the API server\'s') : undefined;
      return { share: { pool: pool.metadata.name, ...read.status.share }, ...(note !== undefined ? { note } : {}) };
    } catch {
      return { share: undefined };
    }
  }

  controllerBuilds(): Promise<ReplicaBuild[]> {
    throw new UsageError('the API does not report controller versions: use `version --client`, or run without LONGSHORE_SERVER to read them from Redis');
  }

  close(): void {
    this.watch?.close();
  }
}

/** `"run \"x\" killed: stopped task …"` → `stopped task …`, so the CLI's own wording frames AWS's. */
function stripPrefix(message: string, name: string, verb: string): string {
  const prefix = `run "${name}" ${verb}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/**
 * One open watch from a position, read in the CLI's pull style: events are buffered as they arrive and
 * `next` hands over what came (waiting up to its time for the first). The stream is re-opened from the last
 * version seen when the server ends it; an error (410 Gone, unreachable) is raised by the next `next`.
 */
class RunWatcher {
  private buffer: RunWatchEvent[] = [];
  private failure: unknown;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly client: ApiClient, private readonly namespace: string, public position: string) {
    void this.pump();
  }

  private async pump(): Promise<void> {
    let from = this.position;
    while (!this.abort.signal.aborted) {
      try {
        for await (const event of watchRuns(this.client, { namespace: this.namespace, resourceVersion: from, timeoutSeconds: WATCH_SECONDS, signal: this.abort.signal })) {
          from = event.object.metadata.resourceVersion ?? from;
          this.buffer.push(event);
          this.wake?.();
        }
      } catch (error) {
        if (!this.abort.signal.aborted) this.failure = error;
        this.wake?.();
        return;
      }
    }
  }

  async next(waitMs: number): Promise<RunChanges> {
    if (this.buffer.length === 0 && this.failure === undefined) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
      this.wake = undefined;
    }
    if (this.buffer.length === 0 && this.failure !== undefined) throw this.failure;
    const events = this.buffer.splice(0);
    const last = events[events.length - 1];
    if (last?.object.metadata.resourceVersion) this.position = last.object.metadata.resourceVersion;
    return { position: this.position, runs: [...new Set(events.map((e) => e.object.metadata.name))] };
  }

  close(): void {
    this.abort.abort();
  }
}

export class HttpBackends implements Backends {
  readonly current: HttpRunsBackend;
  private readonly client: ApiClient;
  private readonly byNamespace = new Map<string, HttpRunsBackend>();

  constructor(readonly connection: ApiConnection, namespace: string) {
    this.client = createLongshoreClient({ server: connection.server, ...(connection.token ? { token: connection.token } : {}) });
    this.current = this.of(namespace);
  }

  get api(): ApiClient {
    return this.client;
  }

  of(namespace: string): HttpRunsBackend {
    let backend = this.byNamespace.get(namespace);
    if (!backend) {
      backend = new HttpRunsBackend(this.client, namespace, this.connection.server);
      this.byNamespace.set(namespace, backend);
    }
    return backend;
  }

  namespaces(): Promise<string[]> {
    throw new UsageError('-A/--all-namespaces needs direct Redis access (the API has no list of namespaces): give -n NAMESPACE');
  }

  close(): void {
    for (const backend of this.byNamespace.values()) backend.close();
  }
}
