/**
 * The controller image compiles tsconfig.build.json (Dockerfile). Everything that program pulls in through its
 * imports is the image's code, so it must stay inside the product — the CLI entry point, cmd/cli/, controller/,
 * reconcilers/, machines/ and the API client package's build — with no simulator, tests, demo or benchmark. (An import of the simulator would
 * show up here as simulator/dist/index.d.ts: npm test builds the simulator before it runs this.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// client/dist/src: the API client package's build (the CLI imports @longshore/client; the image copies it).
const PRODUCT = [/^cmd\/longshore\.ts$/, /^cmd\/cli\//, /^controller\//, /^reconcilers\//, /^machines\//, /^client\/dist\/src\//];

function findRepoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.build.json'))) return dir;
  }
  throw new Error('tsconfig.build.json not found above the test file');
}

test('the product build pulls in only product code', () => {
  const root = findRepoRoot();
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.build.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => assert.fail(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')),
  });
  assert.ok(config !== undefined);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const ours = program
    .getSourceFiles()
    .map((file) => relative(root, file.fileName).split(sep).join('/'))
    .filter((path) => !path.startsWith('..') && !path.includes('node_modules/'));
  assert.ok(ours.some((path) => path === 'cmd/longshore.ts'), 'the CLI entry point is in the build');
  assert.deepEqual(ours.filter((path) => !PRODUCT.some((pattern) => pattern.test(path))), []);
});
