/**
 * `run wait`, `version` and shell completion against a controller process, the simulator and the real Redis:
 * wait exits 0 when the runs meet the condition, 1 as soon as one cannot (stopped otherwise), 3 on timeout;
 * version shows the client's build and the build each replica registered; bash completes commands, flags,
 * flag values and run names.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI, cli } from './cli-run.js';
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

  test('bash completion: commands, flags, flag values and run names', async () => {
    const script = (await cli(h.namespace, ['completion', 'bash'])).stdout;
    const complete = (line: string) => {
      const words = line.split(' ');
      const program = [
        script,
        `longshore() { "${process.execPath}" "${CLI}" "$@"; }`,
        `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}`,
        '_longshore; printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n');
      const out = spawnSync('bash', ['-c', program], { env: { ...process.env, REDIS_URL: TEST_REDIS_URL, LONGSHORE_NAMESPACE: h.namespace } });
      assert.equal(out.status, 0, out.stderr.toString());
      return out.stdout.toString().trim().split('\n').filter(Boolean).sort();
    };
    assert.deepEqual(complete('longshore ru'), ['run']);
    assert.deepEqual(complete('longshore run w'), ['wait', 'watch']);
    assert.deepEqual(complete('longshore run list -o '), ['json', 'name', 'table', 'wide', 'yaml']);
    assert.deepEqual(complete('longshore -n x run list --so'), ['--sort-by']);
    assert.deepEqual(complete('longshore run describe w-ok'), ['w-ok-1', 'w-ok-2']);
    assert.ok(complete('longshore completion ').length === 0);
  });

  test('zsh and fish scripts are generated from the same tree; an unknown shell exits 2', async () => {
    const zsh = (await cli(h.namespace, ['completion', 'zsh'])).stdout;
    assert.match(zsh, /^#compdef longshore\n/);
    assert.match(zsh, /bashcompinit/);
    const fish = (await cli(h.namespace, ['completion', 'fish'])).stdout;
    assert.match(fish, /complete -c longshore -n 'test \(__longshore_path\) = '\\''run'\\''' -a '.*\bwait\b.*'/);
    assert.match(fish, /complete -c longshore -n 'test \(__longshore_path\) = '\\''run list'\\''' -s o -x -a 'table wide name json yaml'/);
    assert.equal((await cli(h.namespace, ['completion', 'tcsh'])).code, 2);
  });
});
