/**
 * The documentation of the configuration is checked against the one table in controller/config.ts, so
 * neither can drift: docs/operations.md lists every variable exactly as the table does (name, default,
 * meaning, in order), and the README's summary names only variables the table has, with their defaults.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_VARIABLES } from '../../controller/config.js';

/** The file at `path` in the nearest directory above this test that has it (works from test/ and dist/test/). */
function findUp(path: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, path))) return join(dir, path);
  }
  throw new Error(`${path} not found above the test file`);
}

/** The markdown rows of a `| Variable | Default | Meaning |` table, as [variable cell, default cell, meaning cell]. */
function variableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => /^\| `[A-Z]/.test(line))
    .map((line) => line.slice(1, -1).split(' | ').map((cell) => cell.trim()));
}

/** The text of one `## ` section of a markdown document. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `section "${heading}" exists`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

const backticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map(([, inner]) => inner);

describe('configuration documentation', () => {
  test('docs/operations.md lists exactly the variables of the table, in order, with their defaults and meanings', () => {
    const documented = variableRows(section(readFileSync(findUp('docs/operations.md'), 'utf8'), 'Configuration'));
    const expected = CONFIG_VARIABLES.map((v) => [`\`${v.name}\``, `\`${v.default}\``, v.description]);
    assert.deepEqual(documented, expected,
      `docs/operations.md should list:\n${expected.map((cells) => `| ${cells.join(' | ')} |`).join('\n')}`);
  });

  test('the README summary names only variables of the table, with their defaults', () => {
    const rows = variableRows(section(readFileSync(findUp('README.md'), 'utf8'), 'Configuration'));
    assert.ok(rows.length >= 5, 'the README has a configuration summary');
    const byName = new Map(CONFIG_VARIABLES.map((v) => [v.name, v]));
    for (const [names, defaults] of rows) {
      const variables = backticked(names);
      for (const name of variables) {
        // `LONGSHORE_BUDGET_<CATEGORY>` stands for a family of variables.
        const placeholder = /^([A-Z0-9_]+)<[A-Z]+>$/.exec(name);
        if (placeholder) {
          assert.ok(CONFIG_VARIABLES.some((v) => v.name.startsWith(placeholder[1])), `${name} matches variables of the table`);
        } else {
          assert.ok(byName.has(name), `${name} (README) is a variable of the table`);
        }
      }
      const defaults_ = backticked(defaults);
      if (variables.length === 1 && defaults_.length === 1 && byName.has(variables[0])) {
        assert.equal(defaults_[0], byName.get(variables[0])?.default, `README default of ${variables[0]}`);
      }
    }
  });
});
