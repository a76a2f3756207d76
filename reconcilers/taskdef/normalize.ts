/**
 * Task-definition identity. Two definitions are the same when ECS would store the same thing: AWS's
 * registration defaults applied, empty values and post-registration fields dropped, order-insensitive lists
 * sorted. The hash of that normal form (and the region, since definitions are regional) keys the cache.
 */
import { createHash } from 'node:crypto';
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { cpuString, memoryString } from '../../controller/api/quantities.js';

/** Fields DescribeTaskDefinition returns that are not part of what was registered (the seed's list). */
export const POST_REGISTRATION_FIELDS = [
  'compatibilities', 'taskDefinitionArn', 'revision', 'status', 'requiresAttributes',
  'registeredAt', 'registeredBy', 'deregisteredAt',
] as const;

/** Task-level booleans AWS reports as false when they were never set. */
const TASK_FIELDS_DEFAULT_FALSE = ['enableFaultInjection'] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Recursively drops undefined, null, "", [] and {} values from objects (false and 0 stay: they mean
 * something). The seed does the same before registering and before comparing.
 */
export function dropEmpty<T>(value: T): T {
  return clean(value) as T;
}

function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => clean(item));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value)) {
    const item = clean(raw);
    if (isEmpty(item)) continue;
    out[key] = item;
  }
  return out;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object' && !(value instanceof Date)) return Object.keys(value).length === 0;
  return false;
}

/**
 * The normal form of a definition, whether it was rendered here or described by ECS (with its tags
 * merged in as `tags`).
 */
export function normalizeTaskDefinition(input: RegisterTaskDefinitionCommandInput | Record<string, unknown>): Record<string, unknown> {
  const td = structuredClone(input) as Record<string, unknown>;
  for (const field of POST_REGISTRATION_FIELDS) delete td[field];
  for (const field of TASK_FIELDS_DEFAULT_FALSE) if (td[field] === false) delete td[field];

  const networkMode = typeof td.networkMode === 'string' && td.networkMode !== '' ? td.networkMode : 'bridge';
  td.networkMode = networkMode;
  if (typeof td.cpu === 'string' || typeof td.cpu === 'number') td.cpu = cpuString(td.cpu);
  if (typeof td.memory === 'string' || typeof td.memory === 'number') td.memory = memoryString(td.memory);
  if (Array.isArray(td.requiresCompatibilities)) td.requiresCompatibilities = [...new Set(td.requiresCompatibilities as string[])].sort();
  if (Array.isArray(td.tags)) td.tags = sortBy(td.tags as Array<{ key?: string }>, (t) => t.key ?? '');
  if (Array.isArray(td.containerDefinitions)) {
    td.containerDefinitions = (td.containerDefinitions as ContainerDefinition[]).map((c) => normalizeContainer(c, networkMode));
  }
  return dropEmpty(td);
}

function normalizeContainer(input: ContainerDefinition, networkMode: string): ContainerDefinition {
  const c = { ...input };
  c.essential ??= true;
  // ECS describes an unset container cpu as 0.
  if (c.cpu === 0) delete c.cpu;
  if (c.portMappings) {
    c.portMappings = c.portMappings.map((p) => {
      const mapping = { ...p, protocol: p.protocol ?? 'tcp' };
      // In awsvpc and host mode the host port is the container port; ECS fills it in.
      if ((networkMode === 'awsvpc' || networkMode === 'host') && mapping.hostPort === undefined) mapping.hostPort = mapping.containerPort;
      return mapping;
    });
  }
  if (c.environment) c.environment = sortBy(c.environment, (e) => e.name ?? '');
  if (c.secrets) c.secrets = sortBy(c.secrets, (s) => s.name ?? '');
  if (c.environmentFiles) c.environmentFiles = sortBy(c.environmentFiles, (f) => f.value ?? '');
  return c;
}

function sortBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** JSON with object keys sorted at every level, so equal content always gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(toCanonical(value));
}

function toCanonical(value: unknown): Json {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => toCanonical(item));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = toCanonical(item);
    }
    return out;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  return null;
}

/**
 * sha256 (hex) of the normalized definition within its region and account. `account` is the role's
 * account for a pool with a roleArn; absent (the controller's own account) it is left out of the hashed
 * text, so hashes from before accounts existed stay valid.
 */
export function hashTaskDefinition(input: RegisterTaskDefinitionCommandInput | Record<string, unknown>, region: string | undefined, account?: string): string {
  const scoped = account === undefined ? { region: region ?? '' } : { region: region ?? '', account };
  const text = canonicalJson({ ...scoped, taskDefinition: normalizeTaskDefinition(input) });
  return createHash('sha256').update(text).digest('hex');
}
