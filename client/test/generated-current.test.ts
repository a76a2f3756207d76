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
    assert.equal(committed, await readFile(fresh, 'utf8'), 'src/generated/openapi.ts is stale: run `npm run generate -w client` and commit it');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
