/**
 * What build this process runs, for `longshore_build_info`: the package version, the git revision and the
 * Node.js version. The revision comes from LONGSHORE_BUILD_REVISION (the image sets it at build time) or,
 * in a checkout, from .git next to package.json; otherwise it is "unknown". Read once at start.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildInfo } from './metrics.js';

/** The directory holding Longshore's own package.json, above this module (src or dist). */
function packageRoot(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'longshore') return dir;
  }
  return undefined;
}

/** HEAD's commit from a .git directory, without a git binary: a detached HEAD, a loose ref or packed-refs. */
export function gitRevision(gitDir: string): string | undefined {
  try {
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return undefined;
    const loose = join(gitDir, ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    const packed = join(gitDir, 'packed-refs');
    if (!existsSync(packed)) return undefined;
    return readFileSync(packed, 'utf8').split('\n').map((line) => line.split(' ')).find(([, name]) => name === ref)?.[0];
  } catch {
    return undefined;
  }
}

/** A worktree's .git is a file naming the real git directory. */
function gitDirOf(root: string): string | undefined {
  const dotGit = join(root, '.git');
  if (!existsSync(dotGit)) return undefined;
  const text = readFileSync(dotGit, 'utf8').trim();
  const pointer = /^gitdir: (.+)$/.exec(text)?.[1];
  return pointer ?? dotGit;
}

export function readBuildInfo(env: NodeJS.ProcessEnv = process.env): BuildInfo {
  const root = packageRoot();
  const version = root ? ((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown') : 'unknown';
  let revision = env.LONGSHORE_BUILD_REVISION?.trim();
  if (!revision && root) {
    const gitDir = (() => { try { return gitDirOf(root); } catch { return undefined; } })();
    revision = gitDir ? gitRevision(gitDir) : undefined;
  }
  return { version, revision: revision || 'unknown', node: process.version };
}

/** Above this Node reports "no limit" (the cgroup's max, or the machine's memory). */
const UNLIMITED_BYTES = 2 ** 60;

/** The container's memory limit from its cgroup, or undefined when none is set. */
export function containerMemoryLimitBytes(): number | undefined {
  const limit = process.constrainedMemory();
  return limit > 0 && limit < UNLIMITED_BYTES ? limit : undefined;
}
