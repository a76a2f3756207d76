/**
 * The run reconciler's thin shell around planRun: read the run and its pool, plan, write the new status
 * (compare-and-set; on a conflict re-read and re-plan), perform the one side effect the plan names, feed its
 * result into the next plan, and stop when there is nothing left to do now. Persist-then-act: the state that
 * asks for a side effect is written before the effect happens, so a crash re-finds the work as a standing
 * action, and every effect is idempotent (RunTask by clientToken, StopTask by task ARN).
 */
import { targetOfTask } from '../../controller/aws/target.js';
import type { Logger } from 'pino';
import type { PoolRecord } from '../../controller/api/pool.js';
import type { JobPriorities } from '../../controller/queue/job-priorities.js';
import type { RunRecord } from '../../controller/api/run.js';
import type { Phase, RunCost } from '../../controller/api/run-status.js';
import { TerminalError, type ReconcileResult, type Reconciler } from '../../controller/queue/reconcile.js';
import { isConflictError } from '../../controller/store/errors.js';
import { LifecycleRestoreError, stateOf } from '../../machines/run-lifecycle.js';
import { LIMIT_RECHECK_MS, slotsFor, type PoolLimiter, type SlotNeeds } from './pool-limits.js';
import { planRun, type RunEffect, type RunPlan } from './plan.js';
import type { EffectResult, RunStorePort, RunTaskPort, TaskDefinitionResolver } from './ports.js';

export interface RunReconcilerObserver {
  /** An event the lifecycle refused (counted: it means a stale or out-of-order observation). */
  rejected?(eventType: string, reason: string): void;
  /** The run's phase changed (a state change within one phase is not reported), once its write succeeded. */
  transition?(from: Phase, to: Phase, eventType: string, pool: string): void;
  /** A new status was written over `before` (compare-and-set succeeded): attempts begun or seen running. */
  written?(before: RunRecord, after: RunRecord): void;
  /** The run reached stopped with this outcome (once per run, when it is finalized), with its cost estimate. */
  concluded?(outcome: string, run: RunRecord, cost?: RunCost): void;
}

export interface RunReconcilerDeps {
  store: RunStorePort;
  resolver: TaskDefinitionResolver;
  tasks: RunTaskPort;
  now?: () => number;
  observer?: RunReconcilerObserver;
  /**
   * Called by the finalize step, before FINALIZED is recorded (so a crash repeats it): work that follows a
   * run's conclusion without holding it up, e.g. asking for its failure tail (controller/logs/log-tail.ts).
   * Must be idempotent and quick (it only enqueues).
   */
  afterConclusion?: (run: RunRecord, pool: PoolRecord | null) => Promise<void>;
  /** Called once a stopped run no longer uses its task definition (auto-deregister bookkeeping). */
  releaseTaskDefinition?: (run: RunRecord, taskDefinitionArn: string, pool?: PoolRecord) => Promise<void>;
  /** The pools' maxSubmitting/maxRunning slots; without it pools are unlimited. */
  limiter?: PoolLimiter;
  /** Wakes another run's reconcile (a run waiting for the pool slot this one freed). */
  wake?: (runName: string) => Promise<void>;
  /** A stopped run's cost estimate (controller/pricing.ts over the configured prices); without it no cost is recorded. */
  cost?: (run: RunRecord, pool: PoolRecord | null) => RunCost;
  /** Side effects one reconcile may chain (resolve → RunTask → …) before handing back. */
  maxEffects?: number;
  /** Compare-and-set conflicts tolerated in one reconcile before giving up (the job retries). */
  maxConflicts?: number;
  /**
   * Told the pool priority of every run reconciled, so the run's next jobs are ordered by it
   * (controller/queue/job-priorities.ts), and told to forget a run once it stopped or is gone.
   */
  priorities?: Pick<JobPriorities, 'note' | 'forget'>;
}

/** The reconcile stored state cannot be understood; retrying will not help. */
export class UnreadableRunError extends Error {
  override readonly name = 'UnreadableRunError';
}

export async function reconcileRun(deps: RunReconcilerDeps, name: string, logger?: Logger): Promise<ReconcileResult> {
  const now = deps.now ?? Date.now;
  const maxEffects = deps.maxEffects ?? 4;
  const maxConflicts = deps.maxConflicts ?? 5;
  const first = await deps.store.getRun(name);
  if (!first) {
    deps.priorities?.forget(name);
    return {};
  }
  let record: RunRecord = first;
  let pool = await deps.store.getPool(record.spec.pool);
  if (record.status.phase === 'stopped') deps.priorities?.forget(name);
  else deps.priorities?.note(name, pool?.spec.scheduling?.priority ?? 0);
  let effect: EffectResult | undefined;
  let conflicts = 0;
  /** The slots this reconcile last released down to (the pool's slot sets already agree with it). */
  let released: SlotNeeds | undefined;

  /**
   * Compare-and-set of the plan's status on the record it was planned from. On a conflict the run and its
   * pool are read again, for the caller to plan again from what is stored now ('gone' if it was deleted).
   */
  const write = async (plan: RunPlan): Promise<'written' | 'conflict' | 'gone'> => {
    try {
      record = await deps.store.updateRunStatus(name, { status: plan.status, lifecycle: plan.lifecycle }, record.metadata.resourceVersion, record);
      return 'written';
    } catch (error) {
      if (!isConflictError(error) || ++conflicts > maxConflicts) throw error;
      logger?.debug({ run: name, conflicts }, 'run status write conflicted; re-reading');
      const fresh = await deps.store.getRun(name);
      if (!fresh) return 'gone';
      record = fresh;
      pool = await deps.store.getPool(record.spec.pool);
      return 'conflict';
    }
  };

  for (let effects = 0; ; ) {
    const plan = safePlan(record, pool, effect, now());
    if (plan.blocked) throw new Error(`run "${name}" cannot proceed: ${plan.blocked}`);
    for (const warning of plan.warnings) logger?.warn(warning.fields, warning.message);

    if (plan.write) {
      const before = record;
      const written = await write(plan);
      if (written === 'gone') return {};
      if (written === 'conflict') continue;
      deps.observer?.written?.(before, record);
    }
    // Reported once the plan's status is stored: a plan lost to a conflict is planned and reported again.
    report(deps.observer, plan, record.spec.pool);

    // A run with no attempt yet never took a slot (slots are taken right before RunTask, whose attempt the
    // plan has already opened): nothing to release, so no script call on the way from pending to launching.
    // Once per reconcile for each set of slots kept: a later pass keeping the same frees nothing more.
    const keep = slotsFor(stateOf(plan.snapshot));
    if (deps.limiter && pool && plan.status.attempts.length > 0 && !sameSlots(released, keep)) {
      const waiters = await deps.limiter.release(pool.metadata.name, name, keep);
      released = keep;
      for (const waiter of waiters) await deps.wake?.(waiter);
    }
    if (!plan.effect) return plan.requeueAfterMs === undefined ? {} : { requeueAfterMs: plan.requeueAfterMs };
    if (effects >= maxEffects) return { requeueAfterMs: 0 };
    effects += 1;
    if (plan.effect.type === 'runTask' && deps.limiter && pool) {
      const slot = await deps.limiter.acquire(pool, name);
      if (!slot.ok) {
        logger?.debug({ run: name, limit: slot.limit, max: slot.max }, 'run waits for a pool slot');
        const message = `waiting for a slot in pool "${pool.metadata.name}" (${slot.limit} ${slot.max})`;
        effect = { type: 'launchDeferred', attempt: plan.effect.attempt, reason: 'PoolLimit', message, retryAfterMs: LIMIT_RECHECK_MS };
        continue;
      }
    }
    // RunTask only right after this reconcile recorded the launch decision with a compare-and-set on a
    // record without cancelRequested: a cancel is a write too, so whichever comes second conflicts. A
    // standing launch (after a budget wait, a pool-slot wait, a crash) was planned from a read that may be
    // older than a cancel: record it again first, and on a conflict plan again from the fresh record.
    if (plan.effect.type === 'runTask' && !plan.write) {
      const written = await write(plan);
      if (written === 'gone') return {};
      if (written === 'conflict') continue;
    }
    logger?.debug({ run: name, effect: plan.effect.type }, 'run side effect');
    effect = await perform(deps, plan.effect, record, pool);
  }
}

function sameSlots(a: SlotNeeds | undefined, b: SlotNeeds): boolean {
  return a !== undefined && a.submitting === b.submitting && a.running === b.running;
}

function safePlan(record: RunRecord, pool: PoolRecord | null, effect: EffectResult | undefined, nowMs: number): RunPlan {
  try {
    return planRun(record, effect ? { pool, effect } : { pool }, nowMs);
  } catch (error) {
    if (error instanceof LifecycleRestoreError) {
      throw new UnreadableRunError(`run "${record.metadata.name}" has an unreadable lifecycle: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function report(observer: RunReconcilerObserver | undefined, plan: RunPlan, pool: string): void {
  if (!observer) return;
  for (const r of plan.rejected) observer.rejected?.(r.event.type, r.reason);
  for (const t of plan.transitions) observer.transition?.(t.from, t.to, t.event, pool);
}

async function perform(deps: RunReconcilerDeps, effect: RunEffect, run: RunRecord, pool: PoolRecord | null): Promise<EffectResult> {
  if (effect.type === 'finalize') {
    // Stopped, whoever observed it (this reconcile or the resync): release, then count. A crash before the
    // FINALIZED write repeats both; release is idempotent, the count may rarely be doubled.
    const arn = run.status.taskDefinitionArn;
    if (arn && deps.releaseTaskDefinition) await deps.releaseTaskDefinition(run, arn, pool ?? undefined);
    await deps.afterConclusion?.(run, pool);
    const cost = deps.cost?.(run, pool);
    deps.observer?.concluded?.(effect.outcome, run, cost);
    return cost === undefined ? { type: 'finalize' } : { type: 'finalize', cost };
  }
  if (effect.type === 'describeTask') {
    const cluster = effect.clusterArn ?? pool?.spec.cluster;
    const target = targetOfTask(effect.taskArn, pool?.spec);
    const request = cluster === undefined ? { taskArn: effect.taskArn, target } : { cluster, taskArn: effect.taskArn, target };
    return { type: 'describeTask', attempt: effect.attempt, outcome: await deps.tasks.describe(request) };
  }
  if (effect.type === 'stopTask' && effect.taskArn) {
    const cluster = effect.clusterArn ?? pool?.spec.cluster;
    const target = targetOfTask(effect.taskArn, pool?.spec);
    const request = cluster === undefined ? { taskArn: effect.taskArn, reason: effect.reason, target } : { cluster, taskArn: effect.taskArn, reason: effect.reason, target };
    return { type: 'stopTask', attempt: effect.attempt, outcome: await deps.tasks.stop(request) };
  }
  if (!pool) throw new Error(`pool "${run.spec.pool}" of run "${run.metadata.name}" not found`);
  switch (effect.type) {
    case 'resolveTaskDefinition':
      return { type: 'resolveTaskDefinition', resolution: await deps.resolver.resolve(pool, run) };
    case 'runTask': {
      const taskDefinitionArn = run.status.taskDefinitionArn;
      if (!taskDefinitionArn) throw new UnreadableRunError(`run "${run.metadata.name}" is launching without a task definition`);
      const outcome = await deps.tasks.launch({ pool, run, attempt: effect.attempt, taskDefinitionArn, ...(effect.onDemand ? { onDemand: true } : {}) });
      if (outcome.kind === 'stale-task-definition') await deps.resolver.invalidate?.(pool, run, taskDefinitionArn);
      return { type: 'runTask', attempt: effect.attempt, outcome };
    }
    case 'stopTask':
      return { type: 'stopTask', attempt: effect.attempt, outcome: await deps.tasks.findLaunched({ pool, run, attempt: effect.attempt }) };
  }
}

/** The reconciler for the `reconcile-run` queue: keys are run names. */
export function createRunReconciler(deps: RunReconcilerDeps): Reconciler {
  return async (key, context) => {
    try {
      return await reconcileRun(deps, key, context.logger);
    } catch (error) {
      if (error instanceof UnreadableRunError) throw new TerminalError(error.message, error);
      throw error;
    }
  };
}
