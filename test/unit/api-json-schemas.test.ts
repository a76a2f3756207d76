import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSchemas, repoRoot, staleSchemas } from '../../cmd/gen-schemas.js';

test('the committed JSON Schemas match the zod schemas (run cmd/gen-schemas.ts when this fails)', () => {
  assert.deepEqual(staleSchemas(repoRoot()), []);
});

test('the staleness check notices an edited or missing schema file', () => {
  const root = mkdtempSync(join(tmpdir(), 'longshore-schemas-'));
  try {
    mkdirSync(join(root, 'schemas'));
    const generated = generateSchemas();
    for (const [file, content] of generated) writeFileSync(join(root, 'schemas', file), content);
    assert.deepEqual(staleSchemas(root), []);
    writeFileSync(join(root, 'schemas', 'pool.schema.json'), generated.get('pool.schema.json')!.replace('"Longshore Pool"', '"Old Pool"'));
    rmSync(join(root, 'schemas', 'run.schema.json'));
    assert.deepEqual(staleSchemas(root).sort(), ['pool.schema.json', 'run.schema.json']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('published schemas describe the documented fields and defaults', () => {
  const pool = JSON.parse(generateSchemas().get('pool.schema.json')!);
  const spec = pool.properties.spec;
  assert.equal(spec.additionalProperties, false);
  assert.equal(spec.properties.timeouts.properties.startSeconds.default, 300);
  assert.deepEqual(spec.properties.launchType.enum, ['FARGATE', 'FARGATE_SPOT', 'EC2', 'EXTERNAL']);
  assert.equal(pool.properties.apiVersion.const, 'longshore.dev/v1alpha1');
});
