/**
 * Control messages (cancel, kill) from the durable control stream, handled idempotently: redelivery of a
 * message does no harm. cancel sets spec.cancelRequested (generation + 1) through the store and wakes the
 * run, whose reconcile ends it cancelled — never launched if its launch had not been decided (written) yet, by
 * StopTask otherwise.
 * kill stops a task now: the run's current task, or any task ARN, even one no run owns. Every kill that
 * is settled (stopped, nothing to stop — no live task, or a task that had already stopped —, or refused by
 * AWS) is answered through `reply`, so the sender can
 * tell the user; throttles and budget waits are not settled — the message is redelivered and answered then.
 */
import type { AwsTarget } from '../../controller/aws/target.js';
import type { StopTaskCommandInput, StopTaskCommandOutput } from '@aws-sdk/client-ecs';
import type { Logger } from 'pino';
import type { ControlMessage, ControlReply, KillMessage } from '../../controller/api/control.js';
import type { RunRecord } from '../../controller/api/run.js';
import { BudgetExhaustedError, GatewayError, isRetryableKind } from '../../controller/aws/errors.js';
import type { CallOptions } from '../../controller/aws/gateway.js';
import { clusterArnOf } from '../run/ecs-adapter.js';

export const KILL_REASON = 'Longshore: killed by user';

export interface ControlStore {
  getRun(name: string): Promise<RunRecord | null>;
  /**
   * Sets spec.cancelRequested; a no-op for a stopped run or one already cancelling. `known`: the record just
   * read, so the store need not read it again (its compare-and-set still guards against a newer one).
   */
  requestCancel(name: string, known?: RunRecord, options?: { wokenByCaller?: boolean }): Promise<RunRecord>;
  runNameForTask(taskArn: string): Promise<string | null>;
}

export interface ControlDeps {
  store: ControlStore;
  gateway: { stopTask(input: StopTaskCommandInput, options?: CallOptions): Promise<StopTaskCommandOutput> };
  wake(queue: 'reconcile-run', key: string): Promise<void>;
  /** Answers the sender of message `id` (see ControlStream.reply); optional, the kill happens regardless. */
  reply?(id: string, reply: ControlReply): Promise<void>;
  /** Where a task known by its ARN is stopped (its Region, the role of its account); the controller's own when absent. */
  targetOf?: (taskArn: string) => Promise<AwsTarget>;
  logger?: Logger;
}

export type KillPlan =
  | { kind: 'stop'; taskArn: string; cluster?: string; reason: string; run?: string }
  | { kind: 'nothing'; why: string };

/** Which task a kill stops, pure: the run's live attempt, or the named task (cluster from the run or the ARN). */
export function planKill(message: KillMessage, run: RunRecord | null): KillPlan {
  const reason = (message.reason ?? KILL_REASON).slice(0, 255);
  if (message.taskArn !== undefined) {
    const attempt = run?.status.attempts.find((a) => a.taskArn === message.taskArn);
    const cluster = attempt?.clusterArn ?? clusterArnOf(message.taskArn, undefined);
    const plan: KillPlan = { kind: 'stop', taskArn: message.taskArn, cluster, reason };
    if (run) plan.run = run.metadata.name;
    return plan;
  }
  if (!run) return { kind: 'nothing', why: `run "${message.run ?? ''}" not found` };
  const live = [...run.status.attempts].reverse().find((a) => a.taskArn !== undefined && a.stoppedAt === undefined);
  if (run.status.phase === 'stopped' || !live?.taskArn) return { kind: 'nothing', why: `run "${run.metadata.name}" has no live task` };
  const plan: KillPlan = { kind: 'stop', taskArn: live.taskArn, reason, run: run.metadata.name };
  if (live.clusterArn !== undefined) plan.cluster = live.clusterArn;
  return plan;
}

export function createControlHandler(deps: ControlDeps): (entry: { id: string; message: ControlMessage }) => Promise<void> {
  return async ({ id, message }) => {
    if (message.type === 'cancel') {
      const run = await deps.store.getRun(message.run);
      if (!run) {
        deps.logger?.warn({ controlId: id, run: message.run }, 'cancel for an unknown run ignored');
        return;
      }
      // The handler wakes the run itself, after the write and also when the run was already cancelling (a
      // redelivered message whose first handling died before its wake): the feed need not wake it again.
      await deps.store.requestCancel(message.run, run, { wokenByCaller: true });
      await deps.wake('reconcile-run', message.run);
      return;
    }
    const runName = message.run ?? (message.taskArn !== undefined ? await deps.store.runNameForTask(message.taskArn) : null);
    const run = runName ? await deps.store.getRun(runName) : null;
    const plan = planKill(message, run);
    if (plan.kind === 'nothing') {
      deps.logger?.warn({ controlId: id, why: plan.why }, 'kill had nothing to stop');
      await deps.reply?.(id, { outcome: 'nothing', message: plan.why });
      return;
    }
    const outcome = await stopForKill(deps, plan, id);
    if (plan.run) await deps.wake('reconcile-run', plan.run);
    await deps.reply?.(id, outcome);
  };
}

async function stopForKill(deps: ControlDeps, plan: Extract<KillPlan, { kind: 'stop' }>, id: string): Promise<ControlReply> {
  const input: StopTaskCommandInput = { task: plan.taskArn, reason: plan.reason };
  if (plan.cluster !== undefined) input.cluster = plan.cluster;
  try {
    const target = deps.targetOf ? await deps.targetOf(plan.taskArn) : undefined;
    const output = await deps.gateway.stopTask(input, { wait: true, ...(target ? { target } : {}) });
    const task = output.task;
    const status = task?.lastStatus;
    // ECS answers StopTask for a task that stopped long ago (it stays visible for about an hour) as if it had
    // stopped it now: the task it returns is already STOPPED. That kill stopped nothing, and the user must hear so.
    if (status === 'STOPPED') {
      const when = task?.stoppedAt ? ` at ${new Date(task.stoppedAt).toISOString()}` : '';
      const why = [task?.stopCode, task?.stoppedReason].filter(Boolean).join(': ');
      return { outcome: 'nothing', message: `task ${plan.taskArn} had already stopped${when}${why ? ` (${why})` : ''}` };
    }
    return { outcome: 'done', message: `StopTask accepted for ${plan.taskArn}${status ? ` (last status ${status})` : ''}` };
  } catch (error) {
    // Budget and throttles: let the follower redeliver. A wrong or vanished task: tell the sender AWS's words.
    if (error instanceof BudgetExhaustedError) throw error;
    if (error instanceof GatewayError && isRetryableKind(error.kind)) throw error;
    // Only the task and the error: never the request (which might one day carry more than a reason).
    deps.logger?.warn({ controlId: id, taskArn: plan.taskArn, err: error }, 'kill could not stop the task');
    return { outcome: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}
