/**
 * The AWS gateway: every ECS, EC2 and CloudWatch Logs call of the controller passes through here. A call
 * 1. takes its tokens from the Redis buckets shared by all replicas (RunTask on Fargate also spends the
 *    Fargate call bucket and one launch token per task), either waiting (bounded) or refusing at once
 *    with BudgetExhaustedError so a reconciler can requeue instead of holding a worker slot;
 * 2. sends the command with SDK retries off, counts it by action and outcome, times it;
 * 3. classifies a failure into a GatewayError; a throttle lowers the shared rate of the categories it spent.
 * In `wait` mode throttled calls — and transient failures of idempotent calls — are sent again (a new
 * *call try*) after full-jitter backoff within the same bounded wait; otherwise the first failure is thrown.
 */
import {
  DeregisterTaskDefinitionCommand, DeregisterTaskDefinitionCommandInput, DeregisterTaskDefinitionCommandOutput,
  DescribeClustersCommand, DescribeClustersCommandInput, DescribeClustersCommandOutput,
  DescribeTaskDefinitionCommand, DescribeTaskDefinitionCommandInput, DescribeTaskDefinitionCommandOutput,
  DescribeTasksCommand, DescribeTasksCommandInput, DescribeTasksCommandOutput,
  ListTaskDefinitionsCommand, ListTaskDefinitionsCommandInput, ListTaskDefinitionsCommandOutput,
  ListTasksCommand, ListTasksCommandInput, ListTasksCommandOutput,
  RegisterTaskDefinitionCommand, RegisterTaskDefinitionCommandInput, RegisterTaskDefinitionCommandOutput,
  RunTaskCommand, RunTaskCommandInput, RunTaskCommandOutput,
  StopTaskCommand, StopTaskCommandInput, StopTaskCommandOutput,
} from '@aws-sdk/client-ecs';
// Types only: these modules are loaded on first use (clients.ts). The command classes are named here too, so
// what the code sends stays readable from its imports (test/unit/iam-policy.test.ts reads them).
import type {
  DescribeSubnetsCommand, DescribeSubnetsCommandInput, DescribeSubnetsCommandOutput,
  DescribeVpcsCommand, DescribeVpcsCommandInput, DescribeVpcsCommandOutput,
} from '@aws-sdk/client-ec2';
import type { GetLogEventsCommand, GetLogEventsCommandInput, GetLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import type { Logger } from 'pino';
import { ExponentialBackoff, fullJitterBackoffMs } from '../backoff.js';
import { loadEc2, loadLogs, type AwsClients } from './clients.js';
import { ACTION_CATEGORY, GatewayAction, ThrottleCategory } from './budgets.js';
import { BudgetExhaustedError, GatewayError, classifyAwsError } from './errors.js';
import type { RedisBudgets, ShareIdentity, ShareLane, TokenRequest } from './redis-budgets.js';
import { fargateLaunchesOf } from './fargate.js';
import type { AwsTarget } from './target.js';

export type { ThrottleCategory } from './budgets.js';
export { BudgetExhaustedError, GatewayError, classifyAwsError, isBudgetExhausted, isGatewayError } from './errors.js';
export type { ErrorKind } from './errors.js';

export interface CallOptions {
  /** false (default for reconcilers): throw BudgetExhaustedError instead of waiting for a token. */
  wait?: boolean;
  /** For RunTask: the Fargate launch bucket and the number of tasks the call launches (inferred from the input when omitted). */
  launches?: { category: 'fargateLaunches' | 'fargateSpotLaunches'; count: number };
  /** Where the call goes (a pool's Region and role); the controller's own Region and credentials when absent. See routed-gateway.ts. */
  target?: AwsTarget;
  /**
   * For RunTask and RegisterTaskDefinition: the pool and run the call is for, so the take waits its pool's
   * turn among the pools waiting for the same budget (fair share, redis-budgets.ts). Other calls ignore it.
   */
  share?: ShareCaller;
}

/** Who a call is for, for fair share: the pool, its `scheduling`, and the caller (the run's name). */
export type ShareCaller = Omit<ShareIdentity, 'lane'>;

/** The calls whose waiting is shared fairly between pools, and the lane each waits in. */
const SHARE_LANES: Partial<Record<GatewayAction, ShareLane>> = { RunTask: 'launch', RegisterTaskDefinition: 'register' };

export interface AwsGateway {
  registerTaskDefinition(input: RegisterTaskDefinitionCommandInput, o?: CallOptions): Promise<RegisterTaskDefinitionCommandOutput>;
  deregisterTaskDefinition(input: DeregisterTaskDefinitionCommandInput, o?: CallOptions): Promise<DeregisterTaskDefinitionCommandOutput>;
  describeTaskDefinition(input: DescribeTaskDefinitionCommandInput, o?: CallOptions): Promise<DescribeTaskDefinitionCommandOutput>;
  listTaskDefinitions(input: ListTaskDefinitionsCommandInput, o?: CallOptions): Promise<ListTaskDefinitionsCommandOutput>;
  runTask(input: RunTaskCommandInput, o?: CallOptions): Promise<RunTaskCommandOutput>;
  stopTask(input: StopTaskCommandInput, o?: CallOptions): Promise<StopTaskCommandOutput>;
  describeTasks(input: DescribeTasksCommandInput, o?: CallOptions): Promise<DescribeTasksCommandOutput>;
  listTasks(input: ListTasksCommandInput, o?: CallOptions): Promise<ListTasksCommandOutput>;
  describeClusters(input: DescribeClustersCommandInput, o?: CallOptions): Promise<DescribeClustersCommandOutput>;
  describeVpcs(input: DescribeVpcsCommandInput, o?: CallOptions): Promise<DescribeVpcsCommandOutput>;
  describeSubnets(input: DescribeSubnetsCommandInput, o?: CallOptions): Promise<DescribeSubnetsCommandOutput>;
  getLogEvents(input: GetLogEventsCommandInput, o?: CallOptions): Promise<GetLogEventsCommandOutput>;
}

/**
 * What the gateway records: the controller's metrics (controller/metrics.ts), or a view of them that adds
 * the account-region labels of one target (routed-gateway.ts), hence the narrow shape.
 */
export interface GatewayMetrics {
  ecsApiCalls: { inc(labels: { action: string; outcome: string }): void };
  ecsApiThrottles: { inc(labels: { action: string }): void };
  ecsApiCallDuration: { observe(labels: { action: string }, seconds: number): void };
  budgetExhausted: { inc(labels: { category: string }): void };
}

export interface GatewayDependencies {
  clients: AwsClients;
  budgets: RedisBudgets;
  metrics?: GatewayMetrics;
  logger?: Logger;
  /** Longest a `wait` call spends waiting for tokens and retrying, in total. */
  maxWaitMs: number;
  /** Call tries (sends of one call, the first included) in `wait` mode for throttled/transient failures (default 4). */
  maxCallTries?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/** Calls that may be repeated after an ambiguous (transient) failure without a second effect. */
function isIdempotent(action: GatewayAction, input: object): boolean {
  if (action === 'RegisterTaskDefinition') return false;
  if (action === 'RunTask') return typeof (input as RunTaskCommandInput).clientToken === 'string';
  return true;
}

/** Retries in `wait` mode: full jitter, the first within 1 s after a throttle, 200 ms after a transient failure. */
const BACKOFF: Record<'throttled' | 'transient', ExponentialBackoff> = {
  throttled: { baseMs: 1_000, capMs: 20_000 },
  transient: { baseMs: 200, capMs: 20_000 },
};
/** The shortest wait a GatewayError suggests (retryAfterMs) after a throttle or a transient failure. */
const MIN_RETRY_HINT_MS = { throttled: 500, transient: 100 } as const;
/** Buckets within this fill fraction of the emptiest one count as throttled too (they were drawn down together). */
const EMPTIEST_SLACK = 0.1;

export function createAwsGateway(deps: GatewayDependencies): AwsGateway {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const maxCallTries = deps.maxCallTries ?? 4;
  const clients = deps.clients;
  const { ecs } = clients;

  async function acquire(requests: TokenRequest[], wait: boolean, deadline: number, share: ShareIdentity | undefined): Promise<void> {
    for (;;) {
      // Bucket levels are exported from Redis by the elected replica (controller/store-gauges.ts), not here.
      const result = await deps.budgets.take(requests, share);
      if (result.granted) return;
      const short = requests.find((r) => (result.levels.find((l) => l.category === r.category)?.tokens ?? 0) + 1e-9 < r.count);
      const category = short?.category ?? requests[0].category;
      deps.metrics?.budgetExhausted.inc({ category });
      const delay = result.retryAfterMs + Math.floor(random() * 10);
      if (!wait || now() + delay > deadline) throw new BudgetExhaustedError(category, result.retryAfterMs);
      await sleep(delay);
    }
  }

  async function call<I extends object, O>(action: GatewayAction, input: I, o: CallOptions | undefined, send: () => Promise<O>, extra: TokenRequest[] = []): Promise<O> {
    const wait = o?.wait ?? false;
    const deadline = now() + deps.maxWaitMs;
    const requests: TokenRequest[] = [{ category: ACTION_CATEGORY[action], count: 1 }, ...extra];
    const lane = SHARE_LANES[action];
    const share = lane !== undefined && o?.share !== undefined ? { ...o.share, lane } : undefined;
    for (let callTry = 1; ; callTry++) {
      await acquire(requests, wait, deadline, share);
      const started = performance.now();
      try {
        const output = await send();
        deps.metrics?.ecsApiCalls.inc({ action, outcome: 'success' });
        return output;
      } catch (error) {
        const c = classifyAwsError(error);
        deps.metrics?.ecsApiCalls.inc({ action, outcome: c.kind });
        const backoffMs = fullJitterBackoffMs(c.kind === 'throttled' ? BACKOFF.throttled : BACKOFF.transient, callTry, random);
        if (c.kind === 'throttled') {
          deps.metrics?.ecsApiThrottles.inc({ action });
          await lowerRates(requests.map((r) => r.category));
        }
        deps.logger?.debug({ action, kind: c.kind, code: c.code, callTry, err: c.message }, 'aws call failed');
        const retryable = c.kind === 'throttled' || (c.kind === 'transient' && isIdempotent(action, input));
        if (wait && retryable && callTry < maxCallTries && now() + backoffMs < deadline) {
          await sleep(backoffMs);
          continue;
        }
        const hint = c.kind === 'throttled' || c.kind === 'transient' ? Math.max(backoffMs, MIN_RETRY_HINT_MS[c.kind]) : undefined;
        throw new GatewayError(c.kind, action, c.code, `${action}: ${c.code}: ${c.message}`, error, hint);
      } finally {
        deps.metrics?.ecsApiCallDuration.observe({ action }, (performance.now() - started) / 1000);
      }
    }
  }

  /**
   * A throttle does not say which of the call's buckets AWS ran out of (a Fargate RunTask spends three). The
   * one we were drawing down is the one ours says is emptiest: only that one (and any as empty) is lowered,
   * so a RunTask throttle no longer halves the launch and cluster-modify rates along with the call rate.
   */
  async function throttledCategories(categories: ThrottleCategory[]): Promise<ThrottleCategory[]> {
    if (categories.length < 2) return categories;
    try {
      const fills = await Promise.all(categories.map(async (category) => {
        const level = await deps.budgets.level(category);
        return { category, fill: level.tokens / deps.budgets.usableBurst(category) };
      }));
      const emptiest = Math.min(...fills.map((f) => f.fill));
      return fills.filter((f) => f.fill <= emptiest + EMPTIEST_SLACK).map((f) => f.category);
    } catch {
      return categories;
    }
  }

  async function lowerRates(spent: ThrottleCategory[]): Promise<void> {
    for (const category of await throttledCategories(spent)) {
      try {
        await deps.budgets.recordThrottle(category);
      } catch (error) {
        // Pacing is best effort here; the call's own error is what the caller must see.
        deps.logger?.warn({ category, err: error }, 'could not record throttle');
      }
    }
  }

  return {
    registerTaskDefinition: (input, o) => call('RegisterTaskDefinition', input, o, () => ecs.send(new RegisterTaskDefinitionCommand(input))),
    deregisterTaskDefinition: (input, o) => call('DeregisterTaskDefinition', input, o, () => ecs.send(new DeregisterTaskDefinitionCommand(input))),
    describeTaskDefinition: (input, o) => call('DescribeTaskDefinition', input, o, () => ecs.send(new DescribeTaskDefinitionCommand(input))),
    listTaskDefinitions: (input, o) => call('ListTaskDefinitions', input, o, () => ecs.send(new ListTaskDefinitionsCommand(input))),
    runTask: (input, o) => {
      const launches = o?.launches ?? fargateLaunchesOf(input);
      const extra: TokenRequest[] = launches
        ? [{ category: 'fargateRunTaskCalls', count: 1 }, { category: launches.category, count: launches.count }]
        : [];
      return call('RunTask', input, o, () => ecs.send(new RunTaskCommand(input)), extra);
    },
    stopTask: (input, o) => call('StopTask', input, o, () => ecs.send(new StopTaskCommand(input))),
    describeTasks: (input, o) => call('DescribeTasks', input, o, () => ecs.send(new DescribeTasksCommand(input))),
    listTasks: (input, o) => call('ListTasks', input, o, () => ecs.send(new ListTasksCommand(input))),
    describeClusters: (input, o) => call('DescribeClusters', input, o, () => ecs.send(new DescribeClustersCommand(input))),
    // EC2 and CloudWatch Logs: their SDK modules are loaded on the first such call (clients.ts).
    describeVpcs: (input, o) => call('DescribeVpcs', input, o, async () => {
      const [{ DescribeVpcsCommand }, ec2] = await Promise.all([loadEc2(), clients.ec2()]);
      const command: DescribeVpcsCommand = new DescribeVpcsCommand(input);
      return ec2.send(command);
    }),
    describeSubnets: (input, o) => call('DescribeSubnets', input, o, async () => {
      const [{ DescribeSubnetsCommand }, ec2] = await Promise.all([loadEc2(), clients.ec2()]);
      const command: DescribeSubnetsCommand = new DescribeSubnetsCommand(input);
      return ec2.send(command);
    }),
    getLogEvents: (input, o) => call('GetLogEvents', input, o, async () => {
      const [{ GetLogEventsCommand }, logs] = await Promise.all([loadLogs(), clients.logs()]);
      const command: GetLogEventsCommand = new GetLogEventsCommand(input);
      return logs.send(command);
    }),
  };
}
