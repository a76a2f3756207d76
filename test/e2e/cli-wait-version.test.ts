/**
 * `run wait`, `version` and shell completion against a controller process, the simulator and the real Redis:
 * wait exits 0 when the runs meet the condition, 1 as soon as one cannot (stopped otherwise), 3 on timeout;
 * version shows the client's build and the build each replica registered; bash, zsh and fish, each loading its
 * generated script, complete commands, flags, flag values, run names and completion's shell argument.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI, cli } from './cli-run.js';
import { ShellCompletion } from '../helpers/shell-completion.js';
import { Harness, QUICK_PHASES, pool, run, startHarness } from './controller-harness.js';
import { until } from '../helpers/until.js';
import { TEST_REDIS_URL } from '../helpers/redis-namespace.js';

const DIST = dirname(dirname(CLI));
const STAMP = join(DIST, 'build-info.json');
const REPO = dirname(DIST);

describe('run wait and version with a controller', () => {
  let h: Harness;
  before(async () => {
    // The build stamp as `npm run build` writes it, so client and replica report this revision.
    const stamped = spawnSync('bash', [join(REPO, 'scripts', 'stamp-build.sh'), STAMP], { env: { ...process.env, LONGSHORE_REVISION: 'e2e-rev-1' } });
    assert.equal(stamped.status, 0, stamped.stderr.toString());
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
    await h.startReplica('replica-v');
    await h.store.submit([pool('jobs')], { mode: 'apply' });
  });
  after(async () => {
    await h.close();
    rmSync(STAMP, { force: true });
  });

  test('version: the client build, then the build each live replica registered', async () => {
    const result = await until(async () => {
      const r = await cli(h.namespace, ['version']);
      return r.stdout.includes('replica-v') ? r : undefined;
    }, { timeoutMs: 20_000, intervalMs: 200, what: 'the replica registered' });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.match(lines[0], /^Client Version: 0\.1\.0 \(revision e2e-rev-1, node v\d+/);
    assert.match(lines[1], /^Controller Version: 0\.1\.0 \(revision e2e-rev-1, node v\d+/);
    assert.match(lines[2], /^ {2}replica-v: 0\.1\.0 \(revision e2e-rev-1, node v[\d.]+\), started \d{4}-/);
    const json = JSON.parse((await cli(h.namespace, ['version', '-o', 'json'])).stdout) as { controllerVersions: Array<{ replica: string; revision: string }> };
    assert.deepEqual(json.controllerVersions.map((r) => [r.replica, r.revision]), [['replica-v', 'e2e-rev-1']]);
    const elsewhere = await cli(h.namespace, ['version', '-n', 'nobody-here']);
    assert.match(elsewhere.stdout, /Controller Version: no replica registered in namespace nobody-here/);
  });

  test('wait --for=outcome=succeeded: exit 0 once every run succeeded', { timeout: 90_000 }, async () => {
    await h.store.submit([run('w-ok-1', { pool: 'jobs', env: { SIM_RUN_SECONDS: '1' } }), run('w-ok-2', { pool: 'jobs', env: { SIM_RUN_SECONDS: '1' } })], { mode: 'apply' });
    const result = await cli(h.namespace, ['run', 'wait', 'w-ok-1', 'w-ok-2', '--for=outcome=succeeded', '--timeout', '1m']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n').sort(), ['run/w-ok-1 condition met', 'run/w-ok-2 condition met']);
    const stored = await h.store.getRuns(['w-ok-1', 'w-ok-2']);
    assert.deepEqual(stored.map((r) => r?.status.outcome), ['succeeded', 'succeeded']);
  });

  test('wait -l: exit 1 as soon as a run ends otherwise, naming it', { timeout: 90_000 }, async () => {
    await h.store.submit([
      { ...run('w-bad', { pool: 'jobs', env: { SIM_RUN_SECONDS: '1', SIM_EXIT_CODE: '3' } }), metadata: { name: 'w-bad', labels: { gate: 'g1' } } },
      { ...run('w-long', { pool: 'jobs', env: { SIM_RUN_SECONDS: '3600' } }), metadata: { name: 'w-long', labels: { gate: 'g1' } } },
    ], { mode: 'apply' });
    const result = await cli(h.namespace, ['run', 'wait', '-l', 'gate=g1', '--for', 'outcome=succeeded', '--timeout', '1m']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^error: run\/w-bad stopped with outcome failed, not succeeded; it cannot meet outcome=succeeded\n$/);
    assert.equal((await h.store.getRun('w-long'))?.status.phase === 'stopped', false, 'the wait ended before the other run did');
  });

  test('wait: exit 3 when the timeout passes first, naming the runs still waiting; phase conditions; usage errors exit 2', { timeout: 90_000 }, async () => {
    const timedOut = await cli(h.namespace, ['run', 'wait', 'w-long', '--for=phase=stopped', '--timeout', '2s']);
    assert.equal(timedOut.code, 3, timedOut.stderr);
    assert.match(timedOut.stderr, /^error: timed out after 2s waiting for phase=stopped: run\/w-long \((pending|taskdef-resolved|submitted|running)\)\n$/);
    const running = await cli(h.namespace, ['run', 'wait', 'w-long', '--for=phase=running', '--timeout', '1m']);
    assert.equal(running.code, 0, running.stderr);
    assert.equal((await h.store.getRun('w-long'))?.status.phase, 'running');
    const missing = await cli(h.namespace, ['run', 'wait', 'ghost', '--for=phase=stopped']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /run\/ghost not found/);
    for (const args of [['w-long', '--for=color=red'], ['w-long', '--for=phase=stopped', '--timeout', 'soon'], ['--for=phase=stopped']]) {
      assert.equal((await cli(h.namespace, ['run', 'wait', ...args])).code, 2, args.join(' '));
    }
  });

  describe('shell completion, asked of the real shells', () => {
    let shells: ShellCompletion;
    const scripts = new Map<string, string>();
    before(async () => {
      shells = new ShellCompletion([process.execPath, CLI], { ...process.env, REDIS_URL: TEST_REDIS_URL, LONGSHORE_NAMESPACE: h.namespace });
      for (const shell of ['bash', 'zsh', 'fish']) {
        const generated = await cli(h.namespace, ['completion', shell]);
        assert.equal(generated.code, 0, generated.stderr);
        scripts.set(shell, generated.stdout);
      }
    });
    after(() => shells.close());

    // The same line completes the same way in every shell: commands, flags, flag values, run names (read from
    // Redis through the CLI: the runs the tests above created), and completion's own argument.
    const CASES: Array<[line: string, candidates: string[]]> = [
      ['longshore ru', ['run']],
      ['longshore run w', ['wait', 'watch']],
      ['longshore run list -o ', ['json', 'name', 'table', 'wide', 'yaml']],
      ['longshore -n x run list --so', ['--sort-by']],
      ['longshore run describe w-ok', ['w-ok-1', 'w-ok-2']],
      ['longshore run delete w-ok-1 w-ok', ['w-ok-1', 'w-ok-2']],
      ['longshore completion ', ['bash', 'fish', 'zsh']],
      ['longshore completion z', ['zsh']],
      // A shell is named once.
      ['longshore completion bash ', []],
    ];
    for (const shell of ['bash', 'zsh', 'fish'] as const) {
      test(`${shell}: commands, flags, flag values, run names and the shell names`, { timeout: 120_000 }, () => {
        const script = scripts.get(shell) ?? '';
        for (const [line, candidates] of CASES) assert.deepEqual(shells[shell](script, line), candidates, `${shell}: ${JSON.stringify(line)}`);
      });
    }

    test('zsh: saved as _longshore on $fpath, compinit autoloads it and it completes', { timeout: 60_000 }, () => {
      const script = scripts.get('zsh') ?? '';
      assert.match(script, /^#compdef longshore\n/);
      assert.deepEqual(shells.zsh(script, 'longshore run w', 'fpath'), ['wait', 'watch']);
      assert.deepEqual(shells.zsh(script, 'longshore run describe w-ok', 'fpath'), ['w-ok-1', 'w-ok-2']);
    });

    test('an unknown shell exits 2', async () => {
      assert.equal((await cli(h.namespace, ['completion', 'tcsh'])).code, 2);
    });
  });
});
