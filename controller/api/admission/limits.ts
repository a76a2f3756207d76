/**
 * Size and naming limits ECS enforces (docs/ecs-facts.md#task-definitions and #quotas),
 * checked before anything is stored so a run never fails at launch for a reason admission could see.
 */
import type { TaskOverride } from '@aws-sdk/client-ecs';
import type { PoolSpec } from '../pool.js';
import type { RunSpec } from '../run.js';
import { effectiveTaskSize } from '../policy.js';
import { commandArgv } from '../command.js';
import type { Violation } from './violation.js';

export const ECS_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,255}$/;
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const TASK_DEFINITION_MAX_BYTES = 64 * 1024;
export const OVERRIDES_MAX_CHARS = 8192;
export const MAX_TAGS = 50;
export const TAG_KEY_MAX = 128;
export const TAG_VALUE_MAX = 256;
/** The container Longshore runs the work in when neither the pool nor its template names one. */
export const DEFAULT_CONTAINER_NAME = 'longshore';

/** The pool's `containerName`, else the template's `longshore` container, else its first, else `longshore` (as rendering picks it). */
export function orchestrationContainer(pool: PoolSpec): string {
  const names = (pool.taskDefinition?.containerDefinitions ?? []).map((c) => c.name);
  if (pool.containerName) return pool.containerName;
  if (names.includes(DEFAULT_CONTAINER_NAME)) return DEFAULT_CONTAINER_NAME;
  return names[0] ?? DEFAULT_CONTAINER_NAME;
}

export function checkEcsName(path: string, rule: 'family-name' | 'container-name', value: string | undefined): Violation[] {
  if (value === undefined || ECS_NAME_PATTERN.test(value)) return [];
  const what = rule === 'family-name' ? 'family' : 'container name';
  return [{ path, rule, message: `${what} must be 1-255 letters, digits, "_" or "-"`, value }];
}

export function checkEnvNames(path: string, env: Record<string, unknown>): Violation[] {
  return Object.keys(env)
    .filter((name) => !ENV_NAME_PATTERN.test(name))
    .map((name) => ({
      path: `${path}.${name}`,
      rule: 'env-name',
      message: 'environment variable names must start with a letter or "_" and contain only letters, digits and "_"',
      value: name,
    }));
}

export function checkTags(path: string, tags: Record<string, string>): Violation[] {
  const out: Violation[] = [];
  const count = Object.keys(tags).length;
  if (count > MAX_TAGS) {
    out.push({ path, rule: 'tag-count', message: `at most ${MAX_TAGS} tags are allowed, got ${count}`, value: count });
  }
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > TAG_KEY_MAX) {
      out.push({ path: `${path}.${key}`, rule: 'tag-key-length', message: `tag keys must be 1-${TAG_KEY_MAX} characters`, value: key });
    }
    if (value.length > TAG_VALUE_MAX) {
      out.push({ path: `${path}.${key}`, rule: 'tag-value-length', message: `tag values must be at most ${TAG_VALUE_MAX} characters`, value });
    }
    if (key.toLowerCase().startsWith('aws:')) {
      out.push({ path: `${path}.${key}`, rule: 'tag-reserved-prefix', message: 'the "aws:" tag prefix is reserved for AWS', value: key });
    }
  }
  return out;
}

/** Bytes of the task definition the template would register, with the pool's env folded into it. */
export function taskDefinitionBytes(pool: PoolSpec): number {
  return Buffer.byteLength(JSON.stringify({ ...pool.taskDefinition, environment: pool.env }), 'utf8');
}

/**
 * The RunTask `overrides` a run produces, for measuring against ECS's 8,192-character limit: the
 * container's command and merged environment (pool env overlaid with the run's, nulls removed), the task
 * size and role. It errs towards the larger answer so a run admitted here is not rejected at launch.
 */
export function estimateRunTaskOverrides(pool: PoolSpec, run: RunSpec): TaskOverride {
  const env: Record<string, string> = { ...pool.env };
  for (const [name, value] of Object.entries(run.env)) {
    if (value === null) delete env[name];
    else env[name] = value;
  }
  const command = run.command === undefined ? undefined : argvOrWords(run.command);
  const size = effectiveTaskSize(pool, run);
  return {
    containerOverrides: [
      {
        name: orchestrationContainer(pool),
        ...(command ? { command } : {}),
        environment: Object.entries(env).map(([name, value]) => ({ name, value })),
      },
    ],
    cpu: String(size.cpu),
    memory: String(size.memory),
    ...(run.taskRoleArn ?? pool.taskRoleArn ? { taskRoleArn: run.taskRoleArn ?? pool.taskRoleArn } : {}),
  };
}

/** The argv launch will send; a string shlex cannot split (its own violation) is measured by its words. */
function argvOrWords(command: string | string[]): string[] {
  try {
    return commandArgv(command);
  } catch {
    return typeof command === 'string' ? command.split(/\s+/).filter(Boolean) : command;
  }
}

export function overridesLength(pool: PoolSpec, run: RunSpec): number {
  return JSON.stringify(estimateRunTaskOverrides(pool, run)).length;
}
