/**
 * The container instances registered to each cluster: the capacity behind the EC2 and EXTERNAL launch
 * types. On AWS an instance joins a cluster when its ECS agent calls RegisterContainerInstance with the
 * instance's identity document; the simulator has no agents, so instances are provisioned from outside
 * (the scenario's `clusters`, `sim.containerInstances`, POST /_sim/container-instances) and the ECS API
 * only reads them (ListContainerInstances, DescribeContainerInstances). RunTask places EC2 / EXTERNAL
 * tasks on them, holding cpu and memory until the task stops (docs/simulator.md "Container instances").
 */
import { z } from 'zod';
import type { Random } from '../random.js';
import { randomHex } from '../random.js';
import { containerInstanceArn, type Identity } from './identity.js';

export type InstanceKind = 'EC2' | 'EXTERNAL';

/** An m5.xlarge-sized instance: 4 vCPU, 16 GiB. */
export const DEFAULT_INSTANCE_CPU = 4096;
export const DEFAULT_INSTANCE_MEMORY = 16384;
/** ECS Anywhere servers the default cluster has unless the scenario names `default` (issue 12: EXTERNAL works out of the box). */
export const DEFAULT_CLUSTER_EXTERNAL_INSTANCES = 2;

/** What to provision on one cluster (scenario `clusters.<name>`, sim.containerInstances.register). */
export const InstanceSpecSchema = z.strictObject({
  /** How many EC2 container instances to register. */
  count: z.number().int().min(0).max(1000).default(1),
  /** EC2: an EC2 instance (`i-…`); EXTERNAL: an on-premises server or VM (`mi-…`, ECS Anywhere). */
  kind: z.enum(['EC2', 'EXTERNAL']).default('EC2'),
  /** Registered cpu units and MiB per instance. */
  cpu: z.number().int().positive().default(DEFAULT_INSTANCE_CPU),
  memory: z.number().int().positive().default(DEFAULT_INSTANCE_MEMORY),
});
export type InstanceSpecInput = z.input<typeof InstanceSpecSchema>;
export type InstanceSpec = z.output<typeof InstanceSpecSchema>;

export interface ContainerInstanceRecord {
  containerInstanceArn: string;
  /** The id at the end of the ARN (32 hex digits, as in the new ARN format). */
  id: string;
  clusterName: string;
  kind: InstanceKind;
  /** `i-…` for EC2, `mi-…` for EXTERNAL. */
  ec2InstanceId: string;
  registeredCpu: number;
  registeredMemory: number;
  remainingCpu: number;
  remainingMemory: number;
  registeredAtMs: number;
  /** Bumped on every change of remaining resources, as ECS's own `version`. */
  version: number;
}

/** Which resource an instance lacks for a task, as RunTask names it in failures[]. */
export type Shortage = 'RESOURCE:CPU' | 'RESOURCE:MEMORY';

export function shortageOn(instance: ContainerInstanceRecord, cpu: number, memory: number): Shortage | undefined {
  if (cpu > instance.remainingCpu) return 'RESOURCE:CPU';
  if (memory > instance.remainingMemory) return 'RESOURCE:MEMORY';
  return undefined;
}

export class ContainerInstances {
  /** cluster name → its instances in registration order. */
  private readonly byCluster = new Map<string, ContainerInstanceRecord[]>();

  constructor(
    private readonly identity: Identity,
    private readonly idRandom: Random,
    private readonly now: () => number,
  ) {}

  register(clusterName: string, spec: InstanceSpec): ContainerInstanceRecord[] {
    const list = this.byCluster.get(clusterName) ?? [];
    this.byCluster.set(clusterName, list);
    const added: ContainerInstanceRecord[] = [];
    for (let i = 0; i < spec.count; i += 1) {
      const id = randomHex(this.idRandom, 32);
      const record: ContainerInstanceRecord = {
        containerInstanceArn: containerInstanceArn(this.identity, clusterName, id),
        id,
        clusterName,
        kind: spec.kind,
        ec2InstanceId: `${spec.kind === 'EC2' ? 'i' : 'mi'}-${randomHex(this.idRandom, 17)}`,
        registeredCpu: spec.cpu,
        registeredMemory: spec.memory,
        remainingCpu: spec.cpu,
        remainingMemory: spec.memory,
        registeredAtMs: this.now(),
        version: 1,
      };
      list.push(record);
      added.push(record);
    }
    return added;
  }

  of(clusterName: string, kind?: InstanceKind): ContainerInstanceRecord[] {
    const list = this.byCluster.get(clusterName) ?? [];
    return kind === undefined ? [...list] : list.filter((instance) => instance.kind === kind);
  }

  /** An instance of the cluster by ARN or id. */
  find(clusterName: string, reference: string): ContainerInstanceRecord | undefined {
    const id = reference.slice(reference.lastIndexOf('/') + 1);
    return this.byCluster.get(clusterName)?.find((instance) => instance.id === id);
  }

  reserve(instance: ContainerInstanceRecord, cpu: number, memory: number): void {
    instance.remainingCpu -= cpu;
    instance.remainingMemory -= memory;
    instance.version += 1;
  }

  /** Gives a stopped task's resources back (to an instance that is still registered). */
  release(clusterName: string, containerInstanceArnValue: string, cpu: number, memory: number): void {
    const instance = this.find(clusterName, containerInstanceArnValue);
    if (instance === undefined) return;
    instance.remainingCpu = Math.min(instance.registeredCpu, instance.remainingCpu + cpu);
    instance.remainingMemory = Math.min(instance.registeredMemory, instance.remainingMemory + memory);
    instance.version += 1;
  }

  clear(): void {
    this.byCluster.clear();
  }
}
