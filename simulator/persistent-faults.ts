/**
 * Persistent faults: an outage that lasts until it is cleared, unlike the scenario's random `serverErrorRate`.
 * A rule picks calls of one service (ECS by default; also EC2, SQS and CloudWatch Logs) by action and, for
 * ECS, by cluster, and answers every one of them with that service's own 5xx (or a chosen error) or holds it
 * unanswered (a timeout), so tests of circuit breakers and backoff can make "every RunTask on cluster X
 * fails" or "every ReceiveMessage fails" happen deterministically. Rules come from the scenario
 * (`faults.persistent`), from `sim.faults` in-process, or from the /_sim/faults admin routes.
 */
import { z } from 'zod';

export const FAULT_SERVICES = ['ecs', 'ec2', 'sqs', 'logs'] as const;
export type FaultService = (typeof FAULT_SERVICES)[number];

/**
 * Each service's own answer when it fails on its side, used unless the rule names another error:
 * - ECS: ServerException, HTTP 500 (API_RunTask "Errors").
 * - EC2: InternalError, HTTP 500, "An internal error has occurred." (errors-overview.html, server error codes;
 *   `Unavailable`, 503, is the overloaded variant a rule may choose).
 * - SQS: InternalFailure, HTTP 500 (SQS API reference, CommonErrors; `ServiceUnavailable`, 503, likewise).
 * - CloudWatch Logs: ServiceUnavailableException, HTTP 500, "The service cannot complete the request."
 *   (API_GetLogEvents "Errors").
 */
export const SERVICE_FAULT_DEFAULTS: Readonly<Record<FaultService, { status: number; type: string; message: string }>> = {
  ecs: { status: 500, type: 'ServerException', message: 'Service unavailable. Please try again later.' },
  ec2: { status: 500, type: 'InternalError', message: 'An internal error has occurred.' },
  sqs: { status: 500, type: 'InternalFailure', message: 'The request processing has failed because of an unknown error, exception or failure.' },
  logs: { status: 500, type: 'ServiceUnavailableException', message: 'The service cannot complete the request.' },
};

export const PersistentFaultSchema = z.strictObject({
  /** Which service's calls the rule hits. Default: ECS. */
  service: z.enum(FAULT_SERVICES).default('ecs'),
  /** The action name, e.g. "RunTask", "DescribeSubnets", "ReceiveMessage", "GetLogEvents". Absent: every action of the service. */
  action: z.string().min(1).optional(),
  /** ECS only. Cluster name or ARN; matches calls addressed to that cluster (absent `cluster` member = "default"). Absent: any cluster, and calls that name none. */
  cluster: z.string().min(1).optional(),
  /** "error": answer at once with `status`/`type`/`message`; "timeout": hold the call unanswered until the rule is removed. */
  mode: z.enum(['error', 'timeout']).default('error'),
  /** The error; each defaults to the service's own 5xx (SERVICE_FAULT_DEFAULTS). */
  status: z.number().int().min(400).max(599).optional(),
  type: z.string().min(1).optional(),
  message: z.string().optional(),
  /** How many matching calls the rule hits before it removes itself. Absent: until cleared. */
  times: z.number().int().positive().optional(),
}).refine((rule) => rule.cluster === undefined || rule.service === 'ecs', { message: 'cluster applies to ECS rules only', path: ['cluster'] });
export type PersistentFaultInput = z.input<typeof PersistentFaultSchema>;
export type PersistentFaultRule = Omit<z.output<typeof PersistentFaultSchema>, 'status' | 'type' | 'message'> & { status: number; type: string; message: string };
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
    const defaults = SERVICE_FAULT_DEFAULTS[parsed.data.service];
    const rule: PersistentFault = {
      ...parsed.data,
      status: parsed.data.status ?? defaults.status,
      type: parsed.data.type ?? defaults.type,
      message: parsed.data.message ?? defaults.message,
      id: `fault-${this.nextId++}`,
      hits: 0,
    };
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

  /**
   * The rule a call hits (counting the hit), or undefined. `cluster` is an ECS request's cluster member, if
   * the action has one.
   */
  match(service: FaultService, action: string, cluster?: string): PersistentFault | undefined {
    const scoped = service === 'ecs' && CLUSTER_SCOPED.has(action);
    const callCluster = scoped ? clusterName(cluster ?? 'default') : undefined;
    for (const rule of this.rules.values()) {
      if (rule.service !== service) continue;
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

/**
 * The outage a call of `service` runs into, if any: resolved once a timeout rule lets the call go (it is
 * then answered with the rule's error, like an error rule at once). Protocol handlers render the error.
 */
export async function outageFor(
  faults: PersistentFaults | undefined, service: FaultService, action: string, cluster?: string,
): Promise<PersistentFault | undefined> {
  const rule = faults?.match(service, action, cluster);
  if (rule !== undefined && rule.mode === 'timeout') await faults?.hold(rule);
  return rule;
}
