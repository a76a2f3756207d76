/**
 * Scenario control: how long each lifecycle phase takes, which exit codes tasks end with, and which
 * faults are injected — all drawn from one seeded generator so a run repeats exactly. Durations are
 * simulated seconds; the simulator divides them by the time scale.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_INSTANCE_CPU, DEFAULT_INSTANCE_MEMORY } from './ecs/container-instances.js';
import { PersistentFaultSchema } from './persistent-faults.js';
import type { Random } from './random.js';

const seconds = z.number().nonnegative();
const rate = z.number().min(0).max(1);

export const DistributionSchema = z.union([
  seconds.transform((value) => ({ kind: 'fixed' as const, seconds: value })),
  z.strictObject({ kind: z.literal('fixed'), seconds }),
  z
    .strictObject({ kind: z.literal('uniform'), minSeconds: seconds, maxSeconds: seconds })
    .refine((d) => d.minSeconds <= d.maxSeconds, { message: 'minSeconds must not exceed maxSeconds' }),
  z.strictObject({
    kind: z.literal('normal'),
    meanSeconds: seconds,
    stdDevSeconds: seconds,
    minSeconds: seconds.optional(),
    maxSeconds: seconds.optional(),
  }),
  z.strictObject({
    kind: z.literal('exponential'),
    meanSeconds: seconds,
    minSeconds: seconds.optional(),
    maxSeconds: seconds.optional(),
  }),
]);
export type Distribution = z.output<typeof DistributionSchema>;

const uniform = (minSeconds: number, maxSeconds: number): Distribution => ({ kind: 'uniform', minSeconds, maxSeconds });

/** A cluster the scenario provides, with the container instances registered to it (each of one size). */
const ClusterSpecSchema = z.strictObject({
  /** EC2 container instances: the capacity EC2 launch-type tasks are placed on. */
  containerInstances: z.number().int().min(0).max(1000).default(0),
  /** EXTERNAL (ECS Anywhere) instances, for the EXTERNAL launch type. */
  externalInstances: z.number().int().min(0).max(1000).default(0),
  /** Registered cpu units and MiB of each instance. */
  cpu: z.number().int().positive().default(DEFAULT_INSTANCE_CPU),
  memory: z.number().int().positive().default(DEFAULT_INSTANCE_MEMORY),
});
export type ClusterSpec = z.output<typeof ClusterSpecSchema>;

export const ScenarioSchema = z.strictObject({
  /**
   * Clusters that exist from the start (and again after every reset), keyed by name, with their container
   * instances. Like AWS, a cluster has no instances unless some are registered, except that the default
   * cluster has DEFAULT_CLUSTER_EXTERNAL_INSTANCES EXTERNAL (ECS Anywhere) instances unless the scenario
   * names `default` and says how many.
   */
  clusters: z.record(z.string().regex(/^[a-zA-Z0-9_-]{1,255}$/, 'a cluster name (letters, digits, - and _)'), ClusterSpecSchema).default({}),
  /** Time spent in each lastStatus before the next one (simulated seconds). */
  phases: z
    .strictObject({
      provisioning: DistributionSchema.default(uniform(3, 8)),
      pending: DistributionSchema.default(uniform(5, 15)),
      activating: DistributionSchema.default(uniform(1, 2)),
      /** How long the containers run unless SIM_RUN_SECONDS says otherwise. */
      running: DistributionSchema.default({ kind: 'fixed', seconds: 10 }),
      deactivating: DistributionSchema.default(uniform(0.5, 1)),
      stopping: DistributionSchema.default(uniform(1, 3)),
      deprovisioning: DistributionSchema.default(uniform(5, 15)),
    })
    .prefault({}),
  /** Exit codes of tasks whose environment sets no SIM_EXIT_CODE, chosen by weight. */
  outcomes: z
    .strictObject({
      exitCodes: z
        .array(z.strictObject({ code: z.number().int(), weight: z.number().positive() }))
        .min(1)
        .default([{ code: 0, weight: 1 }]),
    })
    .prefault({}),
  faults: z
    .strictObject({
      /** Share of ECS calls answered with HTTP 500 ServerException. */
      serverErrorRate: rate.default(0),
      /** Of those, the share injected after the call took effect (the response is lost, the effect is not). */
      serverErrorAfterEffectShare: rate.default(0),
      /** Share of ECS calls delayed, and by how much. */
      latencyRate: rate.default(0),
      latency: DistributionSchema.default(uniform(0.05, 0.5)),
      /** Share of Fargate tasks answered in RunTask failures[] with the capacity message. */
      capacityFailureRate: rate.default(0),
      /** Share of tasks a strategy places on FARGATE_SPOT answered with the capacity message (on-demand unaffected). */
      spotCapacityFailureRate: rate.default(0),
      /** Share of tasks that fail to start, and the reasons drawn from. */
      startFailureRate: rate.default(0),
      startFailureReasons: z.array(z.string().min(1)).min(1).default(['CannotPullContainerError', 'ResourceInitializationError']),
      /** Share of FARGATE_SPOT tasks interrupted, and when (seconds after RUNNING). */
      spotInterruptionRate: rate.default(0),
      spotInterruptAfter: DistributionSchema.default(uniform(5, 60)),
      /** Outages active from the start (and again after every reset) until cleared; see persistent-faults.ts. */
      persistent: z.array(PersistentFaultSchema).default([]),
    })
    .prefault({}),
  events: z
    .strictObject({
      duplicateRate: rate.default(0),
      reorderRate: rate.default(0),
      maxReorderDelaySeconds: seconds.default(2),
      /**
       * Where a task's events go. `home`: every account-region's events to the event queue of the default
       * account-region (rules everywhere forwarding to one queue). `own-account-region`: to a queue of the
       * same name in the task's own account and Region (one EventBridge rule and queue per account-region),
       * created on first use and kept by reset like the default one.
       */
      delivery: z.enum(['home', 'own-account-region']).default('home'),
    })
    .prefault({}),
});
export type Scenario = z.output<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;

export function parseScenario(input: unknown, origin = 'scenario'): Scenario {
  const result = ScenarioSchema.safeParse(input ?? {});
  if (!result.success) throw new Error(`invalid ${origin}:\n${z.prettifyError(result.error)}`);
  return result.data;
}

export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read scenario file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`scenario file ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseScenario(json, `scenario file ${path}`);
}

/** Draws simulated seconds from a distribution, clamped to its bounds and never negative. */
export function sampleSeconds(distribution: Distribution, random: Random): number {
  switch (distribution.kind) {
    case 'fixed':
      return distribution.seconds;
    case 'uniform':
      return distribution.minSeconds + random() * (distribution.maxSeconds - distribution.minSeconds);
    case 'normal': {
      // Box-Muller; 1 - random() keeps the logarithm finite.
      const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      return clamp(distribution.meanSeconds + gaussian * distribution.stdDevSeconds, distribution.minSeconds, distribution.maxSeconds);
    }
    case 'exponential':
      return clamp(-Math.log(1 - random()) * distribution.meanSeconds, distribution.minSeconds, distribution.maxSeconds);
  }
}

function clamp(value: number, min: number | undefined, max: number | undefined): number {
  let result = Math.max(0, value);
  if (min !== undefined) result = Math.max(min, result);
  if (max !== undefined) result = Math.min(max, result);
  return result;
}

export function pickWeighted<T extends { weight: number }>(items: readonly T[], random: Random): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let point = random() * total;
  for (const item of items) {
    point -= item.weight;
    if (point < 0) return item;
  }
  return items[items.length - 1];
}
