#!/usr/bin/env node
/**
 * Generates the published JSON Schemas (schemas/*.schema.json) and the API's OpenAPI document
 * (schemas/openapi.json, controller/server/openapi.ts) from the zod schemas, the single source of truth.
 * `--check` exits 1 when a committed file differs from what would be generated.
 *   node --import tsx cmd/gen-schemas.ts [--check]      (or node dist/cmd/gen-schemas.js after a build)
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PoolDocument, RunDocument, RunStatus, ControlMessage, API_VERSION } from '../controller/api/index.js';
import { openApiText } from '../controller/server/openapi.js';

const SCHEMAS: ReadonlyArray<{ file: string; title: string; schema: z.ZodType }> = [
  { file: 'pool.schema.json', title: 'Longshore Pool', schema: PoolDocument },
  { file: 'run.schema.json', title: 'Longshore Run', schema: RunDocument },
  { file: 'run-status.schema.json', title: 'Longshore Run status', schema: RunStatus },
  { file: 'control-message.schema.json', title: 'Longshore control message', schema: ControlMessage },
];

/** The files' contents, keyed by file name; deterministic so the staleness check is exact. */
export function generateSchemas(): Map<string, string> {
  const out = new Map<string, string>();
  for (const { file, title, schema } of SCHEMAS) {
    // `input`: what a user may write (defaults optional, "1 vCPU" accepted), which is what editors need.
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
    const { $schema, ...body } = json;
    const document = { $schema, $id: `https://longshore.dev/schemas/${API_VERSION}/${file}`, title, ...body };
    out.set(file, `${JSON.stringify(document, null, 2)}\n`);
  }
  out.set('openapi.json', openApiText());
  return out;
}

/** The repository root: the nearest directory above this file holding package.json (works from dist/ too). */
export function repoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** Files under schemas/ whose committed content differs from the generated one. */
export function staleSchemas(root: string = repoRoot()): string[] {
  const stale: string[] = [];
  for (const [file, content] of generateSchemas()) {
    const path = join(root, 'schemas', file);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== content) stale.push(file);
  }
  return stale;
}

function main(argv: string[]): number {
  const root = repoRoot();
  if (argv.includes('--check')) {
    const stale = staleSchemas(root);
    if (stale.length > 0) {
      console.error(`stale JSON Schemas: ${stale.join(', ')} — run: node --import tsx cmd/gen-schemas.ts`);
      return 1;
    }
    return 0;
  }
  for (const [file, content] of generateSchemas()) writeFileSync(join(root, 'schemas', file), content);
  console.log(`wrote ${generateSchemas().size} schemas to ${join(root, 'schemas')}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
