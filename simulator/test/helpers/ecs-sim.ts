/**
 * Shared set-up for the ECS simulator tests: a simulator on port 0, real SDK clients pointed at it, and
 * builders for valid requests so each test states only what it is about.
 */
import {
  DescribeTasksCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand,
  type ContainerDefinition, type Task, type RegisterTaskDefinitionCommandInput, type RunTaskCommandInput, type RunTaskCommandOutput,
} from '@aws-sdk/client-ecs';
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../index.js';
import type { Scheduler } from '../../scheduler.js';

export const CREDENTIALS = { accessKeyId: 'AKIASIMULATOR', secretAccessKey: 'simulator-secret' };
export const SUBNET_A = 'subnet-0a1b2c3d4e5f60001';
export const SUBNET_B = 'subnet-0a1b2c3d4e5f60002';

export interface SimHarness {
  sim: RunningSimulator;
  /** maxAttempts 1: every error reaches the test unretried. */
  ecs: ECSClient;
  close(): Promise<void>;
}

export async function startHarness(options: SimulatorOptions = {}): Promise<SimHarness> {
  const sim = await startSimulator({ timeScale: 1000, seed: 42, ...options });
  const ecs = new ECSClient({ endpoint: sim.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
  return {
    sim,
    ecs,
    close: async () => {
      ecs.destroy();
      await sim.close();
    },
  };
}

export function container(overrides: Partial<ContainerDefinition> = {}): ContainerDefinition {
  return { name: 'main', image: 'public.ecr.aws/docker/library/busybox:latest', essential: true, ...overrides };
}

export function fargateTaskDefinition(overrides: Partial<RegisterTaskDefinitionCommandInput> = {}): RegisterTaskDefinitionCommandInput {
  return {
    family: 'sim-test',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    containerDefinitions: [container()],
    ...overrides,
  };
}

export function env(vars: Record<string, string>): Array<{ name: string; value: string }> {
  return Object.entries(vars).map(([name, value]) => ({ name, value }));
}

export async function registerFargate(ecs: ECSClient, overrides: Partial<RegisterTaskDefinitionCommandInput> = {}): Promise<string> {
  const out = await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition(overrides)));
  const arn = out.taskDefinition?.taskDefinitionArn;
  if (arn === undefined) throw new Error('RegisterTaskDefinition returned no ARN');
  return arn;
}

export function fargateRun(taskDefinition: string, overrides: Partial<RunTaskCommandInput> = {}): RunTaskCommandInput {
  return {
    taskDefinition,
    launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: [SUBNET_A, SUBNET_B] } },
    ...overrides,
  };
}

export async function runFargate(ecs: ECSClient, taskDefinition: string, overrides: Partial<RunTaskCommandInput> = {}): Promise<RunTaskCommandOutput> {
  return ecs.send(new RunTaskCommand(fargateRun(taskDefinition, overrides)));
}

/** Runs `fn`, expecting it to fail; returns the error's name, message and HTTP status. */
export async function failure(fn: () => Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined; error: unknown }> {
  try {
    await fn();
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode, error };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Polls `probe` until it answers a value (real time, bounded) — for lifecycle steps driven by timers. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Polls DescribeTasks until the task reports STOPPED, and answers it as described then. */
export async function untilStopped(ecs: ECSClient, taskArn: string): Promise<Task> {
  return eventually(async () => {
    const task = (await ecs.send(new DescribeTasksCommand({ tasks: [taskArn] }))).tasks?.[0];
    return task?.lastStatus === 'STOPPED' ? task : undefined;
  });
}

/**
 * A clock that only moves when the test says so (token buckets then refill exactly as computed), while
 * timers still fire on real time so registration delays and lifecycle steps complete.
 */
export function steppedClock(startMs = Date.UTC(2026, 0, 1)): { scheduler: Scheduler; advance(ms: number): void } {
  let nowMs = startMs;
  return {
    scheduler: {
      now: () => nowMs,
      after: (delayMs, callback) => {
        const handle = setTimeout(callback, Math.max(0, delayMs));
        return () => clearTimeout(handle);
      },
    },
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

/**
 * The default VPC's subnets of the account-region `credentials` and `region` sign for, found as a controller
 * infers its network: each account-region has its own (SUBNET_A and SUBNET_B are the default one's).
 */
export async function defaultSubnets(endpoint: string, region: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = CREDENTIALS): Promise<string[]> {
  const ec2 = new EC2Client({ endpoint, region, credentials, maxAttempts: 1 });
  try {
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] }));
    const vpcId = vpcs.Vpcs?.[0]?.VpcId;
    if (vpcId === undefined) throw new Error(`no default VPC in ${region}`);
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
    return (subnets.Subnets ?? []).map((s) => s.SubnetId ?? '');
  } finally {
    ec2.destroy();
  }
}
