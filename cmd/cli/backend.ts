/**
 * What the CLI's pool and run commands need from wherever the data lives, and nothing more. Commands are
 * written against these interfaces only; `redis-backend.ts` implements them on the Redis store today, and an
 * HTTP API client can implement them later without touching a command.
 */
import type { ControlMessage, ControlReply, Phase, PoolRecord, RunRecord } from '../../controller/api/index.js';
import type { SubmitOptions, SubmitResult } from '../../controller/store/index.js';
import type { ReplicaBuild } from '../../controller/build-info.js';

export interface RunQuery {
  selector?: string;
  phase?: Phase;
  pool?: string;
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
  /** Deletes a stopped run; throws NotFoundError or PreconditionFailedError (live). */
  deleteRun(name: string): Promise<RunRecord>;

  getPool(name: string): Promise<PoolRecord | null>;
  listPools(selector?: string): Promise<PoolRecord[]>;
  deletePool(name: string): Promise<PoolRecord>;

  /** Queues a cancel or kill durably; resolves with its id. */
  sendControl(message: ControlMessage): Promise<string>;
  /** The controller's answer to control message `id`, or null when none came within `timeoutMs`. */
  awaitControlReply(id: string, timeoutMs: number): Promise<ControlReply | null>;

  /** The change feed's current end: changes after it are what `nextChanges` returns. */
  changesPosition(): Promise<string>;
  /**
   * Runs changed after `position`, waiting up to `waitMs` for one; an empty list after a quiet wait. Fails
   * (rather than returning empty for ever) when the backend stops answering.
   */
  nextChanges(position: string, waitMs: number): Promise<RunChanges>;

  /** The builds of the controller replicas registered as alive (none when no controller runs). */
  controllerBuilds(): Promise<ReplicaBuild[]>;
}

/** The installations one connection can see: `-n NAME` picks one, `-A` all of them. */
export interface Backends {
  /** The namespace given by -n or LONGSHORE_NAMESPACE. */
  readonly current: RunsBackend;
  of(namespace: string): RunsBackend;
  /** Every namespace holding Longshore data, sorted. */
  namespaces(): Promise<string[]>;
}
