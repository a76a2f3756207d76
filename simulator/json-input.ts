/**
 * Reading an awsJson request body without trusting it: each accessor answers the field when it has the
 * expected JSON type and undefined otherwise, so handlers validate with plain checks instead of casts.
 * Shared by the lenient awsJson handlers (CloudWatch Logs, SQS); ECS reads strictly through ecs/fields.ts.
 */
export type JsonObject = Record<string, unknown>;

/** The parsed body, or undefined when it is not a JSON object. An empty body reads as `{}`. */
export function parseJsonObject(body: string): JsonObject | undefined {
  if (body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

export function stringField(input: JsonObject, key: string): string | undefined {
  const value = input[key];
  return typeof value === 'string' ? value : undefined;
}

export function numberField(input: JsonObject, key: string): number | undefined {
  const value = input[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function booleanField(input: JsonObject, key: string): boolean | undefined {
  const value = input[key];
  return typeof value === 'boolean' ? value : undefined;
}

export function arrayField(input: JsonObject, key: string): unknown[] | undefined {
  const value = input[key];
  return Array.isArray(value) ? value : undefined;
}

export function objectField(input: JsonObject, key: string): JsonObject | undefined {
  const value = input[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
