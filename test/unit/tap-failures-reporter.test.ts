/**
 * scripts/tap-failures-reporter.mjs, the reporter `npm test` runs with: node's TAP output, the failed tests
 * named just before the closing summary, and that summary still last (CI reads it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function reporterPath(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'scripts', 'tap-failures-reporter.mjs');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('scripts/tap-failures-reporter.mjs not found above the test file');
}

const FAILING = `
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
describe('outer', () => {
  test('passes', () => {});
  test('breaks', () => assert.equal(1, 2, 'one is not two'));
});
test('throws', () => { throw new Error('boom\\nsecond line'); });
`;
const PASSING = `import { test } from 'node:test';\ntest('fine', () => {});\n`;

/** This test runs under node --test itself, whose NODE_TEST_CONTEXT would make the inner run report to it instead. */
function runnerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

function runWithReporter(files: Record<string, string>): { status: number | null; lines: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'reporter-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const out = spawnSync(process.execPath, ['--test', '--test-concurrency=1', `--test-reporter=${reporterPath()}`, ...Object.keys(files)], { cwd: dir, encoding: 'utf8', env: runnerEnv() });
    return { status: out.status, lines: out.stdout.trimEnd().split('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('failed tests are named with their file, suites and first error line, just before the summary, which stays last', () => {
  const { status, lines } = runWithReporter({ 'a.test.mjs': FAILING, 'b.test.mjs': PASSING });
  assert.equal(status, 1);
  const summaryAt = lines.findIndex((line) => /^# tests \d+$/.test(line));
  assert.ok(summaryAt > 0, 'no summary');
  assert.deepEqual(lines.slice(summaryAt - 2, summaryAt), [
    '# failed: a.test.mjs > outer > breaks — one is not two',
    '# failed: a.test.mjs > throws — boom',
  ]);
  assert.match(lines.at(-1) ?? '', /^# duration_ms [\d.]+$/);
  assert.ok(lines.includes('# fail 2'));
  assert.ok(lines.includes('ok 1 - fine') || lines.some((line) => /^ok \d+ - fine$/.test(line)), 'the TAP lines of the passing file are there');
});

test('a green run lists nothing', () => {
  const { status, lines } = runWithReporter({ 'b.test.mjs': PASSING });
  assert.equal(status, 0);
  assert.equal(lines.filter((line) => line.startsWith('# failed:')).length, 0);
  assert.ok(lines.includes('# fail 0'));
});
