/**
 * Watches over real Redis: ADDED/MODIFIED/DELETED from the change feed, resume from a list's or an
 * event's resourceVersion (each change once, in order), the initial ADDED burst without a version,
 * selectors, and 410 Gone for a version the feed no longer reaches (or one newer than the store's).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Status } from '../../controller/server/status.js';
import { until } from '../helpers/until.js';
import { poolDoc, runDoc, startTestApi, type TestApi } from '../helpers/api-server.js';

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: { kind: string; metadata: { name: string; resourceVersion: string; namespace: string }; spec?: { cancelRequested?: boolean }; status?: { phase?: string } };
}

/** An open watch: events as they arrive, and whether the server ended the stream. */
class OpenWatch {
  readonly events: WatchEvent[] = [];
  ended = false;
  status = 0;
  private readonly abort = new AbortController();
  private buffer = '';
  readonly ready: Promise<void>;
  constructor(url: string, token: string) {
    this.ready = (async () => {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: this.abort.signal });
      this.status = response.status;
      void this.pump(response);
    })();
  }
  private async pump(response: Response): Promise<void> {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.buffer += decoder.decode(value, { stream: true });
        let newline: number;
        while ((newline = this.buffer.indexOf('\n')) >= 0) {
          this.events.push(JSON.parse(this.buffer.slice(0, newline)) as WatchEvent);
          this.buffer = this.buffer.slice(newline + 1);
        }
      }
    } catch {
      // aborted by close()
    }
    this.ended = true;
  }
  async waitFor(count: number): Promise<WatchEvent[]> {
    await until(() => this.events.length >= count, { what: () => `${count} events; got ${JSON.stringify(this.events.map((e) => [e.type, e.object.metadata.name]))}` });
    return this.events.slice(0, count);
  }
  close(): void {
    this.abort.abort();
  }
}

const summary = (events: WatchEvent[]) => events.map((e) => `${e.type} ${e.object.metadata.name}`);

describe('API: watch', { timeout: 60_000 }, () => {
  let api: TestApi;
  let token: string;
  const watches: OpenWatch[] = [];
  const open = async (path: string) => {
    const w = new OpenWatch(`${api.url}${path}`, token);
    watches.push(w);
    await w.ready;
    return w;
  };
  before(async () => {
    api = await startTestApi();
    token = await api.token('operator');
    await api.call('PUT', api.ns('pools/p1'), { token, body: poolDoc('p1') });
  });
  after(async () => {
    for (const w of watches) w.close();
    await api.close();
  });

  test('from a list\'s resourceVersion: every later change once, in order, with the version of its own change', async () => {
    await api.call('POST', api.ns('runs'), { token, body: runDoc('before') });
    const list = await api.call<{ metadata: { resourceVersion: string } }>('GET', api.ns('runs'), { token });
    const watch = await open(`${api.ns('runs')}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    assert.equal(watch.status, 200);
    // Each change is awaited before the next, so none coalesces and the sequence is exact.
    await api.call('POST', api.ns('runs'), { token, body: runDoc('w1') });
    await watch.waitFor(1);
    await api.call('POST', api.ns('runs'), { token, body: { kind: 'List', items: [runDoc('w2'), runDoc('w3')] } });
    await watch.waitFor(3);
    await api.store.requestCancel('w1');
    await watch.waitFor(4);
    // A pool change is not a run event.
    await api.call('PUT', api.ns('pools/p1'), { token, body: poolDoc('p1', { image: 'alpine' }) });
    await api.store.requestCancel('w2');
    const events = await watch.waitFor(5);
    assert.deepEqual(summary(events), ['ADDED w1', 'ADDED w2', 'ADDED w3', 'MODIFIED w1', 'MODIFIED w2']);
    assert.equal(events[3].object.spec?.cancelRequested, true);
    assert.equal(events[0].object.metadata.namespace, api.namespace);
    const versions = events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual(versions[1], versions[2], 'one batch, one version');
    assert.ok(versions.every((v, i) => i === 0 || v >= versions[i - 1]), `versions ascend: ${versions}`);

    // Resume from the fourth event: only the fifth comes again.
    const resumed = await open(`${api.ns('runs')}?watch=true&resourceVersion=${events[3].object.metadata.resourceVersion}`);
    assert.deepEqual(summary(await resumed.waitFor(1)), ['MODIFIED w2']);
    // Resume from the first, after everything was written: this process kept each version the first watch
    // loaded, so every change comes again, in order, as it was.
    const early = await open(`${api.ns('runs')}?watch=true&resourceVersion=${events[0].object.metadata.resourceVersion}`);
    await early.waitFor(4);
    assert.deepEqual(summary(early.events), ['ADDED w2', 'ADDED w3', 'MODIFIED w1', 'MODIFIED w2']);
    assert.deepEqual(early.events.map((e) => e.object.metadata.resourceVersion), events.slice(1).map((e) => e.object.metadata.resourceVersion));
  });

  test('without a resourceVersion: the matching objects as ADDED first, then changes; a label selector narrows both', async () => {
    const ns = api.ns('runs');
    await api.call('POST', ns, { token, body: runDoc('sel-a', {}, { team: 'a' }) });
    await api.call('POST', ns, { token, body: runDoc('sel-b', {}, { team: 'b' }) });
    const watch = await open(`${ns}?watch=true&labelSelector=team%3Da`);
    assert.deepEqual(summary(await watch.waitFor(1)), ['ADDED sel-a']);
    await api.call('POST', ns, { token, body: runDoc('sel-b2', {}, { team: 'b' }) });
    await api.call('POST', ns, { token, body: runDoc('sel-a2', {}, { team: 'a' }) });
    assert.deepEqual(summary(await watch.waitFor(2)), ['ADDED sel-a', 'ADDED sel-a2']);
  });

  test('resumed with a phase selector: a run that leaves the phase is sent as DELETED once, and ADDED when it is back', async () => {
    const ns = api.ns('runs');
    const setPhase = async (name: string, phase: 'pending' | 'running' | 'submitted') => {
      const run = await api.store.getRun(name);
      assert.ok(run);
      await api.store.updateRunStatus(name, { status: { ...run.status, phase } }, run.metadata.resourceVersion);
    };
    await api.call('POST', ns, { token, body: runDoc('ph-1') });
    await setPhase('ph-1', 'running');
    const seen = await open(`${ns}?watch=true&fieldSelector=status.phase%3Drunning`);
    const [added] = await seen.waitFor(1);
    seen.close();
    assert.deepEqual(summary([added]), ['ADDED ph-1']);
    // The client resumes from the version it saw; meanwhile the run left the phase, and changed again.
    const resumed = await open(`${ns}?watch=true&fieldSelector=status.phase%3Drunning&resourceVersion=${added.object.metadata.resourceVersion}`);
    await setPhase('ph-1', 'submitted');
    assert.deepEqual(summary(await resumed.waitFor(1)), ['DELETED ph-1']);
    await api.store.requestCancel('ph-1');
    await setPhase('ph-1', 'running');
    const events = await resumed.waitFor(2);
    assert.deepEqual(summary(events), ['DELETED ph-1', 'ADDED ph-1']);
    assert.equal(events[1].object.status?.phase, 'running');
  });

  test('pools: ADDED, MODIFIED and DELETED (the deleted object\'s identity and version)', async () => {
    const list = await api.call<{ metadata: { resourceVersion: string } }>('GET', api.ns('pools'), { token });
    const watch = await open(`${api.ns('pools')}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    await api.call('PUT', api.ns('pools/wp'), { token, body: poolDoc('wp') });
    await api.call('PUT', api.ns('pools/wp'), { token, body: poolDoc('wp', { image: 'nginx' }) });
    await api.call('DELETE', api.ns('pools/wp'), { token });
    const events = await watch.waitFor(3);
    assert.deepEqual(summary(events), ['ADDED wp', 'MODIFIED wp', 'DELETED wp']);
    assert.equal(events[2].object.kind, 'Pool');
    assert.ok(Number(events[2].object.metadata.resourceVersion) > Number(events[1].object.metadata.resourceVersion));
  });

  test('timeoutSeconds ends the stream', async () => {
    const watch = await open(`${api.ns('runs')}?watch=true&resourceVersion=1&timeoutSeconds=1`);
    await until(() => watch.ended, { what: 'the watch to end at its timeout' });
  });

  test('410 Gone for a version older than the trimmed feed, and for one newer than the store\'s', async () => {
    const other = await startTestApi();
    try {
      const t = await other.token('viewer');
      const op = await other.token('operator');
      await other.call('PUT', other.ns('pools/p1'), { token: op, body: poolDoc('p1') });
      await other.call('POST', other.ns('runs'), { token: op, body: runDoc('g1') });
      await other.call('POST', other.ns('runs'), { token: op, body: runDoc('g2') });
      // Never trimmed: version 1 is still reachable.
      assert.equal((await fetchStatus(other, `${other.ns('runs')}?watch=true&resourceVersion=1&timeoutSeconds=1`, t)).status, 200);
      await other.redis.xtrim(other.store.ctx.keys.changes, 'MAXLEN', 1);
      const gone = await other.call<Status>('GET', `${other.ns('runs')}?watch=true&resourceVersion=1`, { token: t });
      assert.equal(gone.status, 410);
      assert.equal(gone.body.reason, 'Gone');
      // The newest entry survived the trim, so its version (and later) still work.
      const current = Number(await other.redis.get(other.store.ctx.keys.resourceVersion));
      assert.equal((await fetchStatus(other, `${other.ns('runs')}?watch=true&resourceVersion=${current}&timeoutSeconds=1`, t)).status, 200);
      const future = await other.call<Status>('GET', `${other.ns('runs')}?watch=true&resourceVersion=${current + 100}`, { token: t });
      assert.equal(future.status, 410);
      assert.equal((await other.call('GET', `${other.ns('runs')}?watch=true&resourceVersion=abc`, { token: t })).status, 400);
    } finally {
      await other.close();
    }
  });
});

async function fetchStatus(api: TestApi, path: string, token: string): Promise<{ status: number }> {
  const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await response.text();
  return { status: response.status };
}

describe('API: watch in a fresh process', { timeout: 60_000 }, () => {
  test('an object created and changed before any watch read its creation comes once, as ADDED with its latest version', async () => {
    const api = await startTestApi();
    try {
      const token = await api.token('operator');
      await api.call('PUT', api.ns('pools/p1'), { token, body: poolDoc('p1') });
      const list = await api.call<{ metadata: { resourceVersion: string } }>('GET', api.ns('runs'), { token });
      await api.call('POST', api.ns('runs'), { token, body: runDoc('c1') });
      await api.call('POST', api.ns('runs'), { token, body: runDoc('c2') });
      const cancelled = await api.store.requestCancel('c1');
      const response = await fetch(`${api.url}${api.ns('runs')}?watch=true&timeoutSeconds=2&resourceVersion=${list.body.metadata.resourceVersion}`, { headers: { authorization: `Bearer ${token}` } });
      const events = (await response.text()).trim().split('\n').map((line) => JSON.parse(line) as WatchEvent);
      assert.deepEqual(summary(events), ['ADDED c2', 'ADDED c1']);
      assert.equal(events[1].object.metadata.resourceVersion, cancelled.metadata.resourceVersion);
    } finally {
      await api.close();
    }
  });
});
