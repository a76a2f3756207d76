/**
 * The container instances behind the EC2 launch type, reduced to one pool of cpu units and MiB. A task
 * that does not fit comes back in RunTask failures[] as RESOURCE:CPU or RESOURCE:MEMORY (docs/ecs-facts.md#runtask).
 */
export interface Ec2CapacityLimits {
  cpu: number;
  memory: number;
}

/** Four m5.xlarge-sized instances (4 vCPU, 16 GiB each). */
export const DEFAULT_EC2_CAPACITY: Ec2CapacityLimits = { cpu: 4 * 4096, memory: 4 * 16384 };

export class Ec2CapacityPool {
  private usedCpu = 0;
  private usedMemory = 0;

  constructor(private readonly limits: Ec2CapacityLimits) {}

  /** Reserves the resources, or answers which one is short ("RESOURCE:CPU" / "RESOURCE:MEMORY"). */
  reserve(cpu: number, memory: number): string | undefined {
    if (this.usedCpu + cpu > this.limits.cpu) return 'RESOURCE:CPU';
    if (this.usedMemory + memory > this.limits.memory) return 'RESOURCE:MEMORY';
    this.usedCpu += cpu;
    this.usedMemory += memory;
    return undefined;
  }

  release(cpu: number, memory: number): void {
    this.usedCpu = Math.max(0, this.usedCpu - cpu);
    this.usedMemory = Math.max(0, this.usedMemory - memory);
  }

  clear(): void {
    this.usedCpu = 0;
    this.usedMemory = 0;
  }
}
