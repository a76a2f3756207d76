/**
 * What the CLI's pool and run commands need from wherever the data lives, and nothing more. Commands are
 * written against these interfaces only; `redis-backend.ts` implements them on the Redis store, and
 * `http-backend.ts` on the HTTP API (through @longshore/client) when a server is configured (api-config.ts).
 */
import type { PoolShare } from '../../controller/aws/pool-shares.js';
import type { ControlReply, KillMessage, Outcome, Phase, PoolRecord, RunRecord } from '../../controller/api/index.js';
import type { SubmitOptions, SubmitResult } from '../../controller/store/index.js';
import type { ReplicaBuild } from '../../controller/build-info.js';

export interface RunQuery {
  selector?: string;
  phase?: Phase;
  pool?: string;
  /** Stopped runs that ended so. */
  outcome?: Outcome;
}

/** How many runs match a query, by phase and by outcome (the API's runsummary). */
export interface RunCountsView {
  total: number;
  byPhase: Record<Phase, number>;
  byOutcome: Record<Outcome, number>;
}

/** A position in the change feed, and the runs that changed after the previous one. */
export interface RunChanges {
  position: string;
  /** Names of runs created, changed or deleted, each once. */
  runs: string[];
}

/** One installation (namespace) seen through the CLI. */
export interface RunsBackend {
  readonly namespace: string;
  submit(documents: readonly unknown[], mode: SubmitOptions['mode']): Promise<SubmitResult[]>;

  getRun(name: string): Promise<RunRecord | null>;
  getRuns(names: readonly string[]): Promise<Array<RunRecord | null>>;
  /** Every run matching the query, in name order. */
  listRuns(query: RunQuery): Promise<RunRecord[]>;
  /** Counts of the runs `listRuns(query)` would return, from the store's indexes where they answer. */
  countRuns(query: RunQuery): Promise<RunCountsView>;
  /** Deletes a stopped run; throws NotFoundError or PreconditionFailedError (live). */
  deleteRun(name: string): Promise<RunRecord>;

  getPool(name: string): Promise<PoolRecord | null>;
  listPools(selector?: string): Promise<PoolRecord[]>;
  deletePool(name: string): Promise<PoolRecord>;

  /** Queues a cancel of a run that has not stopped, durably. */
  cancel(name: string, reason?: string): Promise<void>;
  /**
   * Queues a kill durably and waits up to `waitMs` for the controller's answer: null when none came in time
   * (or `waitMs` is 0: do not wait). The request stays queued either way.
   */
  kill(message: KillMessage, waitMs: number): Promise<ControlReply | null>;

  /** The change feed's current end: changes after it are what `nextChanges` returns. */
  changesPosition(): Promise<string>;
  /**
   * Runs changed after `position`, waiting up to `waitMs` for one; an empty list after a quiet wait. Fails
   * (rather than returning empty for ever) when the backend stops answering.
   */
  nextChanges(position: string, waitMs: number): Promise<RunChanges>;

  /** The builds of the controller replicas registered as alive (none when no controller runs). */
  controllerBuilds(): Promise<ReplicaBuild[]>;
  /**
   * The pool's fair share of its account-region's launch budget (controller/aws/pool-shares.ts); `share`
   * undefined when this backend cannot read it or the pool never waited.
   */
  poolShare(pool: PoolRecord): Promise<PoolShareReading>;
}

export interface PoolShareReading {
  share: PoolShare | undefined;
  /** Why the reading may be off (no controller of the namespace recorded its home Region), for stderr. */
  note?: string;
}

/** The installations one connection can see: `-n NAME` picks one, `-A` all of them. */
export interface Backends {
  /** The namespace given by -n or LONGSHORE_NAMESPACE. */
  readonly current: RunsBackend;
  of(namespace: string): RunsBackend;
  /** Every namespace holding Longshore data, sorted. */
  namespaces(): Promise<string[]>;
}
