/**
 * The parts of a Pool and a Run that task-definition rendering and launch read.
 *
 * These are structural subsets of the resource types in controller/api/: a stored PoolRecord or RunRecord is
 * assignable to them, and unit tests can build them without the whole resource. Field names follow the seed
 * (Prefect's ECS work pool variables) in camelCase, as issue 3 specifies.
 */
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import type { RunTaskRequest } from '../../controller/api/run-task-request.js';

export type LaunchType = 'FARGATE' | 'FARGATE_SPOT' | 'EC2' | 'EXTERNAL';

export interface CapacityProviderStrategyItem {
  capacityProvider: string;
  weight?: number;
  base?: number;
}

export interface NetworkConfigurationSpec {
  subnets?: string[];
  securityGroups?: string[];
  assignPublicIp?: 'ENABLED' | 'DISABLED';
}

export interface CloudwatchLogsSpec {
  enabled?: boolean;
  group?: string;
  streamPrefix?: string;
  options?: Record<string, string>;
}

/** A task-definition template: a partial RegisterTaskDefinition input. */
export type TaskDefinitionTemplate = Partial<RegisterTaskDefinitionCommandInput>;

/** An environment map; a null value unsets a variable defined further down (pool, template). */
export type EnvMap = Record<string, string | null>;

export interface PoolSpecLike {
  cluster?: string;
  region?: string;
  /** The role every AWS call of the pool is made with (controller/aws/target.ts). */
  roleArn?: string;
  externalId?: string;
  launchType?: LaunchType;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  vpcId?: string;
  networkConfiguration?: NetworkConfigurationSpec;
  taskDefinition?: TaskDefinitionTemplate;
  taskDefinitionArn?: string;
  family?: string;
  containerName?: string;
  image?: string;
  cpu?: number | string;
  memory?: number | string;
  executionRoleArn?: string;
  taskRoleArn?: string;
  cloudwatchLogs?: CloudwatchLogsSpec;
  env?: EnvMap;
  tags?: Record<string, string>;
  autoDeregisterTaskDefinition?: boolean;
  matchLatestRevisionInFamily?: boolean;
  /** Fair share of the account-region's budgets (registrations wait in the pool's turn). */
  scheduling?: { weight?: number; priority?: number };
  /** RunTask fields passed through (launch only; never part of the task definition). */
  runTaskRequest?: RunTaskRequest;
}

export interface PoolLike {
  metadata: { name: string; generation?: number };
  spec: PoolSpecLike;
}

export interface RunSpecLike {
  pool: string;
  deployment?: string;
  image?: string;
  /** An argument vector, or a shell string split the way the seed splits it (shlex). */
  command?: string[] | string;
  env?: EnvMap;
  cpu?: number | string;
  memory?: number | string;
  launchType?: LaunchType;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  taskRoleArn?: string;
  tags?: Record<string, string>;
  runTaskRequest?: RunTaskRequest;
}

export interface RunLike {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  spec: RunSpecLike;
}
