/** Runs the built `longshore` binary as a user would (node dist/cmd/longshore.js …) for the CLI tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_REDIS_URL } from '../helpers/redis-namespace.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

export const CLI = join(repoRoot(), 'dist', 'cmd', 'longshore.js');
/** A config file path that does not exist (the CLI then ignores ~/.longshore/config). */
const NO_CONFIG = join(repoRoot(), 'dist', 'no-longshore-config');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startCli(namespace: string, args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p .)`);
  return spawn(process.execPath, [CLI, ...args], {
    // Direct mode unless a test says otherwise: no API server from the caller's environment or config file.
    env: { ...process.env, REDIS_URL: TEST_REDIS_URL, LONGSHORE_NAMESPACE: namespace, LONGSHORE_SERVER: '', LONGSHORE_TOKEN: '', LONGSHORE_CONFIG: NO_CONFIG, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess, input?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin?.end(input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function cli(namespace: string, args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return collect(startCli(namespace, args, options.env), options.input);
}
