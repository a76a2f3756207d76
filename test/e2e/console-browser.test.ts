/**
 * The web console in a real browser: Debian's chromium (scripts/ensure-chromium.sh) driven by
 * playwright-core, against a controller process with the API inside it, on the simulator. Sign in with a
 * token from `longshore token create`, watch a burst of runs move through phases live (one list, then
 * the watch: no polling), open a run and read its log as it is written, cancel a run and see it end
 * cancelled, bulk-cancel by filter after the count is shown; a viewer token is offered no cancel and the
 * API refuses it anyway. The page makes no request to any other origin and breaks no CSP rule.
 *
 * Screenshots of the main pages are taken on every run; with CONSOLE_SCREENSHOTS=docs they are written to
 * docs/console/ (what docs/console.md shows), otherwise to a temporary folder.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../../cmd/replicas.js';
import { until } from '../helpers/until.js';
import { collect, startCli } from './cli-run.js';
import { pool, QUICK_PHASES, run, startHarness, type Harness } from './controller-harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const EXEC = 'arn:aws:iam::123456789012:role/exec';
const API = '/apis/longshore.dev/v1alpha1';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'console', 'package.json'))) dir = dirname(dir);
  return dir;
}

/** The browser's sessionStorage entry (evaluated in the page; this file is compiled without DOM types). */
const storedToken = (page: Page) => page.evaluate("sessionStorage.getItem('longshore.token')");

describe('the web console in chromium', { timeout: 300_000 }, () => {
  let h: Harness;
  let url = '';
  let operator = '';
  let viewer = '';
  let browser: Browser;
  const shots = process.env.CONSOLE_SCREENSHOTS === 'docs' ? join(repoRoot(), 'docs', 'console') : mkdtempSync(join(tmpdir(), 'longshore-console-'));
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  const refusals: string[] = [];

  const api = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${url}${API}/namespaces/${h.namespace}/${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });

  const token = async (role: string) => {
    const made = await collect(startCli(h.namespace, ['token', 'create', '--role', role, '--namespace', h.namespace, '--description', 'console e2e']));
    assert.equal(made.code, 0, made.stderr);
    return made.stdout.trim();
  };

  async function signedIn(secret: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    const page = await context.newPage();
    page.on('request', (request) => {
      if (!request.url().startsWith(url) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
    // Chromium logs every non-2xx fetch as an error ("Failed to load resource"): those are answers the
    // console shows (a viewer's 403, a pool without logs); what must never appear is a script error or a CSP refusal.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) refusals.push(`${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`);
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${url}/ui/`);
    // Keyboard only: the token field has focus, Enter submits.
    await page.getByLabel('API token').fill(secret);
    await page.keyboard.press('Enter');
    await page.getByTestId('whoami').waitFor();
    return page;
  }

  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
    const port = await freePort();
    await h.startReplica('replica-console', { LONGSHORE_API_ENABLED: 'true', LONGSHORE_API_PORT: String(port) });
    url = `http://127.0.0.1:${port}`;
    await h.store.submit([
      pool('etl', { region: h.sim.region, executionRoleArn: EXEC, cloudwatchLogs: { enabled: true } }),
      pool('batch', { region: h.sim.region, capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }),
    ], { mode: 'apply' });
    operator = await token('operator');
    viewer = await token('viewer');
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    for (const secret of [operator, viewer]) if (secret) await collect(startCli(h.namespace, ['token', 'revoke', secret.split('_')[1]]));
    await h?.close();
    if (process.env.CONSOLE_SCREENSHOTS !== 'docs') rmSync(shots, { recursive: true, force: true });
  });

  test('/ui/ is served with a strict CSP, a no-cache index and immutable hashed assets', async () => {
    const index = await fetch(`${url}/ui/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    const html = await index.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    const asset = /src="(assets\/app-[0-9a-f]{12}\.js)"/.exec(html)?.[1];
    assert.ok(asset, html);
    const script = await fetch(`${url}/ui/${asset}`);
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await fetch(`${url}/ui/assets/..%2F..%2Fpackage.json`)).status, 404);
  });

  test('sign in, and a burst of runs moves through its phases live in the table (one list, then the watch)', async () => {
    const page = await signedIn(operator);
    assert.equal(await page.getByTestId('whoami').innerText(), 'Role operator');
    assert.equal(await storedToken(page), operator, 'the token is kept in the session storage');
    assert.ok(!page.url().includes('lst_'), 'the token is never in the URL');
    let lists = 0;
    page.on('request', (request) => {
      const target = new URL(request.url());
      if (target.pathname.endsWith('/runs') && target.searchParams.get('watch') !== 'true') lists += 1;
    });
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    const names = Array.from({ length: 8 }, (_, i) => `burst-${i}`);
    const created = await api('POST', 'runs', operator, { kind: 'List', items: names.map((name, i) => run(name, { pool: i % 2 ? 'batch' : 'etl', env: { SIM_RUN_SECONDS: '60' } })) });
    assert.equal(created.status, 201);
    const seen = new Map<string, Set<string>>();
    const observe = async () => {
      const rows = await page.$$eval('[data-testid=runs-table] tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-run') ?? '', tr.querySelector('[data-testid=phase]')?.textContent ?? '']));
      for (const [name, phase] of rows) seen.set(name, (seen.get(name) ?? new Set()).add(phase));
      return rows;
    };
    let shot = false;
    await until(async () => {
      const rows = await observe();
      if (!shot && rows.some(([, phase]) => phase === 'running')) {
        shot = true;
        await page.screenshot({ path: join(shots, 'runs.png') });
      }
      return names.every((name) => rows.some(([n, phase]) => n === name && phase === 'stopped · succeeded'));
    }, { timeoutMs: 90_000, intervalMs: 100, what: () => `every burst run succeeded in the table: ${JSON.stringify([...seen].map(([n, s]) => [n, [...s]]))}` });
    assert.ok(names.some((name) => seen.get(name)?.has('running')), `a run was seen running before it stopped: ${JSON.stringify([...seen].map(([n, s]) => [n, [...s]]))}`);
    assert.equal(lists, 0, 'the table followed the burst through the watch, without listing again');
    // The counts are the server's for the whole namespace, fetched again after the watch's events.
    await page.getByTestId('count-stopped').filter({ hasText: /^8$/ }).waitFor({ timeout: 30_000 });
    await page.getByTestId('outcome-succeeded').filter({ hasText: /^8$/ }).waitFor({ timeout: 30_000 });
    await page.close();
  });

  test('a run page has a stable URL, shows the attempt and where it ran, and follows the log as it is written', async () => {
    const page = await signedIn(operator);
    assert.equal((await api('POST', 'runs', operator, run('talker', { pool: 'etl', env: { SIM_RUN_SECONDS: '200', SIM_LOG_LINES: '12', SIM_EXIT_CODE: '3' } }))).status, 201);
    await page.getByRole('link', { name: 'talker' }).click();
    assert.ok(page.url().endsWith(`/ui/#/namespaces/${h.namespace}/runs/talker`), page.url());
    await page.getByTestId('log').filter({ hasText: 'log line 1 of 12' }).waitFor({ timeout: 60_000 });
    // The task writes its first line as it starts, which may be a moment before the controller has seen it
    // RUNNING: the page is live, so it must come to show the phase while the log is being read (200 s run).
    await page.getByTestId('run-phase').filter({ hasText: /^running$/ }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(shots, 'run.png'), fullPage: true });
    await page.getByTestId('log').filter({ hasText: 'log line 12 of 12' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('run-outcome').filter({ hasText: 'failed' }).waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('attempts').innerText(), /Attempt 1 — on-demand \(FARGATE\)[\s\S]*Exit code\s*3/);
    // The URL pasted into this tab again (the token lives in the tab's session) opens the same run.
    const link = page.url();
    await page.goto('about:blank');
    await page.goto(link);
    await page.getByTestId('run-outcome').filter({ hasText: 'failed' }).waitFor();
    await page.context().close();
  });

  test('cancel from the run page, after confirming: the run ends cancelled', async () => {
    const page = await signedIn(operator);
    assert.equal((await api('POST', 'runs', operator, run('long', { pool: 'batch', env: { SIM_RUN_SECONDS: '6000' } }))).status, 201);
    await page.goto(`${url}/ui/#/namespaces/${h.namespace}/runs/long`);
    await page.getByTestId('run-phase').filter({ hasText: 'running' }).waitFor({ timeout: 60_000 });
    assert.match(await page.getByTestId('attempts').innerText(), /Spot \(FARGATE_SPOT\)/);
    await page.getByRole('button', { name: 'Cancel run…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByTestId('run-outcome').filter({ hasText: 'cancelled' }).waitFor({ timeout: 60_000 });
    await page.context().close();
  });

  test('bulk cancel by filter shows the count of every matching run (more than a page) before confirming, then cancels them all; the outcome filter finds them', async () => {
    const page = await signedIn(operator);
    // More runs than the table's page (50): one pool slot, so one runs and the rest wait.
    const total = 60;
    await h.store.submit([pool('held', { region: h.sim.region, limits: { maxRunning: 1 } })], { mode: 'apply' });
    const names = Array.from({ length: total }, (_, i) => `bulk-${String(i).padStart(2, '0')}`);
    const created = await api('POST', 'runs', operator, { kind: 'List', items: names.map((name) => ({ ...run(name, { pool: 'held', env: { SIM_RUN_SECONDS: '6000' } }), metadata: { name, labels: { batch: 'nightly' } } })) });
    assert.equal(created.status, 201);

    // The pools page counts the held pool's runs from its status (index counts, not a listing).
    await page.goto(`${url}/ui/#/namespaces/${h.namespace}/pools`);
    const held = page.locator('[data-pool=held]');
    await held.waitFor();
    const waitingAndRunning = async () => {
      const numbers = [...`${await held.getByTestId('pool-waiting').innerText()} ${await held.getByTestId('pool-running').innerText()}`.matchAll(/\d+/g)].map(Number);
      return numbers.reduce((a, b) => a + b, 0);
    };
    assert.equal(await waitingAndRunning(), total, 'every held run is waiting or running');
    assert.match(await held.getByTestId('pool-limits').innerText(), /Running\s+[01] of 1/);
    assert.match(await held.getByTestId('pool-launches').innerText(), /launched in the last 60 s .* against the Fargate launch ceiling of account default in /);
    // Its fair share as the budget script records it (the figures depend on the moment: only their shape is checked).
    assert.match(await held.getByTestId('pool-share').innerText(), /^Weight 1, priority 0: \d+ runs? waiting for a turn at the budget; \d+ % of its account-region's launches/);
    assert.match(await held.getByTestId('pool-throttles').innerText(), /^\d+ AWS throttles? in that account-region in the last minute$/);
    assert.match(await page.getByTestId('throttle-note').innerText(), /AWS throttles belong to an account-region/);
    await held.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, 'pools.png'), fullPage: false });

    await page.goto(`${url}/ui/#/namespaces/${h.namespace}/runs?labelSelector=batch%3Dnightly`);
    await until(async () => (await page.locator('[data-testid=runs-table] tbody tr').count()) === 50, { timeoutMs: 30_000, what: 'the first page of labelled runs listed' });
    await page.getByTestId('count-total').filter({ hasText: String(total) }).waitFor();
    await page.getByRole('button', { name: 'Cancel matching runs…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.match(await dialog.getByTestId('bulk-count').innerText(), new RegExp(`^${total} live runs match \\(labels batch=nightly\\)`));
    await page.screenshot({ path: join(shots, 'bulk-cancel.png') });
    await dialog.getByRole('button', { name: `Cancel ${total} runs` }).click();
    await page.getByTestId('bulk-result').filter({ hasText: `Cancel requested for ${total} runs.` }).waitFor({ timeout: 60_000 });
    await until(async () => {
      const outcomes = await Promise.all(names.map((name) => h.store.getRun(name).then((r) => r?.status.outcome)));
      return outcomes.every((outcome) => outcome === 'cancelled');
    }, { timeoutMs: 90_000, intervalMs: 250, what: 'every bulk run cancelled' });

    // The outcome filter goes to the server: a full first page, every one counted, the rest on the next page.
    await page.goto(`${url}/ui/#/namespaces/${h.namespace}/runs?outcome=cancelled&labelSelector=batch%3Dnightly`);
    await page.getByTestId('outcome-cancelled').filter({ hasText: new RegExp(`^${total}$`) }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('count-total').innerText(), String(total));
    assert.equal(await page.getByTestId('count-running').innerText(), '0');
    await until(async () => (await page.locator('[data-testid=runs-table] tbody tr').count()) === 50, { timeoutMs: 30_000, what: 'a full first page of cancelled runs' });
    const phases = await page.$$eval('[data-testid=runs-table] tbody tr [data-testid=phase]', (cells) => cells.map((c) => c.textContent ?? ''));
    assert.ok(phases.every((p) => p === 'stopped · cancelled'), JSON.stringify(phases));
    // Keyboard: focus "Next page" and press Enter.
    const next = page.getByRole('button', { name: 'Next page' });
    await next.focus();
    await page.keyboard.press('Enter');
    await until(async () => (await page.locator('[data-testid=runs-table] tbody tr').count()) === total - 50, { timeoutMs: 30_000, what: 'the second page of cancelled runs' });
    await page.context().close();
  });

  test('a viewer is offered no cancel, and the API refuses its cancel anyway (403)', async () => {
    assert.equal((await api('POST', 'runs', operator, run('watched', { pool: 'etl', env: { SIM_RUN_SECONDS: '6000' } }))).status, 201);
    const page = await signedIn(viewer);
    assert.equal(await page.getByTestId('whoami').innerText(), 'Role viewer');
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancel matching runs…' }).count(), 0);
    await page.goto(`${url}/ui/#/namespaces/${h.namespace}/runs/watched`);
    await page.getByTestId('run-phase').filter({ hasText: 'running' }).waitFor({ timeout: 60_000 });
    assert.equal(await page.getByRole('button', { name: /Cancel run|Kill task/ }).count(), 0);
    // The same request the console would send, from the page, with the viewer's stored token.
    const path = JSON.stringify(`${API}/namespaces/${h.namespace}/runs/watched/cancel`);
    const refused = await page.evaluate(`fetch(${path}, { method: 'POST', headers: { authorization: 'Bearer ' + sessionStorage.getItem('longshore.token') } }).then((r) => r.status)`);
    assert.equal(refused, 403);
    assert.equal((await api('GET', 'runs/watched', operator)).status, 200);
    assert.notEqual(((await (await api('GET', 'runs/watched', operator)).json()) as { spec: { cancelRequested?: boolean } }).spec.cancelRequested, true);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    assert.equal(await storedToken(page), null);
    await page.context().close();
  });

  test('no request left the API origin, no script error or CSP violation, and the screenshots were taken', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(pageErrors, []);
    // The only refused requests: the viewer's cancel (403) and the log of a run whose pool has logs off (400, shown as such).
    assert.deepEqual(refusals.filter((r) => !/^403 POST .*\/runs\/watched\/cancel$/.test(r) && !/^400 GET .*\/runs\/long\/log$/.test(r)), []);
    assert.ok(refusals.some((r) => r.startsWith('403 ')), JSON.stringify(refusals));
    for (const name of ['runs.png', 'run.png', 'pools.png', 'bulk-cancel.png']) assert.ok(statSync(join(shots, name)).size > 1000, name);
  });
});
