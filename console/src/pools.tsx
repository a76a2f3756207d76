/**
 * Pools: each pool's settings and limits, and its waiting and running runs (listed through the runs route
 * filtered by pool and phase). The API exposes no throttle, budget-refusal or launch-rate figures (those are
 * Prometheus metrics of the controller, docs/metrics.md), and the page says so instead of guessing.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Client } from './api.js';
import { describeError, ErrorLine } from './common.js';
import { runsHref } from './route.js';
import type { Phase, Pool, SelfSubjectReview } from './types.js';

const WAITING: Phase[] = ['pending', 'taskdef-resolved'];
const RUNNING: Phase[] = ['submitted', 'running'];
const COUNT_LIMIT = 1000;

interface PoolRow {
  pool: Pool;
  waiting: string;
  running: string;
}

export function PoolsPage({ client, who, namespace }: { client: Client; who: SelfSubjectReview; namespace: string }) {
  const [rows, setRows] = useState<PoolRow[]>();
  const [error, setError] = useState<string>();
  const [loadedAt, setLoadedAt] = useState<Date>();
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    let current = true;
    (async () => {
      try {
        const pools = (await client.listPools(namespace)).items;
        const counted = await Promise.all(pools.map(async (pool) => ({
          pool,
          waiting: await count(client, namespace, pool.metadata.name, WAITING),
          running: await count(client, namespace, pool.metadata.name, RUNNING),
        })));
        if (!current) return;
        setRows(counted);
        setError(undefined);
        setLoadedAt(new Date());
      } catch (caught) {
        if (current) setError(describeError(caught));
      }
    })();
    return () => void (current = false);
  }, [client, namespace, reloads]);

  return (
    <section aria-labelledby="pools-title">
      <h1 id="pools-title">Pools in {namespace}</h1>
      <p class="muted">
        Counts as of {loadedAt ? loadedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '…'}{' '}
        <button type="button" onClick={() => setReloads(reloads + 1)}>Reload</button>
      </p>
      <p class="note" data-testid="throttle-note">
        Throttles, budget refusals and launch rate against the account-region's ECS ceiling are not exposed by the HTTP API;
        they are the controller's Prometheus metrics (<code>longshore_ecs_api_throttles_total</code>, <code>longshore_budget_*</code>)
        shown on the Grafana dashboard.
      </p>
      <ErrorLine error={error} />
      {rows?.length === 0 ? <p>No pools in this namespace.</p> : null}
      {rows?.map(({ pool, waiting, running }) => (
        <article key={pool.metadata.name} class="pool" aria-labelledby={`pool-${pool.metadata.name}`} data-pool={pool.metadata.name}>
          <h2 id={`pool-${pool.metadata.name}`}>{pool.metadata.name}</h2>
          <dl class="inline">
            <dt>Waiting</dt><dd><a href={runsHref(namespace, new URLSearchParams({ pool: pool.metadata.name, phase: 'pending' }))}>{waiting}</a></dd>
            <dt>Running</dt><dd><a href={runsHref(namespace, new URLSearchParams({ pool: pool.metadata.name, phase: 'running' }))}>{running}</a></dd>
            <dt>Launch</dt><dd>{launchOf(pool)}</dd>
            <dt>Region</dt><dd>{String(pool.spec.region ?? 'controller default')}</dd>
            <dt>CPU / memory</dt><dd>{String(pool.spec.cpu ?? '—')} / {String(pool.spec.memory ?? '—')}</dd>
          </dl>
          {who.status.allowed.submit ? (
            <p><a href={runsHref(namespace, new URLSearchParams({ pool: pool.metadata.name }))}>This pool's runs (cancel them in bulk there)</a></p>
          ) : null}
          <h3>Limits</h3>
          {pool.spec.limits && Object.keys(pool.spec.limits).length > 0 ? (
            <dl class="inline">{Object.entries(pool.spec.limits).flatMap(([key, value]) => [<dt key={`${key}-k`}>{key}</dt>, <dd key={`${key}-v`}>{JSON.stringify(value)}</dd>])}</dl>
          ) : <p>No limits set (the controller's defaults apply).</p>}
          <details>
            <summary>All settings</summary>
            <pre class="json" tabIndex={0}>{JSON.stringify(pool.spec, null, 2)}</pre>
          </details>
        </article>
      ))}
    </section>
  );
}

function launchOf(pool: Pool): string {
  const strategy = pool.spec.capacityProviderStrategy as Array<{ capacityProvider: string; weight?: number }> | undefined;
  if (strategy?.length) return strategy.map((item) => `${item.capacityProvider}${item.weight !== undefined ? ` ×${item.weight}` : ''}`).join(', ');
  return String(pool.spec.launchType ?? 'FARGATE');
}

/** Runs of the pool in the phases, counted by listing (at most COUNT_LIMIT, then "1000+"). */
async function count(client: Client, namespace: string, pool: string, phases: Phase[]): Promise<string> {
  let total = 0;
  for (const phase of phases) {
    let cursor: string | undefined;
    do {
      const page = await client.listRuns(namespace, { fieldSelector: `spec.pool=${pool},status.phase=${phase}`, limit: 500, continue: cursor });
      total += page.items.length;
      cursor = page.metadata.continue;
      if (total >= COUNT_LIMIT) return `${COUNT_LIMIT}+`;
    } while (cursor);
  }
  return String(total);
}
