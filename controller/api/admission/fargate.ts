/** Valid Fargate task cpu/memory combinations (docs/ecs-facts.md#fargate-sizes). */

function steps(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

const FARGATE_MEMORY_BY_CPU: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, steps(1024, 4096, 1024)],
  [1024, steps(2048, 8192, 1024)],
  [2048, steps(4096, 16384, 1024)],
  [4096, steps(8192, 30720, 1024)],
  [8192, steps(16384, 61440, 4096)],
  [16384, steps(32768, 122880, 8192)],
]);

export const FARGATE_CPU_VALUES: readonly number[] = [...FARGATE_MEMORY_BY_CPU.keys()];

export function fargateMemoryOptions(cpu: number): readonly number[] {
  return FARGATE_MEMORY_BY_CPU.get(cpu) ?? [];
}

export function isValidFargateSize(cpu: number, memory: number): boolean {
  return fargateMemoryOptions(cpu).includes(memory);
}

/** The explanation ECS gives, plus what would have been valid. */
export function fargateSizeMessage(cpu: number, memory: number): string {
  const options = fargateMemoryOptions(cpu);
  const hint = options.length
    ? `with ${cpu} CPU, memory must be one of ${options.join(', ')} MiB`
    : `cpu must be one of ${FARGATE_CPU_VALUES.join(', ')}`;
  return `No Fargate configuration exists for ${cpu} CPU, ${memory} memory: ${hint}`;
}
