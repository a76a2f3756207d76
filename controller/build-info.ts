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

/** Reads a file's text, or undefined when it cannot be read (a cgroup file that does not exist here). */
export type ReadText = (path: string) => string | undefined;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * cgroup v1 writes "no limit" as the largest page-aligned signed 64-bit value (9223372036854771712 with 4 KiB
 * pages); no real limit comes near 2^60 bytes.
 */
const UNLIMITED_BYTES = 2 ** 60;

/** A limit file's bytes; undefined for v2's "max", v1's "unlimited" value, a missing file or anything unparsable. */
function limitOf(text: string | undefined): number | undefined {
  const value = text?.trim();
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const bytes = Number(value);
  return bytes > 0 && bytes < UNLIMITED_BYTES ? bytes : undefined;
}

/** `dir` and its parents up to and including `root` (a cgroup's limit also applies to everything below it). */
function upTo(root: string, dir: string): string[] {
  const dirs = [dir];
  while (dirs[dirs.length - 1] !== root && dirs[dirs.length - 1].startsWith(`${root}/`)) dirs.push(dirname(dirs[dirs.length - 1]));
  return dirs;
}

/**
 * The container's memory limit from its cgroup, or undefined when none is set. Read from the cgroup files
 * rather than process.constrainedMemory(), whose "no limit" answer differs between Node.js (libuv) versions
 * (0, 2^64 or the machine's memory). The process's cgroup comes from /proc/self/cgroup: v2's `0::PATH` line
 * (memory.max under /sys/fs/cgroup) or v1's line listing the memory controller (memory.limit_in_bytes under
 * /sys/fs/cgroup/memory). Inside a container with its own cgroup namespace PATH is "/"; without one it is the
 * host's path, so each directory from PATH up to the mount is read and the smallest limit wins. `read` is
 * injectable for tests.
 */
export function containerMemoryLimitBytes(read: ReadText = readText): number | undefined {
  const files: string[] = [];
  for (const line of (read('/proc/self/cgroup') ?? '').split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, controllers, path] = match;
    const v2 = controllers === '' && line.startsWith('0:');
    if (!v2 && !controllers.split(',').includes('memory')) continue;
    const root = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory';
    const file = v2 ? 'memory.max' : 'memory.limit_in_bytes';
    const dir = path === '/' ? root : `${root}${path.replace(/\/+$/, '')}`;
    for (const d of upTo(root, dir)) files.push(join(d, file));
  }
  const limits = files.map((file) => limitOf(read(file))).filter((bytes): bytes is number => bytes !== undefined);
  return limits.length > 0 ? Math.min(...limits) : undefined;
}
