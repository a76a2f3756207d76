/**
 * `?watch=true`: newline-delimited JSON events `{"type":"ADDED|MODIFIED|DELETED","object":…}` from the
 * change feed, Kubernetes-style.
 *
 * - With `resourceVersion=R` (R > 0): every change after R (feed-position.ts finds where; 410 Gone when
 *   the feed no longer reaches back to R). Without one (or "0"): first an ADDED event for every object
 *   that matches now, then every change after the version read before that listing.
 * - The feed says which object changed and at what version; the object at that version is loaded once
 *   per process (shared-feed.ts) when the first watch reads the entry. One written again before that is
 *   skipped at this entry — the later entry delivers it — so every event's object carries the version of
 *   its own change and a client may resume from any event's `object.metadata.resourceVersion`. Changes
 *   in quick succession may coalesce (an object created and changed before any watch read its creation
 *   comes once, as ADDED).
 * - DELETED carries the object's identity (name, namespace, the deleting write's resourceVersion), not
 *   its last state: the record is gone when the entry is read.
 * - With a label or field selector, an object that stops matching is sent as DELETED if this watch sent
 *   it before. A resumed watch cannot know what its client saw before its version, so it sends every
 *   deletion, and a DELETED the first time an object it has not sent is seen not matching (a client that
 *   kept it from before, e.g. a run watched by phase that has left the phase, drops it; one that never had
 *   it ignores it, as Kubernetes clients do).
 * The stream ends on `timeoutSeconds`, on client disconnect and on server shutdown; clients re-watch
 * from the last version they saw.
 */
import { API_VERSION, type PoolRecord, type RunRecord } from '../api/index.js';
import { listAll, matchesRunFilter, matchesSelector, parseSelector, type Requirement, type ResourceStore } from '../store/index.js';
import type { RequestContext } from './context.js';
import { currentResourceVersion, parseResourceVersion, positionAfter } from './feed-position.js';
import { present, type ResourceKind } from './resources.js';
import { intParam, type FieldFilter } from './query.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface WatchScope {
  kind: ResourceKind;
  namespace: string;
  selector: Requirement[];
  fields: FieldFilter;
}

type AnyRecord = RunRecord | PoolRecord;

function matches(scope: WatchScope, record: AnyRecord): boolean {
  if (!matchesSelector(scope.selector, record.metadata.labels)) return false;
  if (scope.kind === 'Run') return matchesRunFilter(record as RunRecord, scope.fields);
  return scope.fields.name === undefined || record.metadata.name === scope.fields.name;
}

const narrowed = (scope: WatchScope) => scope.selector.length > 0 || Object.keys(scope.fields).length > 0;

export async function serveWatch(ctx: RequestContext, namespace: string, kind: ResourceKind, fields: FieldFilter): Promise<'streamed'> {
  const { url, res, deps, signal } = ctx;
  const store = ctx.store(namespace);
  const scope: WatchScope = { kind, namespace, selector: parseSelector(url.searchParams.get('labelSelector') ?? ''), fields };
  const timeoutSeconds = intParam(url.searchParams, 'timeoutSeconds', 1, 86_400);
  const rvText = url.searchParams.get('resourceVersion') ?? '';
  const fromVersion = rvText === '' || rvText === '0' ? undefined : parseResourceVersion(rvText);

  // Everything that can fail with a Status happens before the headers.
  let initial: AnyRecord[] = [];
  let position: string;
  if (fromVersion === undefined) {
    const version = await currentResourceVersion(deps.redis, store.ctx.keys);
    initial = await listMatching(store, scope);
    position = await positionAfter(deps.redis, store.ctx.keys, version);
  } else {
    position = await positionAfter(deps.redis, store.ctx.keys, fromVersion);
  }

  const notifier = ctx.notifiers.acquire(namespace);
  const ended = new AbortController();
  const timer = timeoutSeconds !== undefined ? setTimeout(() => ended.abort(), timeoutSeconds * 1000) : undefined;
  const stop = () => ended.abort();
  signal.addEventListener('abort', stop, { once: true });
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.flushHeaders();

  const sent = new Set<string>();
  // Resumed and narrowed: objects already told not to match (once each, until they match again).
  const disowned = new Set<string>();
  const resumedNarrow = narrowed(scope) && fromVersion !== undefined;
  // Created, then written again before this watch read the creation: its next event is still ADDED.
  const unannounced = new Set<string>();
  const write = async (type: WatchEventType, object: unknown, json = JSON.stringify(object)): Promise<void> => {
    if (!res.write(`{"type":"${type}","object":${json}}\n`)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          ended.signal.removeEventListener('abort', done);
          resolve();
        };
        res.on('drain', done);
        ended.signal.addEventListener('abort', done, { once: true });
      });
    }
  };

  try {
    for (const record of initial) {
      if (ended.signal.aborted) break;
      sent.add(record.metadata.name);
      await write('ADDED', present(kind, record, namespace));
    }
    while (!ended.signal.aborted) {
      const tail = await notifier.shared.read(position);
      if (tail.position === position) {
        await notifier.waitBeyond(position, ended.signal);
        continue;
      }
      position = tail.position;
      const changes = tail.events.filter((e) => e.kind === kind);
      const loaded = await notifier.shared.at(kind, changes.filter((e) => e.change !== 'deleted'));
      for (const change of changes) {
        if (ended.signal.aborted) break;
        if (change.change === 'deleted') {
          // A watch that listed first knows what its client saw; a resumed one cannot, so it sends every deletion.
          if (narrowed(scope) && fromVersion === undefined && !sent.has(change.name)) continue;
          sent.delete(change.name);
          await write('DELETED', identity(kind, change.name, namespace, change.resourceVersion));
          continue;
        }
        // The object as this change left it; absent when it was written again (or deleted) before it was
        // first loaded: a later entry carries that change.
        const shared = loaded.get(`${change.name}@${change.resourceVersion}`);
        if (!shared) {
          if (change.change === 'created') unannounced.add(change.name);
          continue;
        }
        const announce = change.change === 'created' || unannounced.delete(change.name);
        if (!matches(scope, shared.record)) {
          const told = sent.delete(change.name) || (resumedNarrow && !disowned.has(change.name));
          if (resumedNarrow) disowned.add(change.name);
          if (told) await write('DELETED', undefined, shared.json);
          continue;
        }
        disowned.delete(change.name);
        const type: WatchEventType = announce || (narrowed(scope) && !sent.has(change.name)) ? 'ADDED' : 'MODIFIED';
        sent.add(change.name);
        await write(type, undefined, shared.json);
      }
    }
  } catch (error) {
    if (!ended.signal.aborted) deps.logger.warn({ err: error, namespace, kind }, 'watch ended by an error');
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', stop);
    notifier.release();
    res.end();
  }
  return 'streamed';
}

async function listMatching(store: ResourceStore, scope: WatchScope): Promise<AnyRecord[]> {
  // The selector was parsed already; matches() applies it with the field filter.
  const all: AnyRecord[] = scope.kind === 'Run'
    ? await listAll((cursor) => store.listRuns({ cursor, pool: scope.fields.pool, phase: scope.fields.phase, outcome: scope.fields.outcome }))
    : await listAll((cursor) => store.listPools({ cursor }));
  return all.filter((record) => matches(scope, record));
}

function identity(kind: ResourceKind, name: string, namespace: string, resourceVersion: string) {
  return { apiVersion: API_VERSION, kind, metadata: { name, namespace, resourceVersion } };
}
