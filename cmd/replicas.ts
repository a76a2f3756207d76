/**
 * Controller replicas as child processes, started the way a user starts them (`longshore controller` with
 * environment variables), each logging to a file of its own so a busy replica never blocks on a pipe. Shared by
 * the demo and the benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTROLLER_MALLOC_ENV, CONTROLLER_NODE_OPTIONS } from '../controller/node-options.js';

export interface Replica {
  name: string;
  pid: number;
  metricsPort: number;
  logFile: string;
  exitCode(): number | null;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
  stop(graceMs: number): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** The compiled CLI beside this file under dist, or the TypeScript source through tsx. */
function controllerCommand(): string[] {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) return ['--import', 'tsx', fileURLToPath(new URL('./longshore.ts', import.meta.url)), 'controller'];
  return [fileURLToPath(new URL('./longshore.js', import.meta.url)), 'controller'];
}

/** node's arguments for a replica: the production heap flags first, so the caller's flags can override them. */
export function replicaNodeArgs(nodeArgs: readonly string[] = []): string[] {
  return [...CONTROLLER_NODE_OPTIONS, ...nodeArgs, ...controllerCommand()];
}

/**
 * A replica's environment: the image's malloc settings (CONTROLLER_MALLOC_ENV) first, so a value in the
 * caller's shell can still override them for an experiment, then the caller's environment, then `env`.
 */
export function replicaEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...CONTROLLER_MALLOC_ENV, ...inheritedEnv(), ...env };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The caller's environment without REDIS_CLUSTER_NODES: the demo and the benchmark give their replicas one
 * Redis (REDIS_URL) and read the runs there, so a cluster set in the user's shell would send the replicas
 * somewhere else and leave every run pending.
 */
export function inheritedEnv(): NodeJS.ProcessEnv {
  const { REDIS_CLUSTER_NODES: _cluster, ...rest } = process.env;
  return rest;
}

/**
 * `logPrefix` names the log file: `<tmpdir>/<logPrefix>-<namespace>-<name>.log`. Each replica gets the image's heap
 * flags (CONTROLLER_NODE_OPTIONS), then `nodeArgs` (the benchmark's `--cpu-prof-dir` passes `--cpu-prof`: a
 * profile written when the replica exits; a later flag overrides the same flag before it).
 */
export async function startReplica(name: string, env: Record<string, string>, logPrefix = 'longshore', nodeArgs: readonly string[] = []): Promise<Replica> {
  const metricsPort = await freePort();
  const logFile = join(tmpdir(), `${logPrefix}-${env.LONGSHORE_NAMESPACE ?? 'default'}-${name}.log`);
  const fd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, replicaNodeArgs(nodeArgs), {
      env: replicaEnv({ ...env, LONGSHORE_REPLICA_ID: name, LONGSHORE_METRICS_PORT: String(metricsPort) }),
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const exited = once(child, 'exit').then(() => child.exitCode);
  return {
    name,
    pid: child.pid ?? 0,
    metricsPort,
    logFile,
    exitCode: () => child.exitCode,
    async stop(graceMs) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function waitReady(replica: Replica, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const code = replica.exitCode();
    if (code !== null) throw new Error(`${replica.name} exited with ${code}; see ${replica.logFile}`);
    if (await fetch(`http://127.0.0.1:${replica.metricsPort}/readyz`).then((r) => r.ok, () => false)) return;
    if (Date.now() > deadline) throw new Error(`${replica.name} not ready after ${timeoutMs} ms; see ${replica.logFile}`);
    await sleep(200);
  }
}
