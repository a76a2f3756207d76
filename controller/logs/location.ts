/**
 * Where an attempt's container output lives in CloudWatch Logs, decided purely from the pool and the run.
 * The awslogs driver names each stream `<awslogs-stream-prefix>/<container name>/<ECS task id>` (Amazon ECS
 * developer guide, "Using the awslogs log driver": "prefix-name/container-name/ecs-task-id"); the prefix, the
 * group and the region are the options render.ts gives the orchestration container (awslogsOptions).
 *
 * The stream is located from the pool as it is now: a pool whose logging settings changed while a run was
 * under way points at the new location (docs/logs.md, "Limits").
 */
import { regionOfArn, targetOfPool, type AwsTarget } from '../aws/target.js';
import type { PoolRecord } from '../api/pool.js';
import type { RunRecord } from '../api/run.js';
import type { Attempt } from '../api/run-status.js';
import { awslogsOptions, orchestrationContainerName } from '../../reconcilers/taskdef/render.js';
import { RunLogError } from './types.js';

export interface LogStreamLocation {
  group: string;
  stream: string;
  container: string;
  region: string | undefined;
  /** Where GetLogEvents goes: the pool's Region and role (the stream lives in the pool's account-region). */
  target: AwsTarget;
}

/** The attempt a request means: its own number, or the run's latest; a RunLogError when there is none such. */
export function selectAttempt(run: RunRecord, requested: number | undefined): Attempt | undefined {
  const attempts = run.status.attempts;
  if (requested === undefined) return attempts.at(-1);
  const found = attempts.find((a) => a.number === requested);
  if (found === undefined) {
    const known = attempts.length === 0 ? 'it has not been launched yet' : `its attempts are 1 to ${attempts.at(-1)?.number ?? attempts.length}`;
    throw new RunLogError('NoSuchAttempt', `run "${run.metadata.name}" has no attempt ${requested}: ${known}`);
  }
  return found;
}

/** The ECS task id: the last part of the task ARN (arn:aws:ecs:region:account:task/cluster/<id>). */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1);
}

/** Throws LogsDisabled when the pool does not send output to CloudWatch Logs. */
export function requireLogsEnabled(pool: PoolRecord | null, run: RunRecord): PoolRecord {
  if (pool === null) {
    throw new RunLogError('LogsDisabled', `run "${run.metadata.name}": its pool "${run.spec.pool}" no longer exists, so where its output went is unknown`);
  }
  if (pool.spec.cloudwatchLogs?.enabled !== true) {
    throw new RunLogError('LogsDisabled', `pool "${pool.metadata.name}" does not send container output to CloudWatch Logs (spec.cloudwatchLogs.enabled is not true), so run "${run.metadata.name}" has no logs to read`);
  }
  return pool;
}

/** The stream of an attempt whose task is known; undefined while the attempt has no task ARN yet. */
export function locateStream(pool: PoolRecord, run: RunRecord, attempt: Attempt, defaultRegion: string | undefined): LogStreamLocation | undefined {
  if (attempt.taskArn === undefined) return undefined;
  // A pool without a region launched its task in its controller's Region, which the task ARN names: a reader
  // that is not the controller (the API, the CLI) may have another AWS_REGION, or none.
  const region = pool.spec.region ?? regionOfArn(attempt.taskArn) ?? defaultRegion;
  const options = awslogsOptions(pool, run, region ?? '');
  const container = orchestrationContainerName(pool.spec.containerName, pool.spec.taskDefinition?.containerDefinitions ?? []);
  return {
    group: options['awslogs-group'],
    stream: `${options['awslogs-stream-prefix']}/${container}/${taskIdOf(attempt.taskArn)}`,
    container,
    region,
    target: { ...targetOfPool(pool.spec), ...(region !== undefined ? { region } : {}) },
  };
}
