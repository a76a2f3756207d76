/**
 * The committed types (src/generated/openapi.ts) are what openapi-typescript makes of the committed OpenAPI
 * document (schemas/openapi.json) now: regenerated into a temporary file and compared. When this fails, run
 * `npm run generate -w client` and commit the result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

test('the committed generated types match the committed OpenAPI document', async () => {
  const cli = join(dirname(createRequire(import.meta.url).resolve('openapi-typescript/package.json')), 'bin', 'cli.js');
  const dir = await mkdtemp(join(tmpdir(), 'longshore-client-'));
  try {
    const fresh = join(dir, 'openapi.ts');
    // Same arguments as `npm run generate` (package.json), relative to the package so the header matches.
    await promisify(execFile)(process.execPath, [cli, '../schemas/openapi.json', '-o', fresh], { cwd: packageRoot });
    const committed = await readFile(join(packageRoot, 'src', 'generated', 'openapi.ts'), 'utf8');
    assert.ok(committed.includes('"/apis/longshore.dev/v1alpha1/namespaces/{namespace}/runs/{name}/log"'), 'the committed types describe the API');
    const difference = firstDifference(committed, await readFile(fresh, 'utf8'));
    // Not assert.equal on the two files: its error would carry both (hundreds of kB each), and node 20's test
    // runner, formatting them as TAP YAML, spun for many minutes without printing anything.
    assert.equal(difference, undefined, `src/generated/openapi.ts is stale (${difference}): run \`npm run generate -w client\` and commit it`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Where two texts first differ, as `line N: committed "…" / fresh "…"`; undefined when they are equal. */
function firstDifference(committed: string, fresh: string): string | undefined {
  if (committed === fresh) return undefined;
  const [a, b] = [committed.split('\n'), fresh.split('\n')];
  const index = a.findIndex((line, i) => line !== b[i]);
  const at = index === -1 ? a.length : index;
  const clip = (line: string | undefined) => (line === undefined ? '(end of file)' : JSON.stringify(line.slice(0, 160)));
  return `line ${at + 1}: committed ${clip(a[at])} / fresh ${clip(b[at])}`;
}
