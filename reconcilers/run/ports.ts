/**
 * The run reconciler's ports: the narrow interfaces through which it reads and writes the store, resolves
 * task definitions and touches ECS. Production adapters wrap controller/store, reconcilers/taskdef and
 * reconcilers/launch + the AWS gateway; unit tests pass in-memory fakes. Error contract for every port:
 * BudgetExhaustedError and other thrown errors propagate to the job adapter (requeue / backoff); expected
 * AWS outcomes come back as values, never as exceptions.
 */
import type { AwsTarget } from '../../controller/aws/target.js';
import type { PoolRecord } from '../../controller/api/pool.js';
import type { RunRecord } from '../../controller/api/run.js';
import type { RunCost, RunStatus } from '../../controller/api/run-status.js';
import type { TaskObservation } from '../../machines/run-types.js';
import type { LaunchOutcome } from '../launch/outcome.js';

export interface RunStorePort {
  getRun(name: string): Promise<RunRecord | null>;
  getPool(name: string): Promise<PoolRecord | null>;
  /**
   * Compare-and-set on metadata.resourceVersion; returns the record as stored. Throws the store's
   * ConflictError (controller/store/errors.ts) when the record changed since `expectedResourceVersion`.
   * `current`: the record the caller read at that version, so the store need not read it again.
   */
  updateRunStatus(name: string, update: { status: RunStatus; lifecycle: unknown }, expectedResourceVersion: string, current?: RunRecord): Promise<RunRecord>;
}

/** What task-definition resolution answers for a run (TASKDEFS implements it in reconcilers/taskdef/). */
export type TaskDefinitionResolution =
  | { arn: string }
  /**
   * Registration is queued or in flight; the run is woken when it resolves, `waitingMs` is a fallback.
   * `failing`: its tries keep failing in a way worth retrying (AWS's last error and how many tries failed).
   */
  | { waitingMs: number; failing?: { reason: string; message: string; failures: number } }
  /** Registration failed for good (the definition is invalid); the run fails with this message. */
  | { failed: string };

export interface TaskDefinitionResolver {
  resolve(pool: PoolRecord, run: RunRecord): Promise<TaskDefinitionResolution>;
  /** RunTask said the revision is INACTIVE or gone: forget it so the next resolve registers afresh. */
  invalidate?(pool: PoolRecord, run: RunRecord, taskDefinitionArn: string): Promise<void>;
}

export interface LaunchRequest {
  pool: PoolRecord;
  run: RunRecord;
  attempt: number;
  taskDefinitionArn: string;
  /** A Spot fallback applies: launch on Fargate on-demand instead of Spot. */
  onDemand?: boolean;
}

export type StopOutcome =
  /** StopTask accepted; the task as ECS described it in the response. */
  | { kind: 'observed'; task: TaskObservation }
  /** ECS does not know the task (any more). */
  | { kind: 'missing' }
  /** Budget, throttle, 5xx, timeout: try again later; nothing is known. */
  | CallRetry;

/**
 * A call that did not happen (`pacing`: our own budget was empty, a place in the waiting line) or failed in
 * a way worth trying again (`throttled`, `transient`: a failed try, with AWS's error name and message).
 */
export type CallRetry = { kind: 'retry'; retryAfterMs?: number } & (
  | { cause?: 'pacing' }
  | { cause: 'throttled' | 'transient'; reason: string; message: string }
);

export type SearchOutcome =
  | { kind: 'found'; taskArn: string; clusterArn: string }
  | { kind: 'none' }
  | CallRetry;

/** The ECS side effects of one run (adapter over reconcilers/launch and the AWS gateway). */
export interface RunTaskPort {
  launch(request: LaunchRequest): Promise<LaunchOutcome>;
  stop(request: { cluster?: string; taskArn: string; reason: string; target?: AwsTarget }): Promise<StopOutcome>;
  /** DescribeTasks of one task (same outcomes as stop, without stopping anything). */
  describe(request: { cluster?: string; taskArn: string; target?: AwsTarget }): Promise<StopOutcome>;
  /** Finds the live task an attempt may have launched without it being recorded (by its startedBy marker). */
  findLaunched(request: { pool: PoolRecord; run: RunRecord; attempt: number }): Promise<SearchOutcome>;
}

/** Results of side effects performed earlier in the same reconcile, fed back into the plan. */
export type EffectResult =
  | { type: 'resolveTaskDefinition'; resolution: TaskDefinitionResolution }
  | { type: 'runTask'; attempt: number; outcome: LaunchOutcome }
  /** RunTask was not attempted: the run must wait (e.g. for a pool slot). */
  | { type: 'launchDeferred'; attempt: number; reason: string; message: string; retryAfterMs: number }
  | { type: 'stopTask'; attempt: number; outcome: StopOutcome | SearchOutcome }
  | { type: 'describeTask'; attempt: number; outcome: StopOutcome }
  | { type: 'finalize'; cost?: RunCost };

/** What the plan sees besides the run record: its pool and the last side effect's result. */
export interface RunObserved {
  pool: PoolRecord | null;
  effect?: EffectResult;
}
