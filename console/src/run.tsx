/**
 * One run: spec, status, conditions, the attempt timeline (where each attempt ran: Spot or on-demand), the
 * cost estimate, the failure tail, and its log following live. The run itself is kept current by a watch
 * of that one name. Cancel and kill are offered only to roles that may use them, each with a confirmation.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, notFound, type Client } from './api.js';
import { Confirm, describeError, ErrorLine, PhaseBadge, time } from './common.js';
import { runsHref } from './route.js';
import type { Attempt, Run, SelfSubjectReview } from './types.js';

export function RunPage({ client, who, namespace, name }: { client: Client; who: SelfSubjectReview; namespace: string; name: string }) {
  const [run, setRun] = useState<Run>();
  const [error, setError] = useState<string>();
  const [action, setAction] = useState<'cancel' | 'kill'>();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string>();

  useEffect(() => {
    const stop = new AbortController();
    (async () => {
      while (!stop.signal.aborted) {
        try {
          const list = await client.listRuns(namespace, { fieldSelector: `metadata.name=${name}` });
          const found = list.items[0];
          if (!found) throw notFound(`Run "${name}" not found in namespace ${namespace}`);
          setRun(found);
          setError(undefined);
          await client.watchRuns(namespace, { fieldSelector: `metadata.name=${name}`, resourceVersion: list.metadata.resourceVersion }, (event) => {
            if (event.type !== 'DELETED') setRun(event.object);
          }, stop.signal);
        } catch (caught) {
          if (stop.signal.aborted) return;
          if (!(caught instanceof ApiError && caught.code === 410)) {
            setError(describeError(caught));
            await new Promise((resolve) => setTimeout(resolve, 2000));
          }
        }
      }
    })();
    return () => stop.abort();
  }, [client, namespace, name]);

  const act = async () => {
    if (!action) return;
    setBusy(true);
    try {
      const status = action === 'cancel'
        ? await client.cancelRun(namespace, name, 'cancelled from the console')
        : await client.killRun(namespace, name, 'killed from the console');
      setNotice(status.message ?? `${action} requested`);
    } catch (caught) {
      setNotice(describeError(caught));
    } finally {
      setBusy(false);
      setAction(undefined);
    }
  };

  if (!run) {
    return (
      <section>
        <h1>Run {name}</h1>
        {error ? <ErrorLine error={error} /> : <p>Loading…</p>}
      </section>
    );
  }
  const { status, spec, metadata } = run;
  const live = status.phase !== 'stopped';
  const canCancel = who.status.allowed.submit && live && !spec.cancelRequested;
  const canKill = who.status.allowed.operate && (status.phase === 'submitted' || status.phase === 'running');
  return (
    <section aria-labelledby="run-title">
      <p><a href={runsHref(namespace)}>← Runs in {namespace}</a></p>
      <h1 id="run-title">Run {metadata.name} <PhaseBadge run={run} /></h1>
      <ErrorLine error={error} />
      {status.message ? <p data-testid="status-message">{status.message}</p> : null}
      <div class="actions">
        {canCancel ? <button type="button" class="danger" onClick={() => setAction('cancel')}>Cancel run…</button> : null}
        {canKill ? <button type="button" class="danger" onClick={() => setAction('kill')}>Kill task…</button> : null}
        {spec.cancelRequested && live ? <span role="status">Cancel requested.</span> : null}
        {notice ? <span role="status" data-testid="action-result">{notice}</span> : null}
      </div>
      <Confirm open={action !== undefined} title={action === 'kill' ? `Kill ${name}?` : `Cancel ${name}?`}
        confirmLabel={action === 'kill' ? 'Kill task' : 'Cancel run'} busy={busy} onConfirm={() => void act()} onClose={() => setAction(undefined)}>
        <p>{action === 'kill'
          ? 'Stops the run\'s ECS task now (StopTask) and waits for the controller\'s answer. The run ends cancelled.'
          : 'The controller stops the run\'s task, if it has one, and the run ends cancelled.'}</p>
      </Confirm>

      <div class="grid">
        <section aria-labelledby="summary-title">
          <h2 id="summary-title">Summary</h2>
          <dl>
            <dt>Pool</dt><dd>{spec.pool}</dd>
            <dt>Phase</dt><dd data-testid="run-phase">{status.phase}</dd>
            <dt>Outcome</dt><dd data-testid="run-outcome">{status.outcome ?? '—'}</dd>
            <dt>Created</dt><dd>{time(metadata.creationTimestamp)}</dd>
            <dt>Labels</dt><dd>{Object.entries(metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '—'}</dd>
            {status.cost ? <><dt>Cost (estimate)</dt><dd data-testid="cost">{usd(status.cost.estimatedUsd)}{status.cost.onDemandUsd !== undefined ? ` (on-demand ${usd(status.cost.onDemandUsd)})` : ''}{status.cost.unpriced !== undefined ? ` (not priced: ${status.cost.unpriced})` : ''}</dd></> : null}
            {status.spotFallback ? <><dt>Spot fallback</dt><dd>from attempt {status.spotFallback.fromAttempt} ({status.spotFallback.reason})</dd></> : null}
          </dl>
        </section>
        <section aria-labelledby="conditions-title">
          <h2 id="conditions-title">Conditions</h2>
          {status.conditions?.length ? (
            <table>
              <thead><tr><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Message</th><th scope="col">Since</th></tr></thead>
              <tbody>{status.conditions.map((c) => <tr key={c.type}><td>{c.type}</td><td>{c.status}</td><td>{c.reason ?? ''}</td><td class="wrap">{c.message ?? ''}</td><td>{time(c.lastTransitionTime)}</td></tr>)}</tbody>
            </table>
          ) : <p>None yet.</p>}
        </section>
      </div>

      <section aria-labelledby="attempts-title">
        <h2 id="attempts-title">Attempts</h2>
        {status.attempts?.length ? (
          <ol class="timeline" data-testid="attempts">{status.attempts.map((attempt) => <AttemptItem key={attempt.number} attempt={attempt} />)}</ol>
        ) : <p>No attempt launched yet.</p>}
      </section>

      {status.logTail ? (
        <section aria-labelledby="tail-title">
          <h2 id="tail-title">Last output (attempt {status.logTail.attempt})</h2>
          {status.logTail.error ? <p class="error">{status.logTail.error}</p> : null}
          <pre class="log" tabIndex={0}>{status.logTail.lines.join('\n')}</pre>
        </section>
      ) : null}

      <LogView client={client} namespace={namespace} name={name} live={live} attempts={status.attempts?.length ?? 0} />

      <details>
        <summary>Spec and status as JSON</summary>
        <pre class="json" tabIndex={0}>{JSON.stringify({ spec, status }, null, 2)}</pre>
      </details>
    </section>
  );
}

const usd = (value: number | undefined) => (value === undefined ? '—' : `$${value.toFixed(value < 0.01 ? 6 : 4)}`);

function where(attempt: Attempt): string {
  const provider = attempt.capacityProvider ?? attempt.launchType;
  if (!provider) return 'not placed yet';
  const spot = /SPOT/i.test(provider);
  return `${spot ? 'Spot' : 'on-demand'} (${provider})`;
}

function AttemptItem({ attempt }: { attempt: Attempt }) {
  return (
    <li>
      <h3>Attempt {attempt.number} <span class="muted">— {where(attempt)}</span></h3>
      <dl class="inline">
        <dt>Submitted</dt><dd>{time(attempt.submittedAt)}</dd>
        <dt>Running</dt><dd>{time(attempt.startedAt)}</dd>
        <dt>Stopped</dt><dd>{time(attempt.stoppedAt)}</dd>
        <dt>Last status</dt><dd>{attempt.lastStatus ?? '—'}</dd>
        <dt>Exit code</dt><dd>{attempt.exitCode ?? '—'}</dd>
        <dt>Stop code</dt><dd>{attempt.stopCode ?? '—'}</dd>
        <dt>Reason</dt><dd>{attempt.stoppedReason ?? attempt.failureReason ?? '—'}</dd>
      </dl>
    </li>
  );
}

/** The log of the latest attempt, following while the run is live; restarts when a new attempt starts. */
function LogView({ client, namespace, name, live, attempts }: { client: Client; namespace: string; name: string; live: boolean; attempts: number }) {
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState<string>('');
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (attempts === 0) {
      setState('No attempt yet: the log starts when the task does.');
      return;
    }
    const stop = new AbortController();
    (async () => {
      for (;;) {
        const collected: string[] = [];
        setLines([]);
        setState(live ? 'following…' : 'loading…');
        try {
          await client.streamLog(namespace, name, { follow: live }, (line) => {
            collected.push(line);
            setLines([...collected]);
          }, stop.signal);
          setState(live ? 'the task stopped; end of log' : 'end of log');
          return;
        } catch (caught) {
          if (stop.signal.aborted) return;
          setState(describeError(caught));
          // No output yet (404) while the task starts: look again shortly; anything else is final.
          if (!(caught instanceof ApiError && caught.code === 404 && live)) return;
          await new Promise((resolve) => setTimeout(resolve, 2000));
          if (stop.signal.aborted) return;
        }
      }
    })();
    return () => stop.abort();
  }, [client, namespace, name, attempts, live]);
  useEffect(() => {
    const element = pre.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [lines]);
  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">Log</h2>
      <p role="status" class="muted" data-testid="log-state">{state}</p>
      <pre ref={pre} class="log" tabIndex={0} aria-label="Log output" data-testid="log">{lines.join('\n')}</pre>
    </section>
  );
}
