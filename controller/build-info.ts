/**
 * Which build this process is: the package version (package.json), the git revision stamped into
 * `dist/build-info.json` at build time (scripts/stamp-build.sh; "unknown" when built without it, e.g. from a
 * tarball without .git and no LONGSHORE_REVISION) and the Node.js version. One source for `longshore
 * version`, the replica registry (controller/replica-registry.ts) and metrics such as build_info.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  revision: string;
  node: string;
}

/** A controller replica's build as registered in Redis, with when it registered. */
export interface ReplicaBuild extends BuildInfo {
  replica: string;
  startedAt: string;
}

export const UNKNOWN = 'unknown';
const PACKAGE_NAME = 'longshore';

/** The nearest package.json named "longshore" above `from` (source and dist trees alike). */
function packageVersion(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const parsed = readJson(file) as { name?: unknown; version?: unknown } | undefined;
      if (parsed?.name === PACKAGE_NAME && typeof parsed.version === 'string') return parsed.version;
    }
    if (dirname(dir) === dir) return UNKNOWN;
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The stamped revision in `file` (see scripts/stamp-build.sh), or "unknown". */
export function stampedRevision(file: string): string {
  const stamp = readJson(file) as { revision?: unknown } | undefined;
  return typeof stamp?.revision === 'string' && stamp.revision !== '' ? stamp.revision : UNKNOWN;
}

let cached: BuildInfo | undefined;

/** This process's build. dist/controller/build-info.js reads dist/build-info.json. */
export function buildInfo(): BuildInfo {
  if (cached) return cached;
  const here = dirname(fileURLToPath(import.meta.url));
  cached = { version: packageVersion(here), revision: stampedRevision(join(here, '..', 'build-info.json')), node: process.version };
  return cached;
}
