import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { admitDocuments } from '../../controller/api/admission/index.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

/** YAML blocks that docs/resources.md marks as examples, so the documentation cannot drift from admission. */
function exampleBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const pattern = /<!-- example[^>]*-->\s*```yaml\n([\s\S]*?)```/g;
  for (let m = pattern.exec(markdown); m; m = pattern.exec(markdown)) blocks.push(m[1]);
  return blocks;
}

test('the full example pool and run in docs/resources.md pass admission', () => {
  const blocks = exampleBlocks(readFileSync(join(repoRoot(), 'docs', 'resources.md'), 'utf8'));
  assert.equal(blocks.length, 1);
  const documents = parseAllDocuments(blocks[0]).map((d) => d.toJS());
  const admitted = admitDocuments(documents, { pools: new Map() });
  assert.deepEqual(admitted.map((d) => `${d.kind}/${d.metadata.name}`), ['Pool/etl', 'Run/nightly-2026-11-23']);
  const pool = admitted[0];
  assert.ok(pool.kind === 'Pool');
  assert.equal(pool.spec.cpu, 1024);
  assert.equal(pool.spec.memory, 4096);
});

test('the multi-Region, multi-account pool sets in README.md and docs/operations.md pass admission', () => {
  for (const file of ['README.md', join('docs', 'operations.md')]) {
    const block = /```yaml\n(apiVersion[^`]*?partner-batch[^`]*?)```/.exec(readFileSync(join(repoRoot(), file), 'utf8'))?.[1];
    assert.ok(block, `${file} shows the pool set`);
    const admitted = admitDocuments(parseAllDocuments(block).map((d) => d.toJS()), { pools: new Map() });
    assert.deepEqual(admitted.map((d) => `${d.kind}/${d.metadata.name}`), ['Pool/etl-us', 'Pool/etl-eu', 'Pool/partner-batch'], file);
    const partner = admitted[2];
    assert.ok(partner.kind === 'Pool');
    assert.equal(partner.spec.roleArn, 'arn:aws:iam::210987654321:role/longshore-launcher');
  }
});
