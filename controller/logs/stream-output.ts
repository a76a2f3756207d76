/**
 * streamOutput (Prefect's stream_output): the output of runs whose pool sets `streamOutput: true` is also
 * written into the controller's JSON log, one entry per line with the run's fields (namespace, run, attempt,
 * container), rate-capped (output-policy.ts). Exactly one replica forwards a run: the one holding its lease
 * (output-lease.ts). Every replica scans every `scanIntervalMs` for runs to forward (pools with streamOutput,
 * their runs not stopped), renews the leases it holds and takes free ones up to MAX_FORWARDED_RUNS; each
 * forwarded run is followed through the replica's RunLogSource (so an API client following the same run in
 * this process shares its reader), attempt after attempt, until the run stops.
 */
import type { Logger } from 'pino';
import type { PoolRecord } from '../api/pool.js';
import type { RunRecord } from '../api/run.js';
import { listAll, type Page } from '../store/queries.js';
import { throttledLogger } from '../log-throttle.js';
import type { OutputLeases, OutputProgress } from './output-lease.js';
import { admitLine, LineBucket, MAX_FORWARDED_RUNS, nextAttempt, OUTPUT_CAPS, redactOutputLine, wantsForwarding, type LineVerdict } from './output-policy.js';
import { RunLogError, type RunLogSource } from './types.js';

export interface OutputStore {
  getRun(name: string): Promise<RunRecord | null>;
  listPools(options: { limit: number; cursor?: string }): Promise<Page<PoolRecord>>;
  listRuns(options: { pool: string; limit: number; cursor?: string }): Promise<Page<RunRecord>>;
}

export interface OutputForwardingDeps {
  namespace: string;
  store: OutputStore;
  source: RunLogSource;
  leases: OutputLeases;
  /** Where run output goes (the controller's logger); also used for the forwarder's own warnings. */
  logger: Logger;
  scanIntervalMs: number;
  onLine?: (verdict: LineVerdict) => void;
  onForwarders?: (count: number) => void;
  now?: () => number;
  maxRuns?: number;
}

export interface RunningOutputForwarding {
  /** One scan now (tests; the timer does the same). */
  scan(): Promise<void>;
  forwarding(): string[];
  stop(): Promise<void>;
}

interface Forwarder {
  abort: AbortController;
  done: Promise<void>;
  progress: OutputProgress | undefined;
}

export function startOutputForwarding(deps: OutputForwardingDeps): RunningOutputForwarding {
  const now = deps.now ?? Date.now;
  const maxRuns = deps.maxRuns ?? MAX_FORWARDED_RUNS;
  const overall = new LineBucket(OUTPUT_CAPS.overall);
  const forwarders = new Map<string, Forwarder>();
  const warn = throttledLogger(deps.logger);
  let stopped = false;

  const pause = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

  /** 'finished' when the run stopped (or went away); 'aborted' when this replica stops or lost the lease. */
  async function forward(name: string, self: Forwarder): Promise<'finished' | 'aborted'> {
    const bucket = new LineBucket(OUTPUT_CAPS.run);
    const saved = await deps.leases.progress(name);
    let forwardedUpTo = saved === undefined ? undefined : saved.attempt - 1;
    const signal = self.abort.signal;
    while (!signal.aborted) {
      const run = await deps.store.getRun(name);
      if (run === null) return 'finished';
      const attempt = nextAttempt(run, forwardedUpTo);
      if (attempt === undefined) {
        if (run.status.phase === 'stopped') return 'finished';
        await pause(deps.scanIntervalMs, signal);
        continue;
      }
      try {
        for await (const line of deps.source.open({ namespace: deps.namespace, run: name, follow: true, attempt }, signal)) {
          if (saved !== undefined && saved.attempt === attempt && line.timestamp < saved.timestamp) continue;
          const verdict = admitLine(bucket, overall, now());
          deps.onLine?.(verdict);
          self.progress = { attempt, timestamp: line.timestamp };
          if (verdict !== 'forwarded') continue;
          deps.logger.info({
            namespace: deps.namespace, run: name, attempt: line.attempt, container: line.container,
            outputTime: new Date(line.timestamp).toISOString(), output: redactOutputLine(line.message),
          }, 'run output');
        }
        forwardedUpTo = attempt;
      } catch (error) {
        if (!(error instanceof RunLogError)) throw error;
        if (error.reason === 'RunNotFound' || error.reason === 'LogsDisabled') return 'finished';
        warn.log('warn', `run-output:${error.reason}`, { run: name, reason: error.reason, err: error.message }, 'run output forwarding paused');
        await pause(deps.scanIntervalMs, signal);
      }
    }
    return 'aborted';
  }

  function begin(name: string): void {
    const self: Forwarder = { abort: new AbortController(), done: Promise.resolve(), progress: undefined };
    forwarders.set(name, self);
    let finished = false;
    self.done = forward(name, self)
      .then((end) => {
        finished = end === 'finished';
      })
      .catch((error: unknown) => deps.logger.warn({ run: name, err: error instanceof Error ? error.message : String(error) }, 'run output forwarding failed'))
      .finally(async () => {
        forwarders.delete(name);
        deps.onForwarders?.(forwarders.size);
        // Done for good only when the run ended: then its progress goes too. A replica that stops, lost the
        // lease or failed saves how far it got, for whoever forwards the run next (itself, at the next scan).
        if (!finished) await deps.leases.renew(name, self.progress).catch(() => false);
        await deps.leases.release(name, finished).catch(() => undefined);
      });
    deps.onForwarders?.(forwarders.size);
  }

  async function scan(): Promise<void> {
    for (const [name, forwarder] of forwarders) {
      if (!(await deps.leases.renew(name, forwarder.progress))) forwarder.abort.abort();
    }
    const pools = (await listAll((cursor) => deps.store.listPools({ limit: 500, ...(cursor ? { cursor } : {}) })))
      .filter((p) => p.spec.streamOutput && p.spec.cloudwatchLogs?.enabled === true);
    for (const pool of pools) {
      const runs = await listAll((cursor) => deps.store.listRuns({ pool: pool.metadata.name, limit: 500, ...(cursor ? { cursor } : {}) }));
      for (const run of runs) {
        if (stopped || forwarders.size >= maxRuns) return;
        const name = run.metadata.name;
        if (forwarders.has(name) || !wantsForwarding(run, pool)) continue;
        if (await deps.leases.acquire(name)) begin(name);
      }
    }
  }

  let scanning: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    scanning = scanning.then(scan).catch((error: unknown) => {
      warn.log('warn', 'run-output-scan', { err: error instanceof Error ? error.message : String(error) }, 'run output scan failed');
    });
  }, deps.scanIntervalMs);
  timer.unref();

  return {
    scan: () => (scanning = scanning.then(scan)),
    forwarding: () => [...forwarders.keys()],
    async stop() {
      stopped = true;
      clearInterval(timer);
      await scanning.catch(() => undefined);
      const running = [...forwarders.values()];
      for (const f of running) f.abort.abort();
      await Promise.all(running.map((f) => f.done));
    },
  };
}
