/**
 * The ECS simulator, in-process: `startSimulator(options)` serves ECS, CloudWatch Logs, EC2 and SQS on one
 * local endpoint for the real AWS SDK clients. See docs/simulator.md. This module is the package
 * `@longshore/simulator`: its exports are all that code outside simulator/ may use.
 */
import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { AccessKeys, AWS_REGIONS, credentialScopeOf, DEFAULT_REGIONS } from './accounts.js';
import { CallAudit } from './audit.js';
import { ensureCluster, ensureDefaultCluster } from './ecs/clusters.js';
import { ContainerInstances, DEFAULT_CLUSTER_EXTERNAL_INSTANCES, DEFAULT_INSTANCE_CPU, DEFAULT_INSTANCE_MEMORY, InstanceSpecSchema, type ContainerInstanceRecord, type InstanceSpecInput } from './ecs/container-instances.js';
import { EcsStore, type EcsContext } from './ecs/context.js';
import { clusterNameOf } from './ecs/identity.js';
import { createEcsHandler, ECS_TARGET_PREFIX } from './ecs/handler.js';
import { IdempotencyStore } from './ecs/idempotency.js';
import { LifecycleEngine } from './lifecycle/engine.js';
import type { SimTask } from './lifecycle/task.js';
import { taskToWire, type TaskWire } from './lifecycle/task-wire.js';
import { createAwsNames, regionalUrlOf, type AwsDns } from './dns.js';
import { createPeripherals } from './peripherals.js';
import { PersistentFaults, type PersistentFault, type PersistentFaultInput } from './persistent-faults.js';
import { mulberry32 } from './random.js';
import { loadScenarioFile, parseScenario, type Scenario, type ScenarioInput } from './scenario.js';
import { realScheduler, type Scheduler } from './scheduler.js';
import { startServer } from './server.js';
import { createStsHandler } from './sts.js';
import { resolveThrottleLimits, Throttles, type ThrottleSetting } from './throttle.js';
import { jsonError, type ProtocolHandler, type SimRequest } from './wire.js';

// The package's public surface (package.json "exports" points here): the demo, the benchmark and the
// integration tests use only these names, so everything else in the folder can change freely.
export type { Scenario, ScenarioInput } from './scenario.js';
export type { ThrottleSetting, ThrottleCategory, BucketLimits } from './throttle.js';
export { THROTTLE_DEFAULTS } from './throttle.js';
/** The seeded generator behind every simulated choice; the benchmark draws its workload from it too. */
export { mulberry32 } from './random.js';
export { AWS_REGIONS, DEFAULT_REGIONS } from './accounts.js';
export type { AwsDns } from './dns.js';
export type { PersistentFault, PersistentFaultInput } from './persistent-faults.js';
export type { InstanceSpecInput } from './ecs/container-instances.js';

export interface SimulatorOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** k > 0: everything runs k times faster (durations ÷ k, refill rates × k). Default 1. */
  timeScale?: number;
  /** A scenario object or the path of a scenario JSON file. Default: the built-in scenario. */
  scenario?: ScenarioInput | string;
  /** Seed for every random choice (ids, durations, outcomes, faults). Default: random (see `seed`). */
  seed?: number;
  /** true/undefined = AWS defaults; false = off; an object overrides single categories. */
  throttling?: ThrottleSetting;
  /** The default Region (unsigned requests land here). Default us-east-1. */
  region?: string;
  /** The default account: any access key the simulator did not issue belongs to it. Default 123456789012. */
  accountId?: string;
  /**
   * The Regions served (ECS state, ARNs and throttles are per account and Region). Default DEFAULT_REGIONS,
   * the Regions every account has enabled; a request signed for another Region gets UnrecognizedClientException.
   * A Region that does not exist (neither in AWS_REGIONS nor here) has no names in `dns`.
   */
  regions?: readonly string[];
  /** Further accounts whose roles STS AssumeRole may assume (the default account always may). */
  accounts?: readonly string[];
  /** Role ARN → the external id its trust policy requires. */
  externalIds?: Readonly<Record<string, string>>;
  /** How long RegisterTaskDefinition takes, simulated ms (÷ timeScale). Default 200. */
  registrationDelayMs?: number;
  /** How long STOPPED tasks stay describable, simulated ms. Default one hour. */
  stoppedTaskRetentionMs?: number;
  /** Name of the SQS queue that receives task state change events. Default longshore-task-events. */
  eventQueueName?: string;
  /** Injected time source (tests). Default: real timers and Date.now. */
  scheduler?: Scheduler;
  /** Called with the task as DescribeTasks shows it after every change (also published to SQS). */
  onTaskChange?: (task: TaskWire) => void;
}

export interface AuditTask {
  taskArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  startedBy: string | null;
  clientToken: string | null;
  lastStatus: string;
  stopCode: string | null;
}

export interface SimulatorAudit {
  calls: Record<string, { ok: number; throttled: number; error: number }>;
  tasks: AuditTask[];
  registrations: Record<string, number>;
}

/** A registered container instance, as `sim.containerInstances.register` answers it. */
export interface ContainerInstanceInfo {
  containerInstanceArn: string;
  ec2InstanceId: string;
  cluster: string;
  kind: 'EC2' | 'EXTERNAL';
  cpu: number;
  memory: number;
}

/** What to register: `cluster` (name or ARN; it must exist) plus `count`, `kind`, `cpu`, `memory`. */
export type ContainerInstanceRequest = InstanceSpecInput & { cluster?: string };

export interface RunningSimulator {
  /** http://127.0.0.1:<port>: the `endpoint` for every AWS SDK client. */
  url: string;
  /**
   * AWS's regional names (`<service>.<region>.amazonaws.com`) for clients that resolve them through
   * `dns.lookup` at the template `dns.regionalUrl`: the Regions that exist resolve to this simulator, any
   * other fails with ENOTFOUND as on AWS. See docs/simulator.md "Accounts and Regions".
   */
  dns: AwsDns;
  port: number;
  /** URL of the SQS queue receiving "ECS Task State Change" events (every account-region's, by default). */
  eventQueueUrl: string;
  /**
   * URL of the event queue of an account in a Region, created now if missing: where that account-region's
   * task events go under the scenario's `events.delivery: own-account-region` (the default account-region's
   * is `eventQueueUrl`). Named as AWS names queues (`sqs.<region>.amazonaws.com/<account>/<name>`) at this
   * simulator's port; kept, emptied, by reset().
   */
  eventQueueUrlFor(account: string, region: string): string;
  seed: number;
  timeScale: number;
  region: string;
  /** The default account. */
  accountId: string;
  close(): Promise<void>;
  /** Forgets every cluster (but default), task definition, task, token, log line, event and count. */
  reset(): void;
  audit(): SimulatorAudit;
  /** Persistent faults (outages until cleared); reset() keeps only the scenario's own. See docs/simulator.md. */
  faults: {
    add(rule: PersistentFaultInput): PersistentFault;
    remove(id: string): boolean;
    clear(): void;
    list(): PersistentFault[];
  };
  /**
   * Container instances, the capacity of the EC2 and EXTERNAL launch types: none unless registered, as on
   * AWS, but for the default cluster's EXTERNAL ones (DEFAULT_CLUSTER_EXTERNAL_INSTANCES unless the scenario
   * names `default`). reset() keeps only those and the scenario's `clusters`. See docs/simulator.md "Container instances".
   */
  containerInstances: {
    register(request: ContainerInstanceRequest): ContainerInstanceInfo[];
  };
}

export const DEFAULT_EVENT_QUEUE = 'longshore-task-events';

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`timeScale: expected a number > 0, got ${timeScale}`);
  const seed = options.seed ?? randomInt(0, 2 ** 31);
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const host = options.host ?? '127.0.0.1';
  const scenario: Scenario =
    typeof options.scenario === 'string' ? loadScenarioFile(options.scenario) : parseScenario(options.scenario ?? {});
  const scheduler = options.scheduler ?? realScheduler;
  const now = (): number => scheduler.now();
  const toRealMs = (simulatedMs: number): number => simulatedMs / timeScale;
  const callAudit = new CallAudit();
  const throttleLimits = resolveThrottleLimits(options.throttling);
  const servedRegions = new Set(options.regions ?? DEFAULT_REGIONS);
  servedRegions.add(region);
  const keys = new AccessKeys(accountId);
  // The audit keeps a small record per launched task, so expired tasks themselves can be collected.
  const launched: AuditTask[] = [];
  const auditRecords = new Map<string, AuditTask>();
  const idRandom = mulberry32(seed ^ 0x5bd1e995);
  const random = mulberry32(seed);
  const eventQueueName = options.eventQueueName ?? DEFAULT_EVENT_QUEUE;
  const persistentFaults = new PersistentFaults();
  const peripherals = createPeripherals({
    region, accountId, audit: callAudit.record, throttlesFor: () => new Throttles(throttleLimits, timeScale, now), now, scenario, timeScale, eventQueueName,
    eventRandom: mulberry32(seed ^ 0x27d4eb2d),
    faults: persistentFaults,
  });
  const registrationDelayMs = options.registrationDelayMs ?? 200;
  /** One ECS per account and Region ("<account>/<region>"), created on its first request. */
  const partitions = new Map<string, EcsContext>();
  const partitionKey = (account: string, inRegion: string): string => `${account}/${inRegion}`;
  /** The partition a task's ARN names (arn:aws:ecs:<region>:<account>:task/…). */
  const partitionOfArn = (arn: string): EcsContext | undefined => {
    const [, , , arnRegion, arnAccount] = arn.split(':');
    return partitions.get(partitionKey(arnAccount, arnRegion));
  };

  const engine = new LifecycleEngine({
    scheduler,
    toRealMs,
    now,
    stoppedRetentionMs: options.stoppedTaskRetentionMs ?? 3600_000,
    publish: (task) => {
      recordForAudit(task);
      const wire = taskToWire(task);
      peripherals.publish(wire);
      options.onTaskChange?.(wire);
    },
    writeLogs: (task, lines) => writeTaskLogs(task, lines, peripherals.putLogEvents, now),
    onStopped: (task) => {
      const placed = task.hostPlacement;
      if (placed !== undefined) partitionOfArn(task.taskArn)?.containerInstances.release(task.clusterName, placed.containerInstanceArn, placed.cpu, placed.memory);
    },
    onExpired: (task) => {
      partitionOfArn(task.taskArn)?.store.tasks.delete(task.taskId);
      task.wireJson = undefined;
    },
  });
  function recordForAudit(task: SimTask): void {
    let record = auditRecords.get(task.taskArn);
    if (record === undefined) {
      record = {
        taskArn: task.taskArn,
        clusterArn: task.clusterArn,
        taskDefinitionArn: task.taskDefinitionArn,
        startedBy: task.startedBy ?? null,
        clientToken: task.clientToken ?? null,
        lastStatus: task.lastStatus,
        stopCode: null,
      };
      auditRecords.set(task.taskArn, record);
      launched.push(record);
    }
    record.lastStatus = task.lastStatus;
    record.stopCode = task.stopCode ?? null;
  }
  const installScenarioFaults = (): void => {
    for (const rule of scenario.faults.persistent) persistentFaults.add(rule);
  };
  installScenarioFaults();
  /** The scenario's clusters and their instances, in every account and Region, at creation and after every reset. */
  const installScenarioClusters = (ctx: EcsContext): void => {
    if (!('default' in scenario.clusters)) {
      ctx.containerInstances.register('default', { kind: 'EXTERNAL', count: DEFAULT_CLUSTER_EXTERNAL_INSTANCES, cpu: DEFAULT_INSTANCE_CPU, memory: DEFAULT_INSTANCE_MEMORY });
    }
    for (const [name, spec] of Object.entries(scenario.clusters)) {
      ensureCluster(ctx, name);
      ctx.containerInstances.register(name, { kind: 'EC2', count: spec.containerInstances, cpu: spec.cpu, memory: spec.memory });
      ctx.containerInstances.register(name, { kind: 'EXTERNAL', count: spec.externalInstances, cpu: spec.cpu, memory: spec.memory });
    }
  };
  const partitionFor = (account: string, inRegion: string): EcsContext => {
    const key = partitionKey(account, inRegion);
    const existing = partitions.get(key);
    if (existing !== undefined) return existing;
    const identity = { region: inRegion, accountId: account };
    const ctx: EcsContext = {
      identity,
      store: new EcsStore(),
      throttles: new Throttles(throttleLimits, timeScale, now),
      scenario,
      random,
      idRandom,
      engine,
      idempotency: new IdempotencyStore(now, toRealMs),
      containerInstances: new ContainerInstances(identity, idRandom, now),
      scheduler,
      toRealMs,
      registrationDelayMs,
      network: peripherals.networkFor(account, inRegion),
      persistentFaults,
    };
    partitions.set(key, ctx);
    ensureDefaultCluster(ctx);
    installScenarioClusters(ctx);
    return ctx;
  };
  const defaultPartition = (): EcsContext => partitionFor(accountId, region);
  const registerInstances = (request: unknown): ContainerInstanceInfo[] => {
    const { cluster: reference, region: inRegion, accountId: account, ...rest } = (typeof request === 'object' && request !== null ? request : {}) as {
      cluster?: unknown; region?: unknown; accountId?: unknown;
    };
    const parsed = InstanceSpecSchema.safeParse(rest);
    if (!parsed.success) throw new Error(`invalid container instance request:\n${z.prettifyError(parsed.error)}`);
    const ctx = partitionFor(typeof account === 'string' ? account : accountId, typeof inRegion === 'string' ? inRegion : region);
    const name = clusterNameOf(typeof reference === 'string' ? reference : undefined);
    if (!ctx.store.clusters.has(name)) throw new Error(`cluster ${name} not found (create it first, or name it in the scenario's clusters)`);
    return ctx.containerInstances.register(name, parsed.data).map(instanceInfo);
  };
  defaultPartition();
  const ecsHandlers = new Map<EcsContext, ProtocolHandler>();
  /**
   * The partition of a request's signature: the credential scope's Region, the access key's account. A
   * Region the account cannot use answers as AWS does for a Region not enabled in the account.
   */
  const scopeOfRequest = (request: SimRequest): { account: string; region: string } | { refused: 'expired' | 'region' } => {
    const scope = credentialScopeOf(request.headers);
    const principal = keys.principalOf(scope?.accessKeyId);
    if (principal.expired) return { refused: 'expired' };
    const inRegion = scope?.region ?? region;
    if (!servedRegions.has(inRegion)) return { refused: 'region' };
    return { account: principal.accountId, region: inRegion };
  };
  /** ECS requests go to the ECS of their signature's account and Region. */
  const ecsRouter: ProtocolHandler = (request: SimRequest) => {
    if (request.target === undefined || !request.target.startsWith(ECS_TARGET_PREFIX)) return null;
    const action = request.target.slice(ECS_TARGET_PREFIX.length);
    const scope = scopeOfRequest(request);
    if ('refused' in scope) {
      callAudit.record(action, 'error');
      return scope.refused === 'expired'
        ? jsonError(400, 'ExpiredTokenException', 'The security token included in the request is expired')
        : jsonError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    const ctx = partitionFor(scope.account, scope.region);
    let handler = ecsHandlers.get(ctx);
    if (handler === undefined) {
      handler = createEcsHandler(ctx, callAudit.record);
      ecsHandlers.set(ctx, handler);
    }
    return handler(request);
  };
  /** EC2, CloudWatch Logs and SQS requests likewise go to their signature's account and Region. */
  const peripheralRouter: ProtocolHandler = async (request: SimRequest) => {
    if (!peripherals.claims(request)) return null;
    const scope = scopeOfRequest(request);
    if ('refused' in scope) return peripherals.refuse(request, scope.refused);
    return peripherals.handle(scope.account, scope.region, request);
  };
  const stsHandler = createStsHandler({
    keys,
    accounts: new Set([accountId, ...(options.accounts ?? [])]),
    externalIds: options.externalIds ?? {},
    audit: callAudit.record,
  });
  const handlers = [stsHandler, ecsRouter, peripheralRouter];

  const audit = (): SimulatorAudit => {
    const registrations: Record<string, number> = {};
    for (const ctx of partitions.values()) {
      for (const [family, count] of ctx.store.registrationCounts) registrations[family] = (registrations[family] ?? 0) + count;
    }
    return { calls: callAudit.snapshot(), tasks: launched.map((record) => ({ ...record })), registrations };
  };
  // AWS's names resolve to the address the server listens on (loopback when it listens on every interface).
  const address = isIP(host) === 0 || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const awsNames = createAwsNames({ address, exists: (name) => AWS_REGIONS.includes(name) || servedRegions.has(name) });
  const reset = (): void => {
    awsNames.reset();
    engine.cancelAll();
    partitions.clear();
    ecsHandlers.clear();
    keys.clear();
    launched.length = 0;
    auditRecords.clear();
    callAudit.clear();
    peripherals.clear();
    persistentFaults.clear();
    installScenarioFaults();
    defaultPartition();
  };

  const server = await startServer({ host, port: options.port ?? 0 }, () => handlers, { audit, reset, faults: persistentFaults, registerInstances });
  const eventQueueUrl = peripherals.listen(server.url);
  return {
    url: server.url,
    dns: { ...awsNames, regionalUrl: regionalUrlOf(server.port) },
    port: server.port,
    eventQueueUrl,
    eventQueueUrlFor: (account, inRegion) => peripherals.eventQueueUrlFor(account, inRegion),
    seed,
    timeScale,
    region,
    accountId,
    audit,
    reset,
    faults: {
      add: (rule) => persistentFaults.add(rule),
      remove: (id) => persistentFaults.remove(id),
      clear: () => persistentFaults.clear(),
      list: () => persistentFaults.list(),
    },
    containerInstances: {
      register: (request) => registerInstances(request),
    },
    close: async () => {
      engine.cancelAll();
      persistentFaults.clear();
      peripherals.close();
      await server.close();
    },
  };
}

function instanceInfo(instance: ContainerInstanceRecord): ContainerInstanceInfo {
  return {
    containerInstanceArn: instance.containerInstanceArn,
    ec2InstanceId: instance.ec2InstanceId,
    cluster: instance.clusterName,
    kind: instance.kind,
    cpu: instance.registeredCpu,
    memory: instance.registeredMemory,
  };
}

/**
 * Each container with an awslogs configuration "prints" the lines on `<prefix>/<container>/<task id>`, the
 * stream name the awslogs driver uses (docs/simulator.md, "Task output"), stamped with the current time, in
 * the task's account and the Region its `awslogs-region` names (the driver sends there; "awslogs-region:
 * Required: Yes", Amazon ECS Developer Guide, "Using the awslogs log driver"), else the task's own Region.
 */
function writeTaskLogs(
  task: SimTask,
  lines: readonly string[],
  put: (account: string, region: string, group: string, stream: string, events: Array<{ timestamp: number; message: string }>) => void,
  now: () => number,
): void {
  if (lines.length === 0) return;
  const start = now();
  const [, , , taskRegion = '', taskAccount = ''] = task.taskArn.split(':');
  for (const container of task.containers) {
    const options = container.logConfiguration?.logDriver === 'awslogs' ? container.logConfiguration.options : undefined;
    const group = options?.['awslogs-group'];
    const prefix = options?.['awslogs-stream-prefix'];
    if (group === undefined || prefix === undefined) continue;
    const logRegion = options?.['awslogs-region'] ?? taskRegion;
    put(taskAccount, logRegion, group, `${prefix}/${container.name}/${task.taskId}`, lines.map((message) => ({ timestamp: start, message })));
  }
}
