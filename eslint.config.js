// Lint rules: typescript-eslint's recommended set; `any` is banned in production code; module boundaries.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Module boundaries (docs/architecture.md, "Layout"). Each entry is a regex over the import specifier as
// written; relative ones match any depth of `../`, since product files sit at different depths.
const SIMULATOR = [
  { regex: '^@longshore/simulator(/|$)', message: 'The simulator is a dev tool (demo, bench, tests) and not in the image: product code never imports it.' },
  { regex: '^(\\.\\./)+simulator(/|$)', message: 'The simulator is a dev tool (demo, bench, tests) and not in the image: product code never imports it.' },
];
// Everyone else (demo, bench, tests) uses the simulator only through its package exports (simulator/index.ts).
const SIMULATOR_INTERNALS = [
  { regex: '^(\\.\\./)+simulator(/|$)', message: "Use the simulator through its package exports: import from '@longshore/simulator'." },
];
const TEST = [{ regex: '^(\\.\\./)+test(/|$)', message: 'Product code never imports tests or their helpers (they are not in the image).' }];
const CMD = [{ regex: '^(\\.\\./)+cmd(/|$)', message: 'cmd/ holds entry points; the code they start never imports them back.' }];
// The CLI ships in the image, but its siblings in cmd/ (demo, bench, replicas, probes, gen-schemas) do not.
const CLI_ENTRY_SIBLINGS = [{ regex: '^\\./(?!cli/)', message: 'The CLI imports only cmd/cli/ and product code: other cmd/ entry points are not in the image.' }];
const CLI_MODULE_SIBLINGS = [{ regex: '^\\.\\./(?!\\.\\./)', message: 'The CLI imports only cmd/cli/ and product code: other cmd/ entry points are not in the image.' }];
// machines/ is the pure run lifecycle: no Redis, no queues, no AWS, no Node I/O (clock and randomness included).
const IO_MESSAGE = 'machines/ is pure: I/O (Redis, BullMQ, AWS, Node built-ins) stays behind the reconcilers and controller/.';
const IO = [
  { regex: '^(ioredis|bullmq)(/|$)', message: IO_MESSAGE },
  { regex: '^@aws-sdk/', message: IO_MESSAGE },
  { regex: '^node:', message: IO_MESSAGE },
  { regex: `^(${builtinModules.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`, message: IO_MESSAGE },
];

/**
 * no-restricted-imports sees `import … from` and `export … from`; the same patterns also refuse a dynamic
 * `import('…')` with a literal specifier (the CLI loads its commands lazily). esquery regexes cannot contain
 * '/', hence \x2F.
 */
function boundaries(patterns) {
  return {
    'no-restricted-imports': ['error', { patterns }],
    'no-restricted-syntax': [
      'error',
      ...patterns.map(({ regex, message }) => ({
        selector: `ImportExpression[source.value=/${regex.replace(/\//g, '\\x2F')}/]`,
        message,
      })),
    ],
  };
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'charts/**', 'schemas/**', 'client/src/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts', 'simulator/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  // A later block's rule setting replaces an earlier one's for the same file, so each block lists all it forbids.
  { files: ['cmd/**/*.ts', 'test/**/*.ts'], rules: boundaries(SIMULATOR_INTERNALS) },
  { files: ['controller/**/*.ts', 'reconcilers/**/*.ts'], rules: boundaries([...SIMULATOR, ...CMD, ...TEST]) },
  { files: ['machines/**/*.ts'], rules: boundaries([...SIMULATOR, ...CMD, ...TEST, ...IO]) },
  { files: ['cmd/longshore.ts'], rules: boundaries([...SIMULATOR, ...TEST, ...CLI_ENTRY_SIBLINGS]) },
  { files: ['cmd/cli/**/*.ts'], rules: boundaries([...SIMULATOR, ...TEST]) },
  // '../' leaves cmd/cli/ only from its top level (a subfolder's '../' is still inside the CLI).
  { files: ['cmd/cli/*.ts'], rules: boundaries([...SIMULATOR, ...TEST, ...CLI_MODULE_SIBLINGS]) },
);
