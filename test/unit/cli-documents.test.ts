import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DOCUMENTS, MAX_INPUT_BYTES, parseDocuments } from '../../cmd/cli/documents.js';
import { duplicateJsonKey } from '../../cmd/cli/duplicate-keys.js';
import { UsageError } from '../../cmd/cli/errors.js';

const POOL = { apiVersion: 'longshore.dev/v1alpha1', kind: 'Pool', metadata: { name: 'p' }, spec: { env: { A: '1' } } };
const bigEnvPool = (n: number) => ({ ...POOL, spec: { env: Object.fromEntries(Array.from({ length: n }, (_, i) => [`VAR_${i}`, 'value'])) } });

function usageError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

describe('CLI documents: JSON is read as JSON, YAML as YAML, the same documents either way', () => {
  test('a JSON object, a JSON array, a List and multi-document YAML', () => {
    assert.deepEqual(parseDocuments(JSON.stringify(POOL), 'f.json', { json: true }), [POOL]);
    assert.deepEqual(parseDocuments(` \n[${JSON.stringify(POOL)}, ${JSON.stringify({ kind: 'List', items: [POOL] })}]`, 'stdin'), [POOL, POOL]);
    assert.deepEqual(parseDocuments(`kind: Pool\n---\nkind: Run\n...\n---\n`, 'stdin'), [{ kind: 'Pool' }, { kind: 'Run' }]);
    // Flow-style YAML starts with "{" too: it is not JSON, so YAML reads it.
    assert.deepEqual(parseDocuments('{kind: Run, metadata: {name: r}}', 'stdin'), [{ kind: 'Run', metadata: { name: 'r' } }]);
  });

  test('a .json file must be JSON', () => {
    usageError(() => parseDocuments('{kind: Run}', 'f.json', { json: true }), /^f\.json: invalid JSON: /);
  });

  test('JSON keeps __proto__ as a key admission can see and reject', () => {
    const [doc] = parseDocuments('{"kind":"Pool","spec":{"env":{"__proto__":"x"}}}', 'stdin') as Array<{ spec: { env: object } }>;
    assert.deepEqual(Object.keys(doc.spec.env), ['__proto__']);
  });
});

describe('CLI documents: duplicate keys are errors in JSON and YAML, found in linear time', () => {
  test('YAML: the second occurrence with its line', () => {
    usageError(() => parseDocuments('kind: Pool\nspec:\n  env:\n    A: "1"\n    B: "2"\n    A: "3"\n', 'p.yaml'), /^p\.yaml: line 6: duplicate key "A"$/);
  });

  test('JSON: escapes are decoded before comparing; equal keys in different objects are fine', () => {
    usageError(() => parseDocuments('{"kind":"Pool",\n"spec":{"env":{"A":"1","\\u0041":"2"}}}', 'stdin'), /^stdin: line 2: duplicate key "A"$/);
    assert.equal(duplicateJsonKey('[{"a":1,"b":{"a":2}},{"a":"a","b":["a","a"]}]'), undefined);
    assert.deepEqual(duplicateJsonKey('{"a":{"x":"\\"}"},"b":1,"a":2}'), { key: 'a', line: 1 });
  });

  test('100,000 keys: duplicate detection is linear (YAML compared every pair)', () => {
    const env = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`K${i}`, '']));
    assert.equal(duplicateJsonKey(JSON.stringify({ env })), undefined);
    assert.deepEqual(duplicateJsonKey(`${JSON.stringify({ env }).slice(0, -2)},"K5":""}}`), { key: 'K5', line: 1 });
  });
});

describe('CLI documents: YAML aliases', () => {
  test('an alias to no anchor is an input error', () => {
    usageError(() => parseDocuments('kind: Run\nspec: *undefined\n', 'r.yaml'), /^r\.yaml: Unresolved alias/);
  });

  test('an alias bomb is refused, not expanded', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    usageError(() => parseDocuments(bomb, 'bomb.yaml'), /^bomb\.yaml: Excessive alias count/);
  });
});

describe('CLI documents: size caps answer before parsing what cannot be admitted', () => {
  test('a pool with 100,000 env variables: JSON and YAML are both refused as too large', () => {
    const json = JSON.stringify(bigEnvPool(100_000));
    usageError(() => parseDocuments(json, 'pool.json', { json: true }), /^pool\.json: document 1 is \d+ bytes as JSON; at most 524288 \(512 KiB\) per document$/);
    const yaml = `kind: Pool\nmetadata: {name: p}\n---\nkind: Pool\nspec:\n  env:\n${Object.keys(bigEnvPool(100_000).spec.env).map((k) => `    ${k}: value\n`).join('')}`;
    usageError(() => parseDocuments(yaml, 'pool.yaml'), /^pool\.yaml: document 2 is \d+ characters; at most 524288 \(512 KiB\) per document$/);
  });

  test('the whole input and the number of documents are capped', () => {
    usageError(() => parseDocuments(' '.repeat(MAX_INPUT_BYTES + 1), 'stdin'), /^stdin: 8388609 bytes; at most 8388608 \(8 MiB\) per input$/);
    usageError(() => parseDocuments(JSON.stringify(Array(MAX_DOCUMENTS + 1).fill({ kind: 'Run' })), 'stdin'), /10001 documents; at most 10000 per file/);
  });
});
