/** Task sizes as users write them (CPU units or "N vCPU", MiB or "N GB"), normalised to ECS's units. */
import { z } from 'zod';

/** ECS accepts "1 vCPU" as well as 1024; Longshore normalises to CPU units. */
function cpuUnits(value: number | string): number {
  if (typeof value === 'number') return value;
  const vcpu = /^\s*(\d+(?:\.\d+)?)\s*vcpu\s*$/i.exec(value);
  return vcpu ? Math.round(Number(vcpu[1]) * 1024) : Number(value);
}
/** ECS accepts "2GB" as well as 2048; Longshore normalises to MiB. */
function memoryMiB(value: number | string): number {
  if (typeof value === 'number') return value;
  const gb = /^\s*(\d+(?:\.\d+)?)\s*gb\s*$/i.exec(value);
  return gb ? Math.round(Number(gb[1]) * 1024) : Number(value);
}
export const Cpu = z
  .union([z.number().int().positive(), z.string().regex(/^\s*(\d+|\d+(\.\d+)?\s*[vV][cC][pP][uU])\s*$/, 'must be CPU units (1024) or "N vCPU"')])
  .transform(cpuUnits)
  .describe('Task CPU units (1024 = 1 vCPU); "1 vCPU" is accepted.');
export const Memory = z
  .union([z.number().int().positive(), z.string().regex(/^\s*(\d+|\d+(\.\d+)?\s*[gG][bB])\s*$/, 'must be MiB (2048) or "N GB"')])
  .transform(memoryMiB)
  .describe('Task memory in MiB; "2GB" is accepted.');
