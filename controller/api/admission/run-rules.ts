/** Admission rules for a run spec, judged together with the pool it names. */
import type { PoolSpec } from '../pool.js';
import type { RunSpec } from '../run.js';
import { effectiveLaunch, resolveRunPolicy } from '../policy.js';
import { checkEcsName, checkEnvNames, checkTags, MAX_TAGS, OVERRIDES_MAX_CHARS, overridesLength } from './limits.js';
import { fargateRules, launchTypeExclusive } from './pool-rules.js';
import { commandArgv, ShlexError } from '../command.js';
import { checkBackoffOrder } from './policy-rules.js';
import { checkRunTaskRequest } from './run-task-request-rules.js';
import { effectiveRunTaskRequest, type PassthroughRequest } from '../run-task-request.js';
import type { Violation } from './violation.js';

export function checkRunSpec(spec: RunSpec, pool: PoolSpec | undefined): Violation[] {
  const own = [
    ...launchTypeExclusive('spec', spec),
    ...checkEcsName('spec.deployment', 'family-name', spec.deployment),
    ...checkCommand(spec.command),
    ...checkEnvNames('spec.env', spec.env),
    ...checkTags('spec.tags', spec.tags),
  ];
  if (!pool) {
    return [{ path: 'spec.pool', rule: 'pool-exists', message: `pool "${spec.pool}" does not exist`, value: spec.pool }, ...own];
  }
  return [...own, ...againstPool(spec, pool)];
}

function againstPool(spec: RunSpec, pool: PoolSpec): Violation[] {
  const out: Violation[] = [];
  const overridesLaunch = spec.launchType !== undefined || spec.capacityProviderStrategy !== undefined;
  const ownSize = { cpu: spec.cpu, memory: spec.memory };
  // A run is only blamed for Fargate rules it can cause: its own size or launch overrides.
  if (overridesLaunch || spec.cpu !== undefined || spec.memory !== undefined) {
    out.push(
      ...fargateRules(pool, effectiveLaunch(pool, spec), {
        prefix: 'spec',
        own: ownSize,
        fallback: overridesLaunch ? launchPath(spec) : 'spec.cpu',
        launch: launchPath(spec),
      }, ownSize),
    );
  }
  const mergedTags = Object.keys({ ...pool.tags, ...spec.tags }).length;
  if (mergedTags > MAX_TAGS && Object.keys(spec.tags).length <= MAX_TAGS) {
    out.push({ path: 'spec.tags', rule: 'tag-count', message: `the run's and the pool's tags together number ${mergedTags}; ECS allows ${MAX_TAGS}`, value: mergedTags });
  }
  out.push(...checkBackoffOrder(resolveRunPolicy(pool, spec).backoff, spec.retry?.backoff));
  // The run's own request as written (owned fields, shapes, its launch), then what it keeps of the pool's
  // request when it changes the launch: the pool's request was judged against the pool's launch only.
  out.push(...checkRunTaskRequest('spec.runTaskRequest', spec.runTaskRequest, effectiveLaunch(pool, spec)));
  if (overridesLaunch && pool.runTaskRequest !== undefined) {
    const inherited = withoutRunFields(effectiveRunTaskRequest(pool.runTaskRequest, undefined), spec.runTaskRequest);
    out.push(...checkRunTaskRequest('spec.runTaskRequest', inherited, effectiveLaunch(pool, spec)).map((v) => ({
      ...v, path: launchPath(spec), message: `${v.message} (the pool's runTaskRequest, with this run's launch)`,
    })));
  }
  const length = overridesLength(pool, spec);
  if (length > OVERRIDES_MAX_CHARS) {
    out.push({
      path: 'spec',
      rule: 'overrides-size',
      message: `the RunTask overrides for this run (command, environment, size) would be ${length} characters; ECS allows ${OVERRIDES_MAX_CHARS}`,
      value: length,
    });
  }
  return out;
}

/**
 * A string command must split into words the way launch will split it (controller/api/command.ts), so a
 * run is never admitted with a command RunTask would refuse; a command with no words would silently run the
 * image's default instead.
 */
export function checkCommand(command: RunSpec['command']): Violation[] {
  if (typeof command !== 'string') return [];
  try {
    if (commandArgv(command).length > 0) return [];
    return [{ path: 'spec.command', rule: 'command-split', message: 'the command has no words', value: command }];
  } catch (error) {
    if (!(error instanceof ShlexError)) throw error;
    return [{ path: 'spec.command', rule: 'command-split', message: `the command cannot be split into words like a shell (shlex): ${error.message}`, value: command }];
  }
}

function launchPath(spec: RunSpec): string {
  return spec.capacityProviderStrategy ? 'spec.capacityProviderStrategy' : 'spec.launchType';
}

/** The pool's passthrough fields the run does not replace. */
function withoutRunFields(pool: PassthroughRequest, run: RunSpec['runTaskRequest']): PassthroughRequest {
  if (run === undefined) return pool;
  const kept: PassthroughRequest = { ...pool };
  for (const key of Object.keys(run)) if (key !== 'overrides') delete (kept as Record<string, unknown>)[key];
  if (kept.overrides && run.overrides) {
    const overrides = { ...kept.overrides };
    for (const key of Object.keys(run.overrides)) delete (overrides as Record<string, unknown>)[key];
    kept.overrides = overrides;
  }
  return kept;
}
