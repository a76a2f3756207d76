/**
 * Task cpu and memory: the one grammar Longshore accepts for them and the conversions to ECS's units.
 *
 * ECS takes task-level cpu as CPU units ("1024") or vCPUs ("1 vCPU", "1 vcpu") and memory as MiB ("2048") or
 * GB ("2GB", "2 GB"); it converts the strings to integer strings at registration (RegisterTaskDefinition
 * `cpu`/`memory`; docs/ecs-facts.md#fargate-sizes). Admission (the zod schemas below), rendering, normalisation,
 * launch overrides and the effective task size all read amounts through this module, so a value admission
 * accepts is the value rendered, and a rendered definition compares equal to the one ECS describes.
 *
 * The grammar: a positive integer, or a decimal followed by the unit (case-insensitive, optional space);
 * surrounding whitespace is ignored. Anything else ("NaN", "", "1e3", "-1", "1.5", "512 MiB") is not an
 * amount. The simulator keeps its own reading on purpose (it models AWS independently of the product).
 */
import { z } from 'zod';

/** One vCPU in CPU units, one GB in MiB. */
const PER_UNIT = 1024;

/*
 * Written without flags and with character classes for the unit so the zod schemas can publish the same
 * pattern in the JSON Schemas (JSON Schema patterns have no flags). Group 1: plain integer; group 2: amount
 * in the unit.
 */
export const CPU_PATTERN = /^\s*(?:(\d+)|(\d+(?:\.\d+)?)\s*[vV][cC][pP][uU])\s*$/;
export const MEMORY_PATTERN = /^\s*(?:(\d+)|(\d+(?:\.\d+)?)\s*[gG][bB])\s*$/;

function amount(value: number | string | undefined, pattern: RegExp): number | undefined {
  if (value === undefined) return undefined;
  let result: number;
  if (typeof value === 'number') {
    result = value;
  } else {
    const match = pattern.exec(value);
    if (!match) return undefined;
    result = match[1] !== undefined ? Number(match[1]) : Math.round(Number(match[2]) * PER_UNIT);
  }
  return Number.isSafeInteger(result) && result > 0 ? result : undefined;
}

/** CPU units from 1024, "1024", "1 vCPU" or "0.25 vcpu"; undefined when it is not a CPU amount. */
export function cpuUnits(value: number | string | undefined): number | undefined {
  return amount(value, CPU_PATTERN);
}

/** MiB from 2048, "2048", "2GB" or "2 gb"; undefined when it is not a memory amount. */
export function memoryMiB(value: number | string | undefined): number | undefined {
  return amount(value, MEMORY_PATTERN);
}

/** The integer string ECS stores, or the input unchanged when it cannot be read (ECS will judge it). */
export function cpuString(value: number | string): string {
  return String(cpuUnits(value) ?? value);
}

export function memoryString(value: number | string): string {
  return String(memoryMiB(value) ?? value);
}

const CPU_MESSAGE = 'must be positive CPU units (1024) or "N vCPU"';
const MEMORY_MESSAGE = 'must be positive MiB (2048) or "N GB"';

/** A number or a string in the grammar (the JSON Schemas publish this part). */
function written(pattern: RegExp, message: string) {
  return z.union([z.number().int().positive(), z.string().regex(pattern, message)]);
}

type Read = (value: number | string) => number | undefined;

/** The amount in ECS's units; also turns away what the pattern lets through but is no amount ("0 vCPU"). */
function toAmount(read: Read, message: string) {
  return (value: number | string, ctx: z.RefinementCtx): number => {
    const result = read(value);
    if (result !== undefined) return result;
    ctx.addIssue({ code: 'custom', message, input: value });
    return z.NEVER;
  };
}

/** Pool/run cpu as users write it, normalised to CPU units. */
export const Cpu = written(CPU_PATTERN, CPU_MESSAGE)
  .transform(toAmount(cpuUnits, CPU_MESSAGE))
  .describe('Task CPU units (1024 = 1 vCPU); "1 vCPU" is accepted.');

/** Pool/run memory as users write it, normalised to MiB. */
export const Memory = written(MEMORY_PATTERN, MEMORY_MESSAGE)
  .transform(toAmount(memoryMiB, MEMORY_MESSAGE))
  .describe('Task memory in MiB; "2GB" is accepted.');

/*
 * A task-definition template's cpu/memory: the same grammar, kept as the text the author wrote (numbers become
 * strings because RegisterTaskDefinition takes strings; YAML authors write numbers); rendering converts it.
 */
export const TemplateCpu = written(CPU_PATTERN, CPU_MESSAGE)
  .refine((value) => cpuUnits(value) !== undefined, CPU_MESSAGE)
  .transform(String);
export const TemplateMemory = written(MEMORY_PATTERN, MEMORY_MESSAGE)
  .refine((value) => memoryMiB(value) !== undefined, MEMORY_MESSAGE)
  .transform(String);
