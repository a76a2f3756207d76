/**
 * ECS accepts task cpu and memory as integers or as strings such as "1 vCPU" and "2GB", and converts them to
 * integer strings ("1024", "2048") at registration. These helpers do the same conversion so a rendered
 * definition and a described one compare equal.
 */

/** CPU units from a number, "1024", "1 vCPU" or "0.25 vcpu"; undefined when it is not a CPU amount. */
export function cpuUnits(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  return match[2] ? Math.round(amount * 1024) : amount;
}

/** MiB from a number, "2048", "2GB" or "2 gb"; undefined when it is not a memory amount. */
export function memoryMiB(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(gb|mb|mib|gib)?\s*$/i.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2]?.toLowerCase();
  return unit === 'gb' || unit === 'gib' ? Math.round(amount * 1024) : amount;
}

/** The integer string ECS stores, or the input unchanged when it cannot be read (ECS will reject it). */
export function cpuString(value: number | string): string {
  const units = cpuUnits(value);
  return units === undefined ? String(value) : String(units);
}

export function memoryString(value: number | string): string {
  const mib = memoryMiB(value);
  return mib === undefined ? String(value) : String(mib);
}
