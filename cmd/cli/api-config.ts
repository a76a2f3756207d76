/**
 * Where the CLI sends its requests: to the HTTP API when a server is configured, else straight to Redis.
 *
 * In order: `--context NAME` picks a context of the config file; else LONGSHORE_SERVER (with
 * LONGSHORE_TOKEN) from the environment; else the file's `current-context`; else direct Redis mode. The
 * config file is LONGSHORE_CONFIG, default ~/.longshore/config, kubeconfig-like (docs/cli.md):
 *
 *   current-context: prod
 *   contexts:
 *     - name: prod
 *       server: https://longshore.example.com:8443
 *       token: lst_…            # or tokenFile: /path/to/file holding the token
 *       namespace: data         # optional; -n and LONGSHORE_NAMESPACE still win
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { UsageError } from './errors.js';

export interface ApiConnection {
  server: string;
  token?: string;
  /** The context's namespace, if it sets one. */
  namespace?: string;
  /** Where the settings came from, for messages: `context "prod" (~/.longshore/config)` or `LONGSHORE_SERVER`. */
  origin: string;
}

const Context = z.strictObject({
  name: z.string().min(1),
  server: z.url({ protocol: /^https?$/, error: 'server must be an http:// or https:// URL' }),
  token: z.string().min(1).optional(),
  tokenFile: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
});
const ConfigFile = z.strictObject({
  'current-context': z.string().optional(),
  contexts: z.array(Context).default([]),
});
type ConfigFile = z.infer<typeof ConfigFile>;

export function configPath(env: Readonly<Record<string, string | undefined>>): string {
  return env.LONGSHORE_CONFIG || join(homedir(), '.longshore', 'config');
}

function readConfig(path: string): ConfigFile {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`config file ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = ConfigFile.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new UsageError(`config file ${path}: ${field || '(top level)'}: ${issue.message}`);
  }
  const names = parsed.data.contexts.map((c) => c.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new UsageError(`config file ${path}: context "${twice}" is defined twice`);
  return parsed.data;
}

function fromContext(file: ConfigFile, path: string, name: string): ApiConnection {
  const context = file.contexts.find((c) => c.name === name);
  if (!context) {
    const known = file.contexts.map((c) => c.name).join(', ') || 'none';
    throw new UsageError(`context "${name}" is not in ${path} (contexts: ${known})`);
  }
  if (context.token !== undefined && context.tokenFile !== undefined) throw new UsageError(`config file ${path}: context "${name}" has both token and tokenFile; keep one`);
  let token = context.token;
  if (context.tokenFile !== undefined) {
    try {
      token = readFileSync(context.tokenFile, 'utf8').trim();
    } catch (error) {
      throw new UsageError(`context "${name}": cannot read tokenFile ${context.tokenFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return { server: context.server, ...(token ? { token } : {}), ...(context.namespace ? { namespace: context.namespace } : {}), origin: `context "${name}" (${path})` };
}

/** The API to use, or undefined for direct Redis mode. `contextFlag` is --context. */
export function resolveApiConnection(env: Readonly<Record<string, string | undefined>>, contextFlag?: string): ApiConnection | undefined {
  const path = configPath(env);
  if (contextFlag !== undefined && contextFlag !== '') {
    if (!existsSync(path)) throw new UsageError(`--context ${contextFlag}: no config file at ${path} (set LONGSHORE_CONFIG or create it; see docs/cli.md)`);
    return fromContext(readConfig(path), path, contextFlag);
  }
  if (env.LONGSHORE_SERVER) {
    if (!/^https?:\/\/[^/]/.test(env.LONGSHORE_SERVER)) throw new UsageError(`LONGSHORE_SERVER must be an http:// or https:// URL, not ${JSON.stringify(env.LONGSHORE_SERVER)}`);
    return { server: env.LONGSHORE_SERVER, ...(env.LONGSHORE_TOKEN ? { token: env.LONGSHORE_TOKEN } : {}), origin: 'LONGSHORE_SERVER' };
  }
  if (!existsSync(path)) return undefined;
  const file = readConfig(path);
  const current = file['current-context'];
  return current ? fromContext(file, path, current) : undefined;
}
