/**
 * MODEL, not product code: Prefect's ECS worker algorithm (prefect-aws `ECSWorker`, as of the version before
 * "Move ECS worker to event-based crash detection", PrefectHQ/prefect#18804, October 2025, i.e. the worker
 * users ran through 2025), re-expressed in TypeScript so the benchmark can run it against the same simulator
 * and workload as Longshore. Sources: src/integrations/prefect-aws/prefect_aws/workers/ecs_worker.py and
 * src/prefect/workers/base.py at PrefectHQ/prefect d644242608^; docs/benchmark.md lists what is modelled.
 *
 * Per flow run (`ECSWorker.run`):
 *  1. `_get_or_register_task_definition`: the process-wide `_TASK_DEFINITION_CACHE` keyed by deployment id; on a
 *     hit, DescribeTaskDefinition of the cached ARN (a miss when it fails or is not ACTIVE); on a miss,
 *     RegisterTaskDefinition — nothing serialises concurrent misses of the same family. The ARN is cached.
 *  2. `_load_network_configuration` (awsvpc, no network configuration given): DescribeVpcs (default VPC) and
 *     DescribeSubnets, every run.
 *  3. `_create_task_run`: RunTask, retried by tenacity (`stop_after_attempt(3)`, `wait_fixed(1) + wait_random(0, 3)`)
 *     when it raises or answers `failures`; every boto3 call also retries by itself (boto-retries.ts).
 *  4. `_wait_for_task_start` then `_wait_for_task_finish` (`_watch_task_run`): DescribeTasks of this one task,
 *     then `task_watch_poll_interval` (5 s), until RUNNING (STOPPED first, or 300 s, `task_start_timeout_seconds`:
 *     the run crashes) and then until STOPPED; the essential container's exit code is the run's status code.
 *  Any exception ends the flow run crashed; a non-zero (or missing) exit code ends it failed. Prefect does not
 *  retry infrastructure: a Spot interruption or a task that failed to start is the run's end.
 *  Each of steps 1–3+start and 4's finish runs in a worker thread (`run_sync_in_worker_thread`), bounded by
 *  Prefect's process-wide thread limiter of 250 (prefect.utilities.asyncutils.get_thread_limiter).
 */
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import { DescribeSubnetsCommand, DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { withBotoRetries, type RetryCounters } from './boto-retries.js';

export const PREFECT_DEFAULTS = {
  /** ECSJobConfiguration.task_watch_poll_interval. */
  taskWatchPollIntervalSeconds: 5,
  /** ECSJobConfiguration.task_start_timeout_seconds. */
  taskStartTimeoutSeconds: 300,
  /** MAX_CREATE_TASK_RUN_ATTEMPTS, CREATE_TASK_RUN_MIN_DELAY_SECONDS, jitter 0–3 s. */
  createTaskRunAttempts: 3,
  createTaskRunDelaySeconds: 1,
  createTaskRunJitterSeconds: 3,
  /** PREFECT_WORKER_QUERY_SECONDS, and PREFECT_API_DEFAULT_LIMIT (the server's page of scheduled runs). */
  querySeconds: 10,
  scheduledRunsPerQuery: 200,
  /** get_thread_limiter(): anyio.CapacityLimiter(250), per process. */
  threadLimiter: 250,
};

/** A flow run as the model receives it from the "work pool": its deployment and the container's overrides. */
export interface ModelFlowRun {
  name: string;
  deployment: string;
  env: Record<string, string>;
  spot: boolean;
}

export interface ModelRunResult {
  name: string;
  worker: string;
  /** succeeded (exit 0), failed (non-zero or no exit code), crashed (an exception in the worker). */
  outcome: 'succeeded' | 'failed' | 'crashed';
  message?: string;
  runningAtMs?: number;
  finishedAtMs: number;
}

export interface ModelEnvironment {
  ecs: ECSClient;
  ec2: EC2Client;
  cluster: string;
  image: string;
  random: () => number;
  /** Waits simulated seconds (the model runs on the simulator's clock). */
  sleep: (simulatedSeconds: number) => Promise<void>;
  /** Simulated seconds since some fixed moment. */
  simulatedNow: () => number;
  counters: RetryCounters;
}

/** anyio.CapacityLimiter: at most `tokens` holders, the rest wait in line. */
class CapacityLimiter {
  private waiting: Array<() => void> = [];
  constructor(private tokens: number) {}
  async run<T>(section: () => Promise<T>): Promise<T> {
    if (this.tokens > 0) this.tokens -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await section();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.tokens += 1;
    }
  }
}

class TaskStopped extends Error {}

/** One worker process: its own task-definition cache, clients and thread limiter. */
export class PrefectEcsWorkerModel {
  private readonly taskDefinitionCache = new Map<string, string>();
  private readonly limiter = new CapacityLimiter(PREFECT_DEFAULTS.threadLimiter);

  constructor(readonly name: string, private readonly env: ModelEnvironment) {}

  private aws<T>(call: () => Promise<T>): Promise<T> {
    return withBotoRetries(call, this.env.sleep, this.env.random, this.env.counters);
  }

  async run(flowRun: ModelFlowRun): Promise<ModelRunResult> {
    let runningAtMs: number | undefined;
    try {
      const task = await this.limiter.run(async () => {
        const taskDefinitionArn = await this.getOrRegisterTaskDefinition(flowRun.deployment);
        const created = await this.createTaskRun(flowRun, taskDefinitionArn, await this.loadNetworkConfiguration());
        const started = await this.watch(created, 'RUNNING', PREFECT_DEFAULTS.taskStartTimeoutSeconds);
        if (started.lastStatus === 'STOPPED') throw new TaskStopped(`${started.stopCode ?? 'Stopped'}: ${started.stoppedReason ?? ''}`);
        runningAtMs = Date.now();
        return created;
      });
      const finished = await this.limiter.run(() => this.watch(task, 'STOPPED', undefined));
      const exitCode = finished.containers?.[0]?.exitCode;
      const message = exitCode === undefined ? `no exit code (${finished.stopCode ?? ''}: ${finished.stoppedReason ?? ''})` : `exit code ${exitCode}`;
      return { name: flowRun.name, worker: this.name, outcome: exitCode === 0 ? 'succeeded' : 'failed', message, runningAtMs, finishedAtMs: Date.now() };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { name: flowRun.name, worker: this.name, outcome: 'crashed', message, runningAtMs, finishedAtMs: Date.now() };
    }
  }

  private taskDefinition(deployment: string) {
    return {
      family: `prefect_${deployment}`,
      containerDefinitions: [{ name: 'prefect', image: this.env.image, essential: true }],
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc' as const,
      requiresCompatibilities: ['FARGATE' as const],
    };
  }

  private async getOrRegisterTaskDefinition(deployment: string): Promise<string> {
    let cached = this.taskDefinitionCache.get(deployment);
    if (cached !== undefined) {
      try {
        const described = await this.aws(() => this.env.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: cached })));
        if (described.taskDefinition?.status !== 'ACTIVE') cached = undefined;
      } catch {
        cached = undefined; // "Failed to retrieve task definition for cached arn": registers again
      }
    }
    if (cached === undefined) {
      const registered = await this.aws(() => this.env.ecs.send(new RegisterTaskDefinitionCommand(this.taskDefinition(deployment))));
      cached = registered.taskDefinition?.taskDefinitionArn;
      if (cached === undefined) throw new Error('RegisterTaskDefinition answered no ARN');
    }
    this.taskDefinitionCache.set(deployment, cached);
    return cached;
  }

  private async loadNetworkConfiguration() {
    const vpcs = await this.aws(() => this.env.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] })));
    const vpcId = vpcs.Vpcs?.[0]?.VpcId;
    if (vpcId === undefined) throw new Error('Failed to find the default VPC. Network configuration cannot be inferred.');
    const subnets = await this.aws(() => this.env.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })));
    const ids = (subnets.Subnets ?? []).map((s) => s.SubnetId).filter((id): id is string => id !== undefined);
    if (ids.length === 0) throw new Error('Failed to find subnets for the default VPC. Network configuration cannot be inferred.');
    return { awsvpcConfiguration: { subnets: ids, assignPublicIp: 'ENABLED' as const, securityGroups: [] } };
  }

  private async createTaskRun(flowRun: ModelFlowRun, taskDefinition: string, networkConfiguration: Awaited<ReturnType<PrefectEcsWorkerModel['loadNetworkConfiguration']>>): Promise<Task> {
    const request = new RunTaskCommand({
      cluster: this.env.cluster,
      taskDefinition,
      networkConfiguration,
      ...(flowRun.spot ? { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] } : { launchType: 'FARGATE' }),
      overrides: { containerOverrides: [{ name: 'prefect', environment: Object.entries(flowRun.env).map(([name, value]) => ({ name, value })) }] },
    });
    for (let attempt = 1; ; attempt += 1) {
      try {
        const answer = await this.aws(() => this.env.ecs.send(request));
        if (answer.failures?.length) throw new Error(`Failed to run ECS task: ${answer.failures[0].reason ?? 'unknown'}`);
        const task = answer.tasks?.[0];
        if (task === undefined) throw new Error('Failed to run ECS task: no tasks or failures were returned.');
        return task;
      } catch (error) {
        if (attempt >= PREFECT_DEFAULTS.createTaskRunAttempts) throw error;
        await this.env.sleep(PREFECT_DEFAULTS.createTaskRunDelaySeconds + this.env.random() * PREFECT_DEFAULTS.createTaskRunJitterSeconds);
      }
    }
  }

  /** `_watch_task_run`: DescribeTasks, then the poll interval, until `until` or STOPPED (or the timeout). */
  private async watch(task: Task, until: 'RUNNING' | 'STOPPED', timeoutSeconds: number | undefined): Promise<Task> {
    const started = this.env.simulatedNow();
    for (;;) {
      const described = await this.aws(() => this.env.ecs.send(new DescribeTasksCommand({ cluster: task.clusterArn, tasks: [task.taskArn ?? ''], include: ['TAGS'] })));
      const current = described.tasks?.[0];
      if (current !== undefined && (current.lastStatus === until || current.lastStatus === 'STOPPED')) return current;
      if (timeoutSeconds !== undefined && this.env.simulatedNow() - started > timeoutSeconds) {
        throw new Error(`Timed out after ${timeoutSeconds}s while watching task for status ${until}.`);
      }
      await this.env.sleep(PREFECT_DEFAULTS.taskWatchPollIntervalSeconds);
    }
  }
}
