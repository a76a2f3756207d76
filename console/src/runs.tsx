/**
 * The runs table: one page listed (limit/continue), then kept current by the API's watch from the list's
 * resourceVersion (no polling). Pool, phase, outcome and label selector filter on the server; the watch asks
 * only for the pool and labels and the table checks phase and outcome itself, because a watch resumed from a
 * version cannot tell this page that a run left a phase it never sent. Counts at the top are the server's
 * runsummary for the whole filter (not only this page), fetched on a filter change and again after watch
 * events, at most once a second and never while nothing changes. Bulk cancel shows runsummary's count of
 * live matching runs before confirming, then pages through them and cancels each.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, type Client } from './api.js';
import { Confirm, describeError, ErrorLine, PhaseBadge, time } from './common.js';
import { runHref, runsHref } from './route.js';
import { OUTCOMES, PHASES, type Run, type RunCounts, type SelfSubjectReview } from './types.js';

const PAGE_SIZE = 50;
/** Counts are fetched again at most this often while watch events arrive. */
const COUNTS_REFRESH_MS = 1000;
type SortKey = 'name' | 'pool' | 'phase' | 'created';
type LiveState = 'connecting' | 'live' | 'reconnecting';

interface Filters {
  pool: string;
  phase: string;
  outcome: string;
  labelSelector: string;
}

function filtersOf(params: URLSearchParams): Filters {
  return { pool: params.get('pool') ?? '', phase: params.get('phase') ?? '', outcome: params.get('outcome') ?? '', labelSelector: params.get('labelSelector') ?? '' };
}

/** The field selector of the filters; `watchOnly` leaves out phase and outcome (see the file comment). */
function fieldSelector(filters: Filters, watchOnly = false): string | undefined {
  const parts = [
    filters.pool && `spec.pool=${filters.pool}`,
    !watchOnly && filters.phase && `status.phase=${filters.phase}`,
    !watchOnly && filters.outcome && `status.outcome=${filters.outcome}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(',') : undefined;
}

const matchesState = (filters: Filters, run: Run) =>
  (!filters.phase || run.status.phase === filters.phase) && (!filters.outcome || (run.status.phase === 'stopped' && run.status.outcome === filters.outcome));

/**
 * The runsummary of the filter, fetched now and again whenever `changed` is called, at most once per
 * COUNTS_REFRESH_MS and one request at a time (a burst of watch events costs one request a second).
 */
function useRunCounts(client: Client, namespace: string, fields: string | undefined, labelSelector: string) {
  const [counts, setCounts] = useState<RunCounts>();
  const [error, setError] = useState<string>();
  const changed = useRef<() => void>(() => undefined);
  useEffect(() => {
    let stopped = false;
    let inFlight = false;
    let pending = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchNow = async () => {
      inFlight = true;
      try {
        const summary = await client.runSummary(namespace, { fieldSelector: fields, labelSelector });
        if (!stopped) {
          setCounts(summary.status);
          setError(undefined);
        }
      } catch (caught) {
        if (!stopped) setError(describeError(caught));
      } finally {
        inFlight = false;
        if (pending && !stopped) schedule();
      }
    };
    const schedule = () => {
      pending = true;
      if (timer !== undefined || inFlight) return;
      timer = setTimeout(() => {
        timer = undefined;
        pending = false;
        void fetchNow();
      }, COUNTS_REFRESH_MS);
    };
    setCounts(undefined);
    void fetchNow();
    changed.current = schedule;
    return () => {
      stopped = true;
      clearTimeout(timer);
      changed.current = () => undefined;
    };
  }, [client, namespace, fields, labelSelector]);
  return { counts, error, changed: () => changed.current() };
}

export function RunsPage({ client, who, namespace, params }: { client: Client; who: SelfSubjectReview; namespace: string; params: URLSearchParams }) {
  const filters = filtersOf(params);
  const fields = fieldSelector(filters);
  const watchFields = fieldSelector(filters, true);
  const { counts, error: countsError, changed } = useRunCounts(client, namespace, fields, filters.labelSelector);
  const [pages, setPages] = useState<Array<string | undefined>>([undefined]);
  const cursor = pages[pages.length - 1];
  const [rows, setRows] = useState<Map<string, Run>>(new Map());
  const [next, setNext] = useState<string | undefined>();
  const [live, setLive] = useState<LiveState>('connecting');
  const [error, setError] = useState<string>();
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'created', descending: true });

  // A new filter starts from the first page.
  useEffect(() => setPages([undefined]), [namespace, fields, filters.labelSelector]);

  useEffect(() => {
    const stop = new AbortController();
    const firstPage = cursor === undefined;
    (async () => {
      while (!stop.signal.aborted) {
        try {
          const list = await client.listRuns(namespace, { fieldSelector: fields, labelSelector: filters.labelSelector, limit: PAGE_SIZE, continue: cursor });
          let held = new Map(list.items.map((run) => [run.metadata.name, run]));
          setRows(held);
          setNext(list.metadata.continue);
          setError(undefined);
          setLive('live');
          await client.watchRuns(namespace, { fieldSelector: watchFields, labelSelector: filters.labelSelector, resourceVersion: list.metadata.resourceVersion }, (event) => {
            changed();
            const name = event.object.metadata.name;
            const matches = matchesState(filters, event.object);
            if (event.type === 'DELETED' || !matches) {
              if (!held.has(name)) return;
              held = new Map(held);
              held.delete(name);
            } else if (held.has(name) || (event.type === 'ADDED' && firstPage)) {
              held = new Map(held);
              held.set(name, event.object);
            } else {
              return;
            }
            setRows(held);
          }, stop.signal);
          // The server ended the stream (shutdown, timeout): list again and watch on.
          setLive('reconnecting');
        } catch (caught) {
          if (stop.signal.aborted) return;
          setLive('reconnecting');
          // 410: the version is too old, list again at once; anything else after a pause.
          if (!(caught instanceof ApiError && caught.code === 410)) {
            setError(describeError(caught));
            await new Promise((resolve) => setTimeout(resolve, 2000));
          }
        }
      }
    })();
    return () => stop.abort();
  }, [client, namespace, fields, filters.labelSelector, cursor]);

  const shown = useMemo(() => {
    const list = [...rows.values()];
    const value = (run: Run): string => {
      if (sort.key === 'name') return run.metadata.name;
      if (sort.key === 'pool') return run.spec.pool;
      if (sort.key === 'phase') return String(PHASES.indexOf(run.status.phase)).padStart(2, '0') + (run.status.outcome ?? '');
      return run.metadata.creationTimestamp ?? '';
    };
    list.sort((a, b) => value(a).localeCompare(value(b)) * (sort.descending ? -1 : 1) || a.metadata.name.localeCompare(b.metadata.name));
    return list;
  }, [rows, sort]);

  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const search = new URLSearchParams();
    for (const key of ['pool', 'phase', 'outcome', 'labelSelector']) {
      const value = String(form.get(key) ?? '').trim();
      if (value) search.set(key, value);
    }
    location.hash = runsHref(namespace, search);
  };

  const header = (key: SortKey, label: string) => {
    const active = sort.key === key;
    return (
      <th scope="col" aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
        <button type="button" class="sort" onClick={() => setSort({ key, descending: active ? !sort.descending : false })}>
          {label} {active ? (sort.descending ? '▼' : '▲') : ''}
        </button>
      </th>
    );
  };

  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs in {namespace}</h1>
      <ul class="counts" aria-label="Runs matching the filter, by phase" data-testid="counts">
        <li>Matching <strong data-testid="count-total">{counts ? counts.total : '…'}</strong></li>
        {PHASES.map((phase) => (
          <li key={phase}><span class={`badge phase-${phase}`}>{phase}</span> <strong data-testid={`count-${phase}`}>{counts ? counts.byPhase[phase] : '…'}</strong></li>
        ))}
        <li class="live" data-testid="live">{live === 'live' ? '● live' : live === 'connecting' ? 'connecting…' : 'reconnecting…'}</li>
      </ul>
      <ul class="counts" aria-label="Stopped runs matching the filter, by outcome" data-testid="outcome-counts">
        {OUTCOMES.map((outcome) => (
          <li key={outcome}><span class={`outcome outcome-${outcome}`}>{outcome}</span> <strong data-testid={`outcome-${outcome}`}>{counts ? counts.byOutcome[outcome] : '…'}</strong></li>
        ))}
      </ul>
      <form class="filters" onSubmit={apply} aria-label="Filter runs">
        <label>Pool <input name="pool" value={filters.pool} placeholder="any" /></label>
        <label>Phase
          <select name="phase" value={filters.phase}>
            <option value="">any</option>
            {PHASES.map((phase) => <option key={phase} value={phase}>{phase}</option>)}
          </select>
        </label>
        <label>Outcome
          <select name="outcome" value={filters.outcome}>
            <option value="">any</option>
            {OUTCOMES.map((outcome) => <option key={outcome} value={outcome}>{outcome}</option>)}
          </select>
        </label>
        <label>Label selector <input name="labelSelector" value={filters.labelSelector} placeholder="app=etl,tier!=dev" /></label>
        <button type="submit">Apply filters</button>
        {who.status.allowed.submit ? <BulkCancel client={client} namespace={namespace} filters={filters} /> : null}
      </form>
      <p class="hint">Counts are of every run matching the filter; the table shows {PAGE_SIZE} a page.</p>
      <ErrorLine error={error ?? countsError} />
      <table data-testid="runs-table">
        <caption class="visually-hidden">Runs, sortable by column</caption>
        <thead>
          <tr>{header('name', 'Name')}{header('pool', 'Pool')}{header('phase', 'Phase')}<th scope="col">Attempts</th>{header('created', 'Created')}</tr>
        </thead>
        <tbody>
          {shown.map((run) => (
            <tr key={run.metadata.name} data-run={run.metadata.name}>
              <td><a href={runHref(namespace, run.metadata.name)}>{run.metadata.name}</a></td>
              <td>{run.spec.pool}</td>
              <td><PhaseBadge run={run} /></td>
              <td>{run.status.attempts?.length ?? 0}</td>
              <td>{time(run.metadata.creationTimestamp)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length === 0 ? <p>No runs match.</p> : null}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>Previous page</button>
        <span>Page {pages.length}</span>
        <button type="button" disabled={!next} onClick={() => setPages([...pages, next])}>Next page</button>
      </nav>
    </section>
  );
}

/**
 * Cancel every live run matching the filters: the count shown before confirming is runsummary's `live`
 * (every matching run not yet stopped, not only this page's); confirming pages through the matching runs
 * and cancels each one not yet stopped, four requests at a time.
 */
function BulkCancel({ client, namespace, filters }: { client: Client; namespace: string; filters: Filters }) {
  const [liveCount, setLiveCount] = useState<number | undefined>();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();
  const [progress, setProgress] = useState(0);

  const prepare = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      setLiveCount((await client.runSummary(namespace, { fieldSelector: fieldSelector(filters), labelSelector: filters.labelSelector })).status.live);
    } catch (caught) {
      setMessage(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    setBusy(true);
    setProgress(0);
    let done = 0;
    const failed: string[] = [];
    try {
      let cursor: string | undefined;
      do {
        const page = await client.listRuns(namespace, { fieldSelector: fieldSelector(filters), labelSelector: filters.labelSelector, limit: 500, continue: cursor });
        const queue = page.items.filter((run) => run.status.phase !== 'stopped').map((run) => run.metadata.name);
        const worker = async () => {
          for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
            try {
              await client.cancelRun(namespace, name, 'bulk cancel from the console');
              done += 1;
              setProgress(done);
            } catch (caught) {
              failed.push(`${name}: ${describeError(caught)}`);
            }
          }
        };
        await Promise.all([worker(), worker(), worker(), worker()]);
        cursor = page.metadata.continue;
      } while (cursor);
    } catch (caught) {
      failed.push(describeError(caught));
    }
    setBusy(false);
    setLiveCount(undefined);
    setMessage(`Cancel requested for ${done} run${done === 1 ? '' : 's'}${failed.length ? `; ${failed.length} failed (${failed.slice(0, 3).join('; ')})` : ''}.`);
  };

  const described = [filters.pool && `pool ${filters.pool}`, filters.phase && `phase ${filters.phase}`, filters.outcome && `outcome ${filters.outcome}`, filters.labelSelector && `labels ${filters.labelSelector}`].filter(Boolean).join(', ') || 'no filter: every live run';
  const count = liveCount ?? 0;
  return (
    <>
      <button type="button" class="danger" disabled={busy} onClick={() => void prepare()}>Cancel matching runs…</button>
      {message ? <span role="status" data-testid="bulk-result">{message}</span> : null}
      <Confirm open={liveCount !== undefined} title="Cancel matching runs" confirmLabel={`Cancel ${count} runs`} busy={busy || count === 0} onConfirm={() => void confirm()} onClose={() => setLiveCount(undefined)}>
        <p data-testid="bulk-count"><strong>{count}</strong> live run{count === 1 ? '' : 's'} match ({described}).</p>
        {busy ? <p role="status">Cancel requested for {progress} so far…</p> : null}
      </Confirm>
    </>
  );
}
