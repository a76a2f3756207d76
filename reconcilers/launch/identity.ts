/**
 * Deterministic identities that make a launch idempotent and let the controller recognise its own tasks.
 *
 * - clientToken: ECS returns the original task when RunTask is retried with the same token in the same
 *   cluster (for 24 h, or the task's lifetime plus one hour), so a re-delivered or retried launch of one
 *   attempt never creates a second task. "Up to 64 ASCII characters in the range 33-126".
 * - startedBy: marks every task with the run it belongs to. "Up to 128 letters, numbers, hyphens, forward
 *   slashes and underscores." Run names (lowercase letters, digits, "-" and ".") map reversibly by
 *   writing "." as "_"; names too long for that fall back to a hash, recognised but not reversible.
 */
import { createHash } from 'node:crypto';

const CLIENT_TOKEN_MAX = 64;
const CLIENT_TOKEN_CHARS = /^[\x21-\x7e]+$/;

export function clientTokenFor(runUid: string, attempt: number): string {
  const plain = `${runUid}:${attempt}`;
  if (plain.length <= CLIENT_TOKEN_MAX && CLIENT_TOKEN_CHARS.test(plain)) return plain;
  return sha256(plain).slice(0, CLIENT_TOKEN_MAX);
}

export const STARTED_BY_PREFIX = 'longshore';
const STARTED_BY_MAX = 128;
const SAFE_NAMESPACE = /^[A-Za-z0-9_-]{1,40}$/;
const SAFE_RUN_NAME = /^[a-z0-9][-a-z0-9.]*$/;

/** The namespace as it appears in startedBy: itself when safe and short, else "n" + a hash. */
export function namespaceTag(namespace: string): string {
  return SAFE_NAMESPACE.test(namespace) ? namespace : `n${sha256(namespace).slice(0, 16)}`;
}

/** `longshore/<namespace>/<run name with . as _>`, or `longshore/<namespace>/h/<hash>` when that is too long. */
export function startedByFor(namespace: string, runName: string): string {
  const prefix = `${STARTED_BY_PREFIX}/${namespaceTag(namespace)}/`;
  if (SAFE_RUN_NAME.test(runName)) {
    const readable = prefix + runName.replace(/\./g, '_');
    if (readable.length <= STARTED_BY_MAX) return readable;
  }
  return `${prefix}h/${runHash(namespace, runName)}`;
}

export function runHash(namespace: string, runName: string): string {
  return sha256(`${namespace}\n${runName}`).slice(0, 40);
}

export type ParsedStartedBy =
  | { namespaceTag: string; runName: string }
  | { namespaceTag: string; runHash: string };

/** The reverse of startedByFor; null for tasks Longshore did not start. */
export function parseStartedBy(startedBy: string | undefined): ParsedStartedBy | null {
  if (!startedBy) return null;
  const parts = startedBy.split('/');
  if (parts[0] !== STARTED_BY_PREFIX) return null;
  const [, tag, third, fourth] = parts;
  if (!tag) return null;
  if (parts.length === 3 && third) return { namespaceTag: tag, runName: third.replace(/_/g, '.') };
  if (parts.length === 4 && third === 'h' && fourth && /^[0-9a-f]{40}$/.test(fourth)) return { namespaceTag: tag, runHash: fourth };
  return null;
}

/** Whether a task's startedBy names this run of this namespace (either form). */
export function startedByMatches(startedBy: string | undefined, namespace: string, runName: string): boolean {
  const parsed = parseStartedBy(startedBy);
  if (!parsed || parsed.namespaceTag !== namespaceTag(namespace)) return false;
  return 'runName' in parsed ? parsed.runName === runName : parsed.runHash === runHash(namespace, runName);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
