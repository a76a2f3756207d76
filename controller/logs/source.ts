/**
 * The RunLogSource over CloudWatch Logs: checks a request against the store (run, attempt, pool logging),
 * then serves the attempt's lines from a reader (reader.ts). Followers of the same namespace, run and
 * attempt in one process share one reader through a FanOut; a follower whose wish the shared reader's
 * history cannot satisfy (every line, after the reader dropped its oldest) gets a reader of its own, and
 * so does every request that does not follow (it ends as soon as it has caught up).
 */
import type { AwsTarget } from '../aws/target.js';
import { setTimeout as delay } from 'node:timers/promises';
import type { GetLogEventsCommandInput, GetLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import type { PoolRecord } from '../api/pool.js';
import type { RunRecord } from '../api/run.js';
import { backoffMs } from '../backoff.js';
import { toRunLogError } from './errors.js';
import { DEFAULT_FAN_OUT_LIMITS, FanOut, type FanOutLimits, type Subscription } from './fan-out.js';
import { locateStream, requireLogsEnabled, selectAttempt } from './location.js';
import { readStart, WAIT_FOR_STREAM } from './paging.js';
import { readAttempt, type AttemptLook, type ReaderPorts } from './reader.js';
import { RunLogError, type RunLogLine, type RunLogRequest, type RunLogSource } from './types.js';

/** What the source reads from the store of one namespace. */
export interface LogRunStore {
  getRun(name: string): Promise<RunRecord | null>;
  getPool(name: string): Promise<PoolRecord | null>;
}

export interface RunLogSourceDeps {
  /** The store of a namespace (the API serves several; the CLI and the controller one). */
  store(namespace: string): LogRunStore;
  /**
   * The gateway's GetLogEvents (always called with `wait: true`); `namespace` is the run's, whose budget the
   * read spends (aws/namespace-budgets.ts).
   */
  getLogEvents(input: GetLogEventsCommandInput, target: AwsTarget | undefined, namespace: string): Promise<Pick<GetLogEventsCommandOutput, 'events' | 'nextForwardToken'>>;
  /** The controller's region, for pools that name none. */
  defaultRegion?: string;
  limits?: FanOutLimits;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface CloudWatchRunLogSource extends RunLogSource {
  /** Readers running now (shared and private), for tests and metrics. */
  activeReaders(): number;
}

interface SharedReader {
  fanOut: FanOut<RunLogLine>;
  abort: AbortController;
}

async function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // Aborted: the caller checks the signal.
  }
}

export function isStopped(run: RunRecord | null, attemptNumber: number): boolean {
  if (run === null || run.status.phase === 'stopped') return true;
  const attempt = run.status.attempts.find((a) => a.number === attemptNumber);
  if (attempt === undefined) return true;
  return attempt.stoppedAt !== undefined || attempt.lastStatus === 'STOPPED' || run.status.attempts.some((a) => a.number > attemptNumber);
}

export function createRunLogSource(deps: RunLogSourceDeps): CloudWatchRunLogSource {
  const sleep = deps.sleep ?? abortableSleep;
  const limits = deps.limits ?? DEFAULT_FAN_OUT_LIMITS;
  const shared = new Map<string, SharedReader>();
  let running = 0;

  /** Starts a reader for one attempt; `key` registers it for sharing (followers only). */
  function startReader(request: RunLogRequest, store: LogRunStore, pool: PoolRecord, attempt: number, key: string | undefined): SharedReader {
    const what = `run "${request.run}" attempt ${attempt}`;
    const abort = new AbortController();
    const fanOut: FanOut<RunLogLine> = new FanOut<RunLogLine>(limits, {
      fromHead: request.tailLines === undefined,
      onIdle: () => abort.abort(),
    });
    const look = async (): Promise<AttemptLook> => {
      const run = await store.getRun(request.run);
      const found = run?.status.attempts.find((a) => a.number === attempt);
      return {
        location: run && found ? locateStream(pool, run, found, deps.defaultRegion) : undefined,
        stopped: isStopped(run, attempt),
      };
    };
    const ports: ReaderPorts = { getLogEvents: (input, target) => deps.getLogEvents(input, target, request.namespace), look, sleep };
    const reader: SharedReader = { fanOut, abort };
    if (key !== undefined) shared.set(key, reader);
    running += 1;
    void readAttempt({ what, attempt, follow: request.follow, start: readStart(request.tailLines) }, ports, fanOut, abort.signal)
      .then(() => fanOut.end(), (error: unknown) => fanOut.end(toRunLogError(error, what)))
      .finally(() => {
        running -= 1;
        if (key !== undefined && shared.get(key) === reader) shared.delete(key);
      });
    return reader;
  }

  /** The attempt a request reads: its own, the latest, or (following a run not launched yet) the first to come. */
  async function attemptOf(request: RunLogRequest, store: LogRunStore, run: RunRecord, signal: AbortSignal): Promise<number | undefined> {
    const chosen = selectAttempt(run, request.attempt);
    if (chosen !== undefined) return chosen.number;
    if (!request.follow) throw new RunLogError('NotStarted', `run "${request.run}" has not been launched yet, so it has no output`);
    for (let waits = 1; !signal.aborted; waits += 1) {
      await sleep(backoffMs(WAIT_FOR_STREAM, waits), signal);
      const fresh = await store.getRun(request.run);
      if (fresh === null) throw new RunLogError('RunNotFound', `run "${request.run}" was deleted`);
      const latest = fresh.status.attempts.at(-1);
      if (latest !== undefined) return latest.number;
      if (fresh.status.phase === 'stopped') return undefined;
    }
    return undefined;
  }

  async function subscribe(request: RunLogRequest, signal: AbortSignal): Promise<Subscription<RunLogLine> | undefined> {
    const store = deps.store(request.namespace);
    const run = await store.getRun(request.run);
    if (run === null) throw new RunLogError('RunNotFound', `run "${request.run}" not found in namespace "${request.namespace}"`);
    const pool = requireLogsEnabled(await store.getPool(run.spec.pool), run);
    const attempt = await attemptOf(request, store, run, signal);
    if (attempt === undefined || signal.aborted) return undefined;
    if (!request.follow) return startReader(request, store, pool, attempt, undefined).fanOut.subscribe(undefined);
    const key = `${request.namespace}\u0000${request.run}\u0000${attempt}`;
    const existing = shared.get(key);
    if (existing !== undefined && existing.fanOut.canServe(request.tailLines)) return existing.fanOut.subscribe(request.tailLines);
    // A reader of its own; it becomes the shared one only if none is running (the running one keeps serving its subscribers).
    const reader = startReader(request, store, pool, attempt, existing === undefined ? key : undefined);
    return reader.fanOut.subscribe(undefined);
  }

  return {
    activeReaders: () => running,
    async *open(request: RunLogRequest, signal: AbortSignal): AsyncIterable<RunLogLine> {
      let subscription: Subscription<RunLogLine> | undefined;
      try {
        subscription = await subscribe(request, signal);
      } catch (error) {
        throw toRunLogError(error, `the log of run "${request.run}"`);
      }
      if (subscription === undefined) return;
      const current = subscription;
      const onAbort = (): void => current.close();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        for (;;) {
          const lines = await current.next();
          if (lines === null) return;
          yield* lines;
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        current.close();
      }
    },
  };
}
