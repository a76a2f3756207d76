/**
 * Task-level cpu/memory as ECS accepts them and the Fargate sizes it allows (docs/ecs-facts.md#fargate-sizes).
 * cpu may be "1024" or "1 vCPU"; memory "2048" or "2GB"; both are stored as integer strings.
 */

/** cpu units, or undefined when the text is not a cpu value ECS understands. */
export function parseCpuUnits(value: string): number | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const vcpu = /^(\d*\.?\d+)\s*vcpu$/i.exec(text);
  return vcpu ? Math.round(Number(vcpu[1]) * 1024) : undefined;
}

/** memory MiB, or undefined when the text is not a memory value ECS understands. */
export function parseMemoryMiB(value: string): number | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const gb = /^(\d*\.?\d+)\s*gb$/i.exec(text);
  return gb ? Math.round(Number(gb[1]) * 1024) : undefined;
}

function steps(fromMiB: number, toMiB: number, stepMiB: number): number[] {
  const result: number[] = [];
  for (let m = fromMiB; m <= toMiB; m += stepMiB) result.push(m);
  return result;
}

const FARGATE_MEMORY_BY_CPU: ReadonlyMap<number, ReadonlySet<number>> = new Map([
  [256, new Set([512, 1024, 2048])],
  [512, new Set([1024, 2048, 3072, 4096])],
  [1024, new Set(steps(2048, 8192, 1024))],
  [2048, new Set(steps(4096, 16384, 1024))],
  [4096, new Set(steps(8192, 30720, 1024))],
  [8192, new Set(steps(16384, 61440, 4096))],
  [16384, new Set(steps(32768, 122880, 8192))],
]);

export function isValidFargateSize(cpuUnits: number, memoryMiB: number): boolean {
  return FARGATE_MEMORY_BY_CPU.get(cpuUnits)?.has(memoryMiB) ?? false;
}
