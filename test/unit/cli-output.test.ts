/** The CLI's pure output pieces: field paths and --sort-by, list rendering, wait conditions and durations, the watch frame, completion. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Argument, Command, Option } from 'commander';
import type { RunRecord, RunStatus } from '../../controller/api/index.js';
import { UsageError } from '../../cmd/cli/errors.js';
import { compareValues, parseFieldPath, sortByField, valueAt } from '../../cmd/cli/field-path.js';
import { asDocument, renderList, renderOne, renderTable } from '../../cmd/cli/output.js';
import { RUN_COLUMNS, describeRunDocument } from '../../cmd/cli/run-view.js';
import { screenFrame } from '../../cmd/cli/run-watch.js';
import { parseCondition, parseDuration, verdict } from '../../cmd/cli/wait-condition.js';
import { bashScript, completionTree, zshScript } from '../../cmd/cli/completion.js';
import { newRunRecord } from './run-builders.js';

const NOW = Date.parse('2026-01-01T01:00:00.000Z');

function runWith(name: string, status: Partial<RunStatus> = {}, labels: Record<string, string> = {}): RunRecord {
  const base = newRunRecord({ image: 'busybox' }, name);
  return { ...base, metadata: { ...base.metadata, labels }, status: { ...base.status, ...status } };
}

describe('field paths (--sort-by)', () => {
  test('kubectl spellings parse to the same path', () => {
    for (const text of ['.status.phase', '{.status.phase}', 'status.phase', ' {.status.phase} ']) assert.deepEqual(parseFieldPath(text), ['status', 'phase']);
    assert.deepEqual(parseFieldPath('.status.attempts[0].exitCode'), ['status', 'attempts', 0, 'exitCode']);
    assert.deepEqual(parseFieldPath(`.metadata.labels['app.kubernetes.io/name']`), ['metadata', 'labels', 'app.kubernetes.io/name']);
  });

  test('malformed paths are usage errors naming the flag', () => {
    for (const text of ['', '.', '.status.', '.status..phase', '.a[x]', '.a[0']) {
      assert.throws(() => parseFieldPath(text), (e: unknown) => e instanceof UsageError && /^--sort-by /.test(e.message), text);
    }
  });

  test('values: objects, arrays, absent parts; own properties only', () => {
    const value = { a: { b: [{ c: 1 }] } };
    assert.equal(valueAt(value, ['a', 'b', 0, 'c']), 1);
    assert.equal(valueAt(value, ['a', 'x', 0]), undefined);
    assert.equal(valueAt({}, ['constructor']), undefined);
  });

  test('sorting: numbers by value, strings by code point, missing last, ties stable', () => {
    assert.ok(compareValues(2, 10) < 0, 'numbers numerically, not as text');
    assert.ok(compareValues('2026-01-02T00:00:00Z', '2026-01-10T00:00:00Z') < 0);
    assert.ok(compareValues(undefined, 0) > 0);
    const items = [{ n: 'a', v: 3 }, { n: 'b' }, { n: 'c', v: 1 }, { n: 'd', v: 3 }];
    assert.deepEqual(sortByField(items, ['v']).map((i) => i.n), ['c', 'a', 'd', 'b']);
  });
});

describe('list and single output', () => {
  const runs = [runWith('b', { phase: 'running' }), runWith('a', { phase: 'stopped', outcome: 'failed' }, { app: 'x' })].map((record) => ({ namespace: 'ns1', record }));

  test('tables: headers or not, wide columns, NAMESPACE with -A, empty lists on stderr', () => {
    const table = renderList(runs, RUN_COLUMNS, { output: 'table', headers: true }, 'ns1', NOW).stdout.split('\n');
    assert.match(table[0], /^NAME\s+POOL\s+PHASE/);
    assert.equal(renderList(runs, RUN_COLUMNS, { output: 'table', headers: false }, 'ns1', NOW).stdout.split('\n')[0].split(/\s+/)[0], 'b');
    assert.match(renderList(runs, RUN_COLUMNS, { output: 'wide', headers: true }, 'ns1', NOW).stdout, /^NAME.*MESSAGE\s+IMAGE\s+TASK\s+EXIT\s+LABELS\n/);
    assert.match(renderList(runs, RUN_COLUMNS, { output: 'table', headers: true, allNamespaces: true }, 'ns1', NOW).stdout, /^NAMESPACE\s+NAME\s+POOL[^\n]*\nns1\s+b\s+/);
    assert.deepEqual(renderList([], RUN_COLUMNS, { output: 'table', headers: true }, 'ns1', NOW), { stdout: '', stderr: 'No runs found in namespace ns1.\n' });
    assert.deepEqual(renderList([], RUN_COLUMNS, { output: 'name', headers: true }, 'ns1', NOW), { stdout: '', stderr: '' });
  });

  test('json/yaml lists are kind: List, sorted when asked, without lifecycle; -A adds metadata.namespace', () => {
    const withSnapshot = runs.map((r) => ({ ...r, record: { ...r.record, lifecycle: { secret: 'machine' } } }));
    const list = JSON.parse(renderList(withSnapshot, RUN_COLUMNS, { output: 'json', headers: true, sortBy: '.metadata.name' }, 'ns1', NOW).stdout);
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map((r: RunRecord) => r.metadata.name), ['a', 'b']);
    assert.ok(list.items.every((r: object) => !('lifecycle' in r)));
    assert.equal(list.items[0].metadata.namespace, undefined);
    const all = JSON.parse(renderList(withSnapshot, RUN_COLUMNS, { output: 'json', headers: true, allNamespaces: true }, 'ns1', NOW).stdout);
    assert.equal(all.items[0].metadata.namespace, 'ns1');
    assert.match(renderList(withSnapshot, RUN_COLUMNS, { output: 'yaml', headers: true }, 'ns1', NOW).stdout, /^apiVersion: longshore\.dev\/v1alpha1\nkind: List\nitems:\n/);
    assert.doesNotMatch(renderOne(withSnapshot[0], RUN_COLUMNS, 'yaml', NOW), /lifecycle|machine/);
    assert.equal(renderOne(withSnapshot[0], RUN_COLUMNS, 'name', NOW), 'run/b\n');
    assert.equal('lifecycle' in asDocument(withSnapshot[0].record), false);
  });

  test('renderTable aligns columns and can leave out the header', () => {
    assert.equal(renderTable(['A', 'BB'], [['xxx', 'y']]), 'A     BB\nxxx   y\n');
    assert.equal(renderTable(['A', 'BB'], [['xxx', 'y']], { headers: false }), 'xxx   y\n');
  });

  test('describe -o masks what the describe page masks', () => {
    const base = runWith('s');
    const record = { ...base, spec: { ...base.spec, env: { API_TOKEN: 'hunter2', DB_URL: 'postgres://u:pw@db/x', REGION: 'eu' }, command: 'app --password hunter2' } };
    const text = JSON.stringify(describeRunDocument(record, 'ns1'));
    assert.doesNotMatch(text, /hunter2|:pw@/);
    assert.match(text, /"REGION":"eu"/);
  });
});

describe('run wait conditions', () => {
  test('outcome: met when stopped with it, failed when stopped otherwise, waiting before', () => {
    const succeeded = parseCondition('outcome=succeeded');
    assert.deepEqual(verdict(succeeded, runWith('r', { phase: 'running' })), { state: 'waiting' });
    assert.deepEqual(verdict(succeeded, runWith('r', { phase: 'stopped', outcome: 'succeeded' })), { state: 'met' });
    assert.equal(verdict(succeeded, runWith('r', { phase: 'stopped', outcome: 'cancelled' })).state, 'failed');
    assert.equal(verdict(succeeded, null).state, 'failed');
  });

  test('phase: reached now or before (attempt evidence), failed once stopped without it', () => {
    const running = parseCondition('phase=running');
    assert.deepEqual(verdict(running, runWith('r', { phase: 'submitted' })), { state: 'waiting' });
    assert.deepEqual(verdict(running, runWith('r', { phase: 'stopped', outcome: 'succeeded', attempts: [{ number: 1, startedAt: '2026-01-01T00:00:00.000Z' }] })), { state: 'met' });
    assert.equal(verdict(running, runWith('r', { phase: 'stopped', outcome: 'failed', attempts: [{ number: 1 }] })).state, 'failed');
    assert.deepEqual(verdict(parseCondition('phase=stopped'), runWith('r', { phase: 'stopped', outcome: 'failed' })), { state: 'met' });
  });

  test('bad conditions and durations are usage errors', () => {
    for (const text of ['outcome=great', 'phase=done', 'color=red', 'succeeded']) assert.throws(() => parseCondition(text), UsageError);
    assert.deepEqual(['30s', '10m', '1h30m', '250ms', '90', '0'].map((t) => parseDuration(t)), [30_000, 600_000, 5_400_000, 250, 90_000, 0]);
    for (const text of ['soon', '10x', '-5s', '1h 30m', '']) assert.throws(() => parseDuration(text), UsageError, text);
  });
});

describe('run watch frame', () => {
  const runs = Array.from({ length: 30 }, (_, i) => runWith(`r-${String(i).padStart(2, '0')}`, { phase: i < 3 ? 'running' : 'pending' }));
  const ESC = String.fromCharCode(27);
  const strip = (text: string, code: string) => text.split(`${ESC}[${code}`).join('');
  const lines = (frame: string) => strip(strip(strip(frame, 'H'), 'J'), 'K').split('\r\n');

  test('never taller than the screen: header first, summary last, a line for what did not fit', () => {
    const shown = lines(screenFrame(runs, 10, 200, NOW));
    assert.equal(shown.length, 10);
    assert.match(shown[0], /^NAME\s+POOL\s+PHASE/);
    assert.equal(shown[8].startsWith('… 23 more'), true, shown[8]);
    assert.equal(shown[9], '30 runs (pending 27, running 3) — ctrl-c to stop');
  });

  test('never wider than the screen; a short table is shown whole', () => {
    const shown = lines(screenFrame(runs.slice(0, 2), 24, 20, NOW));
    assert.equal(shown.length, 4);
    assert.ok(shown.every((l) => l.length <= 20), shown.join('\n'));
    assert.ok(shown[0].endsWith('…'));
  });
});

describe('completion', () => {
  const program = new Command('longshore').option('-n, --namespace <ns>').version('1');
  const run = program.command('run');
  run.command('list').addOption(new Option('-o, --output <f>').choices(['table', 'json'])).option('--no-headers');
  run.command('get').argument('<name>');
  program.command('completion').addArgument(new Argument('<shell>').choices(['bash', 'zsh']));

  test('the tree carries subcommands, global and own flags, choices and name arguments', () => {
    const nodes = new Map(completionTree(program).map((n) => [n.path, n]));
    assert.deepEqual(nodes.get('')?.subcommands, ['run', 'completion']);
    assert.deepEqual(nodes.get('run')?.subcommands, ['list', 'get']);
    assert.deepEqual(nodes.get('run list')?.flags, ['-n', '--namespace', '-o', '--output', '--no-headers', '-h', '--help']);
    assert.deepEqual(nodes.get('run list')?.valued, [{ flags: ['-n', '--namespace'], choices: [] }, { flags: ['-o', '--output'], choices: ['table', 'json'] }]);
    assert.equal(nodes.get('run get')?.names, 'run');
    assert.deepEqual(nodes.get('completion')?.argChoices, ['bash', 'zsh']);
    assert.deepEqual(nodes.get('run get')?.argChoices, [], 'a free-form argument has no choices');
    assert.ok(!nodes.get('run list')?.flags.includes('--version'), '--version belongs to the root only');
  });

  test('the bash script names each path and ends by registering the function', () => {
    const script = bashScript(completionTree(program));
    assert.match(script, /'run list'\) echo '-n --namespace -o --output --no-headers -h --help' ;;/);
    assert.match(script, /'run list\|-o'\) echo 'table json' ;;/);
    assert.match(script, /'completion'\) echo 'bash zsh' ;;/);
    assert.match(script, /complete -F _longshore longshore\n$/);
  });

  test('the zsh script has its own completion function over the same tables, registered or autoloaded', () => {
    const script = zshScript(completionTree(program));
    assert.match(script, /^#compdef longshore\n/);
    assert.match(script, /'run list'\) echo '-n --namespace -o --output --no-headers -h --help' ;;/);
    assert.doesNotMatch(script, /bashcompinit|local path\b/, 'zsh ties $path to $PATH: a local path would empty it');
    assert.match(script, /compdef _longshore longshore\n/);
  });
});
