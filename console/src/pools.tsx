/**
 * Pools: each pool's settings and limits, and what it is doing now from the API's pool status
 * (pools/{name}/status): its runs by phase and outcome (from the store's indexes, so exact at any size),
 * the slots its limits count and its waiting line, the attempts it launched in the last minute next to its
 * account-region's Fargate launch ceiling, and its fair share of that ceiling as the budget records it
 * (weight, priority, runs waiting for their turn, launches and refusals of the last minute), and the AWS
 * throttles its account-region met in the last minute (counted per account-region: a throttle is not a pool's).
 */
import { useEffect, useState } from 'preact/hooks';
import type { Client } from './api.js';
import { describeError, ErrorLine } from './common.js';
import { runsHref } from './route.js';
import { OUTCOMES, type Pool, type PoolStatus, type SelfSubjectReview } from './types.js';

interface PoolRow {
  pool: Pool;
  status: PoolStatus['status'];
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
        const read = await Promise.all(pools.map(async (pool) => ({ pool, status: (await client.poolStatus(namespace, pool.metadata.name)).status })));
        if (!current) return;
        setRows(read);
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
        As of {loadedAt ? loadedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '…'}{' '}
        <button type="button" onClick={() => setReloads(reloads + 1)}>Reload</button>
      </p>
      <p class="note" data-testid="throttle-note">
        Budget refusals of the last minute are each pool's own (under Fair share). AWS throttles belong to an account-region,
        not to a pool: each pool shows those of its account-region; their history is the controller's Prometheus metric
        <code>longshore_ecs_api_throttles_total</code> on the Grafana dashboard.
      </p>
      <ErrorLine error={error} />
      {rows?.length === 0 ? <p>No pools in this namespace.</p> : null}
      {rows?.map(({ pool, status }) => <PoolCard key={pool.metadata.name} pool={pool} status={status} namespace={namespace} canSubmit={who.status.allowed.submit} />)}
    </section>
  );
}

function PoolCard({ pool, status, namespace, canSubmit }: { pool: Pool; status: PoolStatus['status']; namespace: string; canSubmit: boolean }) {
  const name = pool.metadata.name;
  const { byPhase, byOutcome } = status.runs;
  const runsOf = (params: Record<string, string>) => runsHref(namespace, new URLSearchParams({ pool: name, ...params }));
  const limits = pool.spec.limits as { maxSubmitting?: number; maxRunning?: number } | undefined;
  const budget = status.launchBudget;
  return (
    <article class="pool" aria-labelledby={`pool-${name}`} data-pool={name}>
      <h2 id={`pool-${name}`}>{name}</h2>
      <h3>Runs</h3>
      <dl class="inline" data-testid="pool-runs">
        <dt>Waiting</dt><dd data-testid="pool-waiting"><a href={runsOf({ phase: 'pending' })}>{byPhase.pending}</a> pending, <a href={runsOf({ phase: 'taskdef-resolved' })}>{byPhase['taskdef-resolved']}</a> taskdef-resolved (launching, or waiting for a slot)</dd>
        <dt>Running</dt><dd data-testid="pool-running"><a href={runsOf({ phase: 'submitted' })}>{byPhase.submitted}</a> submitted, <a href={runsOf({ phase: 'running' })}>{byPhase.running}</a> running</dd>
        <dt>Stopped</dt><dd data-testid="pool-stopped">
          <a href={runsOf({ phase: 'stopped' })}>{byPhase.stopped}</a>
          {byPhase.stopped > 0 ? ` (${OUTCOMES.filter((o) => byOutcome[o] > 0).map((o) => `${byOutcome[o]} ${o}`).join(', ')})` : ''}
        </dd>
      </dl>
      <h3>Limits</h3>
      <dl class="inline" data-testid="pool-limits">
        <dt>Submitting</dt><dd>{status.slots.submitting} of {limits?.maxSubmitting ?? 'no limit'}</dd>
        <dt>Running</dt><dd>{status.slots.running} of {limits?.maxRunning ?? 'no limit'}</dd>
        <dt>Waiting line</dt><dd>{status.slots.waiting} run{status.slots.waiting === 1 ? '' : 's'} waiting for a slot</dd>
      </dl>
      <h3>Launches</h3>
      <p data-testid="pool-launches">
        {status.launches.attempts} attempt{status.launches.attempts === 1 ? '' : 's'} launched in the last {status.launches.windowSeconds} s
        ({status.launches.perSecond.toFixed(2)}/s, from the pool's runs' attempt times)
        {budget ? (
          <> against the {budget.category === 'fargateSpotLaunches' ? 'Fargate Spot' : 'Fargate'} launch ceiling of account {budget.account} in {budget.region}:{' '}
            {budget.refillPerSecond}/s, burst {budget.burst}, shared by every pool there; {Math.floor(budget.tokens)} tokens now
            {budget.rateFactor < 1 ? `, slowed to ${Math.round(budget.rateFactor * 100)} % after throttles` : ''};{' '}
            <span data-testid="pool-throttles">{budget.throttlesLastMinute} AWS throttle{budget.throttlesLastMinute === 1 ? '' : 's'} in that account-region in the last minute</span>.</>
        ) : <>; its launches spend no Fargate launch bucket.</>}
      </p>
      <h3>Fair share</h3>
      <p data-testid="pool-share">
        Weight {status.share.weight}, priority {status.share.priority}: {status.share.waitingRuns} run{status.share.waitingRuns === 1 ? '' : 's'} waiting
        for a turn at the budget; {status.share.sharePercent.toFixed(0)} % of its account-region's launches
        ({status.share.launchesPerSecond.toFixed(2)}/s) and {status.share.refusalsLastMinute} budget refusal{status.share.refusalsLastMinute === 1 ? '' : 's'} in the last minute.
      </p>
      <h3>Settings</h3>
      <dl class="inline">
        <dt>Launch</dt><dd>{launchOf(pool)}</dd>
        <dt>Region</dt><dd>{String(pool.spec.region ?? 'controller default')}</dd>
        <dt>CPU / memory</dt><dd>{String(pool.spec.cpu ?? '—')} / {String(pool.spec.memory ?? '—')}</dd>
      </dl>
      {canSubmit ? <p><a href={runsOf({})}>This pool's runs (cancel them in bulk there)</a></p> : null}
      <details>
        <summary>All settings</summary>
        <pre class="json" tabIndex={0}>{JSON.stringify(pool.spec, null, 2)}</pre>
      </details>
    </article>
  );
}

function launchOf(pool: Pool): string {
  const strategy = pool.spec.capacityProviderStrategy as Array<{ capacityProvider: string; weight?: number }> | undefined;
  if (strategy?.length) return strategy.map((item) => `${item.capacityProvider}${item.weight !== undefined ? ` ×${item.weight}` : ''}`).join(', ');
  return String(pool.spec.launchType ?? 'FARGATE');
}
