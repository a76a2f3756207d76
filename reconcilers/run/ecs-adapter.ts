/**
 * RunTaskPort over the AWS gateway: RunTask through reconcilers/launch (input building, pacing buckets,
 * outcome classification), StopTask and the startedBy search. Expected AWS answers become values; budget
 * and throttle trouble becomes `retry`; anything unexpected is thrown for the job adapter to back off.
 */
import { DEFAULT_ACCOUNT, targetOfPool } from '../../controller/aws/target.js';
import { scopeOf, type HomeScope } from '../../controller/aws/budget-keys.js';
import type { AwsVpcConfiguration, DescribeTasksCommandInput, DescribeTasksCommandOutput, ListTasksCommandInput, ListTasksCommandOutput, StopTaskCommandInput, StopTaskCommandOutput } from '@aws-sdk/client-ecs';
import type { PoolRecord } from '../../controller/api/pool.js';
import type { RunRecord } from '../../controller/api/run.js';
import { BudgetExhaustedError, GatewayError, describeError, isRetryableKind } from '../../controller/aws/errors.js';
import { startedByFor } from '../launch/identity.js';
import { launch } from '../launch/launch.js';
import type { LaunchBreaker } from '../launch/breaker.js';
import type { LaunchOutcome } from '../launch/outcome.js';
import type { CallOptions, ShareCaller } from '../../controller/aws/gateway.js';
import type { RunTaskGateway } from '../launch/ports.js';
import { buildRunTaskInput, LaunchInputError, type ResolvedTaskDefinition } from '../launch/run-task-input.js';
import { resolvePlacement } from '../taskdef/placement.js';
import { onDemandPlacement } from '../launch/on-demand.js';
import { observationOf } from '../observe/task-observation.js';
import type { CallRetry, LaunchRequest, RunTaskPort, SearchOutcome, StopOutcome } from './ports.js';

export interface RunEcsGateway extends RunTaskGateway {
  describeTasks(input: DescribeTasksCommandInput, options?: CallOptions): Promise<DescribeTasksCommandOutput>;
  stopTask(input: StopTaskCommandInput, options?: CallOptions): Promise<StopTaskCommandOutput>;
  listTasks(input: ListTasksCommandInput, options?: CallOptions): Promise<ListTasksCommandOutput>;
}

/** `network`: the pool's awsvpc configuration, present exactly when the revision's network mode is awsvpc. */
export type LaunchDetails =
  | (ResolvedTaskDefinition & { network?: AwsVpcConfiguration })
  | { retryAfterMs: number; message?: string; waiting?: true }
  | { failed: string };

export interface RunEcsDeps {
  gateway: RunEcsGateway;
  /** LONGSHORE_NAMESPACE: part of every task's startedBy. */
  namespace: string;
  /**
   * The orchestration container and network mode of the revision (TASKDEFS' resolver answers from its cache)
   * and, for awsvpc, the pool's network (its own, or inferred once per pool generation).
   */
  launchDetails(pool: PoolRecord, run: RunRecord, taskDefinitionArn: string): Promise<LaunchDetails>;
  defaultRegion?: string | undefined;
  /** The controller's home account-region, so a role into its own account names the same clusters; `defaultRegion` alone when absent. */
  home?: HomeScope;
  /** The clusters' RunTask breakers (shared in Redis); without it every launch calls RunTask. */
  breaker?: LaunchBreaker;
}

const RETRY_FALLBACK_MS = 1000;

export function createRunEcsPort(deps: RunEcsDeps): RunTaskPort {
  return {
    async launch(request: LaunchRequest): Promise<LaunchOutcome> {
      const { pool, run, attempt, taskDefinitionArn } = request;
      const details = await deps.launchDetails(pool, run, taskDefinitionArn);
      if ('retryAfterMs' in details) {
        const message = details.message ?? 'task definition details not available yet';
        // Waiting its turn (the pool's network being resolved by another replica, an empty EC2 budget) is a
        // place in line like our own RunTask pacing, not a failed launch try: no backoff, no warning, no
        // launch deadline (the resolver's lock bounds the wait). Found with the benchmark: at a burst's start
        // every run of the other replica logged "RunTask keeps failing" and backed off ~0.7 s or more.
        if (details.waiting) return { kind: 'retry', cause: 'pacing', reason: 'NetworkResolving', message, retryAfterMs: details.retryAfterMs };
        return { kind: 'retry', cause: 'dependency', reason: 'TaskDefinitionDetails', message, retryAfterMs: details.retryAfterMs };
      }
      if ('failed' in details) return { kind: 'terminal', reason: 'TaskDefinition', message: details.failed };
      const { network, ...resolved } = details;
      const taskDefinition: ResolvedTaskDefinition = { ...resolved, taskDefinitionArn };
      const configured = resolvePlacement(pool, run);
      const placement = request.onDemand ? onDemandPlacement(configured) : configured;
      let input;
      try {
        input = buildRunTaskInput({ pool, run, attempt, namespace: deps.namespace, taskDefinition, placement, ...(network ? { network } : {}) });
      } catch (error) {
        if (error instanceof LaunchInputError) return { kind: 'terminal', reason: 'InvalidLaunchInput', message: error.message };
        throw error;
      }
      const context = {
        region: pool.spec.region ?? deps.defaultRegion,
        logsEnabled: pool.spec.cloudwatchLogs?.enabled === true,
        executionRoleArn: pool.spec.executionRoleArn,
      };
      const share = shareCallerOf(pool, run.metadata.name);
      const send = () => launch(deps.gateway, input, { placement, context, wait: false, target: targetOfPool(pool.spec), share });
      if (!deps.breaker) return send();
      // Clusters of the same name in two accounts are two clusters: the breaker's key names the account too.
      const scope = scopeOf(targetOfPool(pool.spec), deps.home ?? { region: deps.defaultRegion });
      const where = scope.account === DEFAULT_ACCOUNT ? scope.region : `${scope.account}/${scope.region}`;
      return deps.breaker.guard({ region: where, cluster: pool.spec.cluster ?? 'default' }, send);
    },

    async stop(request): Promise<StopOutcome> {
      const input: StopTaskCommandInput = { task: request.taskArn, reason: request.reason.slice(0, 255) };
      if (request.cluster !== undefined) input.cluster = request.cluster;
      try {
        const output = await deps.gateway.stopTask(input, { wait: false, ...(request.target ? { target: request.target } : {}) });
        const task = output.task ? observationOf(output.task) : undefined;
        return task ? { kind: 'observed', task } : { kind: 'missing' };
      } catch (error) {
        const retry = retryOf(error);
        if (retry) return retry;
        if (isTaskNotFound(error)) return { kind: 'missing' };
        throw error;
      }
    },

    async describe(request): Promise<StopOutcome> {
      const input: DescribeTasksCommandInput = { tasks: [request.taskArn] };
      if (request.cluster !== undefined) input.cluster = request.cluster;
      try {
        const output = await deps.gateway.describeTasks(input, { wait: false, ...(request.target ? { target: request.target } : {}) });
        const task = output.tasks?.find((t) => t.taskArn === request.taskArn);
        const observation = task ? observationOf(task) : undefined;
        return observation ? { kind: 'observed', task: observation } : { kind: 'missing' };
      } catch (error) {
        const retry = retryOf(error);
        if (retry) return retry;
        throw error;
      }
    },

    async findLaunched({ pool, run }): Promise<SearchOutcome> {
      // "When you specify startedBy as the filter, it must be the only filter that you use" (API_ListTasks), so
      // no desiredStatus: ListTasks' default status filter is RUNNING, which is the filter this lookup wants.
      const input: ListTasksCommandInput = { startedBy: startedByFor(deps.namespace, run.metadata.name) };
      if (pool.spec.cluster !== undefined) input.cluster = pool.spec.cluster;
      try {
        const output = await deps.gateway.listTasks(input, { wait: false, target: targetOfPool(pool.spec) });
        const taskArn = output.taskArns?.[0];
        if (!taskArn) return { kind: 'none' };
        return { kind: 'found', taskArn, clusterArn: clusterArnOf(taskArn, pool.spec.cluster) };
      } catch (error) {
        const retry = retryOf(error);
        if (retry) return retry;
        throw error;
      }
    },
  };
}

/** The pool's fair-share identity for a run's calls (its `scheduling`; defaults for a record stored before it existed). */
export function shareCallerOf(pool: PoolRecord, caller: string): ShareCaller {
  // A record written before `scheduling` existed has no such field until it is next written.
  const scheduling = (pool.spec as Partial<Pick<PoolRecord['spec'], 'scheduling'>>).scheduling;
  return { pool: pool.metadata.name, caller, weight: scheduling?.weight ?? 1, priority: scheduling?.priority ?? 0 };
}

/** Our own pacing, or an AWS error worth retrying (with its name and message, for the run's status). */
function retryOf(error: unknown): CallRetry | undefined {
  if (error instanceof BudgetExhaustedError) return { kind: 'retry', cause: 'pacing', retryAfterMs: error.retryAfterMs };
  if (error instanceof GatewayError && isRetryableKind(error.kind)) {
    const { code, message } = describeError(error);
    const cause = error.kind === 'throttled' ? 'throttled' : 'transient';
    return { kind: 'retry', cause, reason: code, message: `${code}: ${message}`, retryAfterMs: error.retryAfterMs ?? RETRY_FALLBACK_MS };
  }
  return undefined;
}

function isTaskNotFound(error: unknown): boolean {
  if (!(error instanceof GatewayError)) return false;
  const message = error.cause instanceof Error ? error.cause.message : error.message;
  return error.kind === 'notFound' || (error.kind === 'client' && /task was not found|task .*not found/i.test(message));
}

/** Task ARNs embed the cluster name: arn:aws:ecs:<region>:<account>:task/<cluster>/<id>. */
export function clusterArnOf(taskArn: string, fallback: string | undefined): string {
  const match = /^arn:([^:]+):ecs:([^:]+):([^:]+):task\/([^/]+)\/[^/]+$/.exec(taskArn);
  if (match) return `arn:${match[1]}:ecs:${match[2]}:${match[3]}:cluster/${match[4]}`;
  return fallback ?? 'default';
}
