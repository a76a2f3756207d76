/**
 * Reading members of a parsed JSON request. ECS rejects mistyped members before any business rule with
 * a SerializationException, so a type error here is one too.
 */
import { isJsonObject as isObject } from '../json-input.js';
import { EcsError } from './errors.js';
import type { JsonObject } from './model.js';

export { isObject };

const serialization = (member: string, expected: string): EcsError =>
  new EcsError('SerializationException', `Cannot deserialize member '${member}': expected ${expected}.`);

export function optionalString(input: JsonObject, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serialization(member, 'a string');
  return value;
}

export function optionalNumber(input: JsonObject, member: string): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw serialization(member, 'a number');
  return value;
}

export function optionalBoolean(input: JsonObject, member: string): boolean | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw serialization(member, 'a boolean');
  return value;
}

function optionalArray(input: JsonObject, member: string): unknown[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw serialization(member, 'a list');
  return value;
}

export function optionalObject(input: JsonObject, member: string): JsonObject | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw serialization(member, 'a structure');
  return value;
}

export function objectList(input: JsonObject, member: string): JsonObject[] {
  const list = optionalArray(input, member) ?? [];
  for (const item of list) if (!isObject(item)) throw serialization(member, 'a list of structures');
  return list as JsonObject[];
}

export function stringList(input: JsonObject, member: string): string[] {
  const list = optionalArray(input, member) ?? [];
  for (const item of list) if (typeof item !== 'string') throw serialization(member, 'a list of strings');
  return list as string[];
}

/** Required member: ECS answers a missing one with InvalidParameterException naming it. */
export function requiredString(input: JsonObject, member: string): string {
  const value = optionalString(input, member);
  if (value === undefined) throw new EcsError('InvalidParameterException', `${member} can not be blank.`);
  return value;
}
