/**
 * Admission rules for a pool spec: the checks ECS applies at RegisterTaskDefinition/RunTask time and the
 * seed worker applies to its work-pool configuration, run against the parsed (defaulted) spec.
 */
import type { PoolSpec } from '../pool.js';
import { effectiveLaunch, effectiveTaskSize, launchesOnFargate, type LaunchChoice } from '../policy.js';
import { fargateSizeMessage, isValidFargateSize, fargateMemoryOptions } from './fargate.js';
import { checkEcsName, checkEnvNames, checkTags, TASK_DEFINITION_MAX_BYTES, taskDefinitionBytes } from './limits.js';
import { checkBackoffOrder } from './policy-rules.js';
import { checkRunTaskRequest, checkSpotFallback } from './run-task-request-rules.js';
import type { Violation } from './violation.js';
import { regionOfQueueUrl } from '../../aws/queue-url.js';

/** What admission knows beyond the document. */
export interface PoolRuleContext {
  /**
   * The controller's home Region (where a pool without `region` runs), as its replicas recorded it;
   * undefined when admission cannot know it (no controller has run yet), and then rules needing it check
   * only what the pool says itself.
   */
  homeRegion?: string | undefined;
}

export function checkPoolSpec(spec: PoolSpec, context: PoolRuleContext = {}): Violation[] {
  return [
    ...taskDefinitionSource(spec),
    ...launchTypeExclusive('spec', spec),
    ...fargateRules(spec, effectiveLaunch(spec), {
      prefix: 'spec',
      own: { cpu: spec.cpu, memory: spec.memory },
      fallback: 'spec.taskDefinition.cpu',
      launch: spec.capacityProviderStrategy ? 'spec.capacityProviderStrategy' : 'spec.launchType',
    }),
    ...logsAndRoles(spec),
    ...assumedRole(spec),
    ...taskEventsQueue(spec, context.homeRegion),
    ...network(spec),
    ...names(spec),
    ...checkEnvNames('spec.env', spec.env),
    ...templateEnvNames(spec),
    ...checkTags('spec.tags', spec.tags),
    ...taskDefinitionSize(spec),
    // A pool's parsed backoff is all its own (defaults applied), so initialSeconds is blamed.
    ...checkBackoffOrder(spec.retry.backoff, spec.retry.backoff),
    ...checkRunTaskRequest('spec.runTaskRequest', spec.runTaskRequest, effectiveLaunch(spec)),
    ...checkSpotFallback(spec.spotFallback, effectiveLaunch(spec)),
  ];
}

/** An external id is sent only with AssumeRole, so it means nothing without a role. */
function assumedRole(spec: PoolSpec): Violation[] {
  if (spec.externalId !== undefined && spec.roleArn === undefined) {
    return [{ path: 'spec.externalId', rule: 'external-id-needs-role', message: 'externalId is sent only when assuming a role: set roleArn too', value: spec.externalId }];
  }
  return [];
}

/**
 * A pool's event queue must be in the pool's Region: EventBridge matches a rule only against events of its
 * own Region ("Both the EventBridge rule and the source event that it monitors must exist in the same AWS
 * Region", AWS re:Post Knowledge Center, "use-eventbridge-rule-across-regions"), and a rule reaches a target
 * in another Region only through an event bus there (EventBridge User Guide, "Sending and receiving events
 * between AWS Regions"), not an SQS queue. The pool's consumer also reads the queue with a client of the
 * pool's Region, whose signature another Region's SQS refuses. Only AWS's own queue hosts name a Region.
 */
function taskEventsQueue(spec: PoolSpec, homeRegion: string | undefined): Violation[] {
  const url = spec.taskEventsQueueUrl;
  if (url === undefined) return [];
  const queueRegion = regionOfQueueUrl(url);
  const poolRegion = spec.region ?? homeRegion;
  if (queueRegion === undefined || poolRegion === undefined || queueRegion === poolRegion) return [];
  const whose = spec.region !== undefined ? 'the pool\'s' : 'the controller\'s home Region, where this pool (without region) runs,';
  return [{
    path: 'spec.taskEventsQueueUrl',
    rule: 'task-events-queue-region',
    message: `the queue is in ${queueRegion}, ${whose} is ${poolRegion}: an EventBridge rule sends a Region's ECS events only to an SQS queue in that same Region`,
    value: url,
  }];
}

/** A task definition registered in one Region is unknown in another: an ARN must name the pool's Region. */
function taskDefinitionSource(spec: PoolSpec): Violation[] {
  const arnRegion = spec.taskDefinitionArn?.split(':')[3];
  if (spec.region !== undefined && spec.taskDefinitionArn?.startsWith('arn:') && arnRegion !== spec.region) {
    return [{ path: 'spec.taskDefinitionArn', rule: 'task-definition-region', message: `the task definition is in ${arnRegion ?? 'another Region'}, the pool in ${spec.region}: ECS finds a task definition only in its own Region`, value: spec.taskDefinitionArn }];
  }
  return taskDefinitionSourceExclusive(spec);
}

function taskDefinitionSourceExclusive(spec: PoolSpec): Violation[] {
  if (spec.taskDefinition && spec.taskDefinitionArn) {
    return [{ path: 'spec.taskDefinitionArn', rule: 'task-definition-exclusive', message: 'set taskDefinition or taskDefinitionArn, not both', value: spec.taskDefinitionArn }];
  }
  if (!spec.taskDefinition && !spec.taskDefinitionArn) {
    return [{ path: 'spec.taskDefinition', rule: 'task-definition-required', message: 'a taskDefinition template or a taskDefinitionArn is required', value: undefined }];
  }
  return [];
}

export function launchTypeExclusive(prefix: string, choice: LaunchChoice): Violation[] {
  if (choice.launchType && choice.capacityProviderStrategy) {
    return [{ path: `${prefix}.capacityProviderStrategy`, rule: 'launch-type-exclusive', message: 'set launchType or capacityProviderStrategy, not both', value: choice.capacityProviderStrategy }];
  }
  return [];
}

/** Where a Fargate violation points: the fields the document itself sets, else where the value came from. */
export interface FargatePaths {
  prefix: string;
  own: { cpu?: number; memory?: number };
  /** Path blamed when the offending size or mode comes from elsewhere (the template, or a launch override). */
  fallback: string;
  launch: string;
}

/** Launch-type compatibility, Fargate cpu/memory pairs and awsvpc, for the effective launch choice. */
export function fargateRules(pool: PoolSpec, launch: LaunchChoice, paths: FargatePaths, runSize?: { cpu?: number; memory?: number }): Violation[] {
  const out: Violation[] = [];
  const onFargate = launchesOnFargate(launch);
  const compat = pool.taskDefinition?.requiresCompatibilities;
  const needed = onFargate ? 'FARGATE' : launch.launchType;
  if (compat && compat.length > 0 && needed && !compat.includes(needed === 'FARGATE_SPOT' ? 'FARGATE' : needed)) {
    out.push({
      path: paths.launch,
      rule: 'launch-type-compatibility',
      message: `the task definition's requiresCompatibilities (${compat.join(', ')}) does not include ${needed}, which this launch needs`,
      value: launch.launchType ?? launch.capacityProviderStrategy,
    });
  }
  if (!onFargate) return out;
  const size = effectiveTaskSize(pool, runSize);
  if (!isValidFargateSize(size.cpu, size.memory)) {
    const cpuValid = fargateMemoryOptions(size.cpu).length > 0;
    const { own, prefix } = paths;
    const path =
      own.memory !== undefined && (cpuValid || own.cpu === undefined) ? `${prefix}.memory` : own.cpu !== undefined ? `${prefix}.cpu` : paths.fallback;
    out.push({ path, rule: 'fargate-cpu-memory', message: fargateSizeMessage(size.cpu, size.memory), value: { cpu: size.cpu, memory: size.memory } });
  }
  const networkMode = pool.taskDefinition?.networkMode;
  if (networkMode !== undefined && networkMode !== 'awsvpc') {
    out.push({
      path: paths.prefix === 'spec' && runSize === undefined ? 'spec.taskDefinition.networkMode' : paths.launch,
      rule: 'fargate-awsvpc',
      message: `Fargate only supports network mode 'awsvpc' (the task definition uses '${networkMode}')`,
      value: networkMode,
    });
  }
  return out;
}

function logsAndRoles(spec: PoolSpec): Violation[] {
  const out: Violation[] = [];
  const executionRole = spec.executionRoleArn ?? spec.taskDefinition?.executionRoleArn;
  const logs = spec.cloudwatchLogs;
  if (logs?.enabled && !executionRole) {
    out.push({ path: 'spec.executionRoleArn', rule: 'cloudwatch-logs-execution-role', message: 'CloudWatch logs (awslogs) need an executionRoleArn', value: undefined });
  }
  if (logs && !logs.enabled && logs.options && Object.keys(logs.options).length > 0) {
    out.push({ path: 'spec.cloudwatchLogs.options', rule: 'cloudwatch-logs-options-require-enabled', message: 'cloudwatchLogs.options are only used when cloudwatchLogs.enabled is true', value: logs.options });
  }
  if (spec.streamOutput && !logs?.enabled) {
    // Prefect's worker refuses the same combination: the output is read back from CloudWatch Logs.
    out.push({ path: 'spec.streamOutput', rule: 'stream-output-requires-cloudwatch-logs', message: 'streamOutput needs cloudwatchLogs.enabled: true (the output is read from CloudWatch Logs)', value: true });
  }
  spec.taskDefinition?.containerDefinitions?.forEach((container, i) => {
    const base = `spec.taskDefinition.containerDefinitions[${i}]`;
    if (container.logConfiguration?.logDriver === 'awslogs' && !executionRole && launchesOnFargate(effectiveLaunch(spec))) {
      out.push({ path: `${base}.logConfiguration`, rule: 'cloudwatch-logs-execution-role', message: 'Fargate requires an executionRoleArn to support log driver awslogs', value: container.logConfiguration });
    }
    if (container.secrets && container.secrets.length > 0 && !executionRole) {
      out.push({ path: `${base}.secrets`, rule: 'secrets-execution-role', message: 'container secrets need an executionRoleArn', value: container.secrets.map((s) => s.name) });
    }
  });
  return out;
}

function network(spec: PoolSpec): Violation[] {
  if (spec.networkConfiguration && !spec.vpcId) {
    return [{ path: 'spec.vpcId', rule: 'network-configuration-vpc', message: 'a custom networkConfiguration needs vpcId (its subnets must belong to that VPC)', value: undefined }];
  }
  return [];
}

function names(spec: PoolSpec): Violation[] {
  const out = [
    ...checkEcsName('spec.family', 'family-name', spec.family),
    ...checkEcsName('spec.taskDefinition.family', 'family-name', spec.taskDefinition?.family),
    ...checkEcsName('spec.containerName', 'container-name', spec.containerName),
  ];
  spec.taskDefinition?.containerDefinitions?.forEach((container, i) => {
    out.push(...checkEcsName(`spec.taskDefinition.containerDefinitions[${i}].name`, 'container-name', container.name));
  });
  return out;
}

function templateEnvNames(spec: PoolSpec): Violation[] {
  const out: Violation[] = [];
  spec.taskDefinition?.containerDefinitions?.forEach((container, i) => {
    const env = Object.fromEntries((container.environment ?? []).map((pair) => [pair.name ?? '', pair.value]));
    out.push(...checkEnvNames(`spec.taskDefinition.containerDefinitions[${i}].environment`, env));
  });
  return out;
}

function taskDefinitionSize(spec: PoolSpec): Violation[] {
  if (!spec.taskDefinition) return [];
  const bytes = taskDefinitionBytes(spec);
  if (bytes <= TASK_DEFINITION_MAX_BYTES) return [];
  return [{ path: 'spec.taskDefinition', rule: 'task-definition-size', message: `the task definition would be ${bytes} bytes; ECS allows ${TASK_DEFINITION_MAX_BYTES} (64 KiB)`, value: bytes }];
}
