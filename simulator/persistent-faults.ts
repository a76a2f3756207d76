/**
 * Persistent faults: an outage that lasts until it is cleared, unlike the scenario's random `serverErrorRate`.
 * A rule picks ECS calls by action and/or cluster and answers every one of them with an error (default HTTP 500
 * ServerException) or holds it unanswered (a timeout), so tests of circuit breakers and backoff can make
 * "every RunTask on cluster X fails" happen deterministically. Rules come from the scenario
 * (`faults.persistent`), from `sim.faults` in-process, or from the /_sim/faults admin routes.
 */
import { z } from 'zod';

export const PersistentFaultSchema = z.strictObject({
  /** ECS action name, e.g. "RunTask". Absent: every ECS action. */
  action: z.string().min(1).optional(),
  /** Cluster name or ARN; matches calls addressed to that cluster (absent `cluster` member = "default"). Absent: any cluster, and calls that name none. */
  cluster: z.string().min(1).optional(),
  /** "error": answer at once with `status`/`type`/`message`; "timeout": hold the call unanswered until the rule is removed. */
  mode: z.enum(['error', 'timeout']).default('error'),
  status: z.number().int().min(400).max(599).default(500),
  type: z.string().min(1).default('ServerException'),
  message: z.string().default('Service unavailable. Please try again later.'),
  /** How many matching calls the rule hits before it removes itself. Absent: until cleared. */
  times: z.number().int().positive().optional(),
});
export type PersistentFaultInput = z.input<typeof PersistentFaultSchema>;
export type PersistentFaultRule = z.output<typeof PersistentFaultSchema>;
export interface PersistentFault extends PersistentFaultRule {
  id: string;
  /** Matching calls answered (or held) so far. */
  hits: number;
}

/** ECS actions whose request names a cluster (absent = "default"); other actions match only cluster-less rules. */
const CLUSTER_SCOPED = new Set(['RunTask', 'StartTask', 'StopTask', 'DescribeTasks', 'ListTasks', 'RegisterContainerInstance',
  'DeregisterContainerInstance', 'ListContainerInstances', 'DescribeContainerInstances']);

function clusterName(reference: string): string {
  const at = reference.indexOf(':cluster/');
  return at >= 0 ? reference.slice(at + ':cluster/'.length) : reference;
}

export class PersistentFaults {
  private readonly rules = new Map<string, PersistentFault>();
  /** Calls held by timeout rules: released (answered with the rule's error) when their rule goes away. */
  private readonly held = new Map<string, Set<() => void>>();
  private nextId = 1;

  add(input: PersistentFaultInput): PersistentFault {
    return this.addUnchecked(input);
  }

  /** `add` for JSON from outside (the admin route): validated the same way. */
  addUnchecked(input: unknown): PersistentFault {
    const parsed = PersistentFaultSchema.safeParse(input);
    if (!parsed.success) throw new Error(`invalid persistent fault:\n${z.prettifyError(parsed.error)}`);
    const rule: PersistentFault = { ...parsed.data, id: `fault-${this.nextId++}`, hits: 0 };
    this.rules.set(rule.id, rule);
    return { ...rule };
  }

  list(): PersistentFault[] {
    return [...this.rules.values()].map((rule) => ({ ...rule }));
  }

  /** Removes one rule (true when it existed) and answers the calls it was holding. */
  remove(id: string): boolean {
    const existed = this.rules.delete(id);
    const held = this.held.get(id);
    this.held.delete(id);
    for (const release of held ?? []) release();
    return existed;
  }

  clear(): void {
    for (const id of [...this.rules.keys(), ...this.held.keys()]) this.remove(id);
  }

  /** The rule a call hits (counting the hit), or undefined. `cluster` is the request's cluster member, if the action has one. */
  match(action: string, cluster: string | undefined): PersistentFault | undefined {
    const scoped = CLUSTER_SCOPED.has(action);
    const callCluster = scoped ? clusterName(cluster ?? 'default') : undefined;
    for (const rule of this.rules.values()) {
      if (rule.action !== undefined && rule.action !== action) continue;
      if (rule.cluster !== undefined && (callCluster === undefined || clusterName(rule.cluster) !== callCluster)) continue;
      rule.hits += 1;
      const hit = { ...rule };
      if (rule.times !== undefined && rule.hits >= rule.times && rule.mode === 'error') this.rules.delete(rule.id);
      return hit;
    }
    return undefined;
  }

  /** Holds a call for a timeout rule until the rule is removed (or, with `times`, until the call's own turn ends). */
  hold(rule: PersistentFault): Promise<void> {
    if (!this.rules.has(rule.id)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const set = this.held.get(rule.id) ?? new Set<() => void>();
      set.add(resolve);
      this.held.set(rule.id, set);
      const live = this.rules.get(rule.id);
      // A timeout rule with `times` holds that many calls, then stops matching new ones (held calls stay held).
      if (live !== undefined && live.times !== undefined && live.hits >= live.times) this.rules.delete(rule.id);
    });
  }
}
