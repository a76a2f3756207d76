/**
 * The runs table: one page listed (limit/continue), then kept current by the API's watch from the list's
 * resourceVersion (no polling); filters by pool, phase and label selector go to the server, the outcome
 * filter and sorting apply to the rows held. Counts by phase are over the rows held (the API has no count
 * route). Bulk cancel pages through every matching live run first, so the count is shown before confirming.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, type Client } from './api.js';
import { Confirm, describeError, ErrorLine, PhaseBadge, time } from './common.js';
import { runHref, runsHref } from './route.js';
import { OUTCOMES, PHASES, type Run, type SelfSubjectReview } from './types.js';

const PAGE_SIZE = 50;
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

function fieldSelector(filters: Filters): string | undefined {
  const parts = [filters.pool && `spec.pool=${filters.pool}`, filters.phase && `status.phase=${filters.phase}`].filter(Boolean);
  return parts.length > 0 ? parts.join(',') : undefined;
}

export function RunsPage({ client, who, namespace, params }: { client: Client; who: SelfSubjectReview; namespace: string; params: URLSearchParams }) {
  const filters = filtersOf(params);
  const fields = fieldSelector(filters);
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
          await client.watchRuns(namespace, { fieldSelector: fields, labelSelector: filters.labelSelector, resourceVersion: list.metadata.resourceVersion }, (event) => {
            const name = event.object.metadata.name;
            const matches = !filters.phase || event.object.status.phase === filters.phase;
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
    const list = [...rows.values()].filter((run) => !filters.outcome || run.status.outcome === filters.outcome);
    const value = (run: Run): string => {
      if (sort.key === 'name') return run.metadata.name;
      if (sort.key === 'pool') return run.spec.pool;
      if (sort.key === 'phase') return String(PHASES.indexOf(run.status.phase)).padStart(2, '0') + (run.status.outcome ?? '');
      return run.metadata.creationTimestamp ?? '';
    };
    list.sort((a, b) => value(a).localeCompare(value(b)) * (sort.descending ? -1 : 1) || a.metadata.name.localeCompare(b.metadata.name));
    return list;
  }, [rows, filters.outcome, sort]);

  const counts = useMemo(() => {
    const byPhase = new Map<string, number>(PHASES.map((phase) => [phase, 0]));
    for (const run of shown) byPhase.set(run.status.phase, (byPhase.get(run.status.phase) ?? 0) + 1);
    return byPhase;
  }, [shown]);

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
      <ul class="counts" aria-label="Runs by phase on this page" data-testid="counts">
        {[...counts].map(([phase, count]) => (
          <li key={phase}><span class={`badge phase-${phase}`}>{phase}</span> <strong data-testid={`count-${phase}`}>{count}</strong></li>
        ))}
        <li class="live" data-testid="live">{live === 'live' ? '● live' : live === 'connecting' ? 'connecting…' : 'reconnecting…'}</li>
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
      <p class="hint">Pool, phase and label selector filter on the server; outcome filters the rows of this page.</p>
      <ErrorLine error={error} />
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

/** Cancel every live run matching the server-side filters, after showing how many that is. */
function BulkCancel({ client, namespace, filters }: { client: Client; namespace: string; filters: Filters }) {
  const [targets, setTargets] = useState<string[] | undefined>();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();

  const prepare = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listRuns(namespace, { fieldSelector: fieldSelector(filters), labelSelector: filters.labelSelector, limit: 500, continue: cursor });
        for (const run of page.items) {
          if (run.status.phase !== 'stopped' && !run.spec.cancelRequested && (!filters.outcome || run.status.outcome === filters.outcome)) names.push(run.metadata.name);
        }
        cursor = page.metadata.continue;
      } while (cursor);
      setTargets(names);
    } catch (caught) {
      setMessage(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    if (!targets) return;
    setBusy(true);
    let done = 0;
    const failed: string[] = [];
    const queue = [...targets];
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        try {
          await client.cancelRun(namespace, name, 'bulk cancel from the console');
          done += 1;
        } catch (caught) {
          failed.push(`${name}: ${describeError(caught)}`);
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    setBusy(false);
    setTargets(undefined);
    setMessage(`Cancel requested for ${done} run${done === 1 ? '' : 's'}${failed.length ? `; ${failed.length} failed (${failed.slice(0, 3).join('; ')})` : ''}.`);
  };

  const described = [filters.pool && `pool ${filters.pool}`, filters.phase && `phase ${filters.phase}`, filters.labelSelector && `labels ${filters.labelSelector}`].filter(Boolean).join(', ') || 'no filter: every live run';
  return (
    <>
      <button type="button" class="danger" disabled={busy} onClick={() => void prepare()}>Cancel matching runs…</button>
      {message ? <span role="status" data-testid="bulk-result">{message}</span> : null}
      <Confirm open={targets !== undefined} title="Cancel matching runs" confirmLabel={`Cancel ${targets?.length ?? 0} runs`} busy={busy || targets?.length === 0} onConfirm={() => void confirm()} onClose={() => setTargets(undefined)}>
        <p data-testid="bulk-count"><strong>{targets?.length ?? 0}</strong> live run{targets?.length === 1 ? '' : 's'} match ({described}).</p>
      </Confirm>
    </>
  );
}
