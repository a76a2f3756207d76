/**
 * Tag rules shared by clusters, task definitions and tasks: at most 50, key 1–128 characters, value at most
 * 256, and the `aws:` prefix reserved (docs/ecs-facts.md#quotas).
 */
import { invalidParameter } from './errors.js';
import { isObject } from './fields.js';
import type { Tag } from './model.js';

export const MAX_TAGS = 50;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;

export function parseTags(raw: unknown): Tag[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidParameter('tags must be a list.');
  if (raw.length > MAX_TAGS) throw invalidParameter(`Tags can have at most ${MAX_TAGS} items.`);
  return raw.map((item, index) => {
    const key = isObject(item) && typeof item.key === 'string' ? item.key : '';
    const value = isObject(item) && typeof item.value === 'string' ? item.value : '';
    const at = `tags.${index + 1}.member`;
    if (key.length < 1 || [...key].length > MAX_TAG_KEY_LENGTH) {
      throw invalidParameter(
        `1 validation error detected: Value at '${at}.key' failed to satisfy constraint: Member must have length between 1 and ${MAX_TAG_KEY_LENGTH}`,
      );
    }
    if ([...value].length > MAX_TAG_VALUE_LENGTH) {
      throw invalidParameter(
        `1 validation error detected: Value at '${at}.value' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TAG_VALUE_LENGTH}`,
      );
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidParameter('Tag keys with the prefix aws: are reserved for AWS use and cannot be used.');
    }
    return { key, value };
  });
}
