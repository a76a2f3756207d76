/**
 * A Redis Cluster master fails mid-burst. Runs only against a local cluster with replicas whose node pid
 * files sit in LONGSHORE_TEST_CLUSTER_DIR (scripts/redis-cluster-failover.sh starts one and runs this file);
 * skipped otherwise. Two replicas work a burst; once some runs have stopped, the master holding the
 * namespace's hash slot is killed (SIGKILL, no goodbye); its replica is promoted by the cluster after
 * cluster-node-timeout. What is asserted is what docs/operations.md ("Redis Cluster") promises: the
 * controllers ride out the failover, every run still reaches stopped and succeeds, no run records two
 * tasks, and every launched task is recorded by an attempt.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { readdirSync } from 'node:fs';
import { Harness, QUICK_PHASES, allRuns, pool, run, startHarness, waitStopped } from './controller-harness.js';
import { TEST_REDIS_IS_CLUSTER, testRedis } from '../helpers/redis-namespace.js';
import { until } from '../helpers/until.js';

const RUNS = 200;
const clusterDir = process.env.LONGSHORE_TEST_CLUSTER_DIR;
const skip = !TEST_REDIS_IS_CLUSTER || !clusterDir ? 'needs REDIS_CLUSTER_NODES and LONGSHORE_TEST_CLUSTER_DIR (scripts/redis-cluster-failover.sh)' : false;

/** The port of the master serving `key`'s slot. */
async function masterPortOf(cluster: Cluster, key: string): Promise<number> {
  const slot = Number(await cluster.cluster('KEYSLOT', key));
  const ranges = await cluster.cluster('SLOTS');
  const range = ranges.find(([start, end]) => slot >= start && slot <= end);
  const master = range?.[2];
  assert.ok(master, `slot ${slot} is served`);
  return master[1];
}

/**
 * Whether a replica of the master on `masterPort` has finished its first sync (`master_link_status:up`).
 * A replica that never synced cannot be promoted ("Disconnected from master for longer than allowed"): a
 * master killed seconds after the cluster was created, on a quick machine, left the slot down for good.
 */
async function replicaInSync(dir: string, masterPort: number): Promise<boolean> {
  const ports = readdirSync(dir).filter((f) => f.endsWith('.pid')).map((f) => Number(f.slice(0, -4))).filter((p) => p !== masterPort);
  for (const port of ports) {
    const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await node.connect();
      const info = await node.info('replication');
      if (info.includes(`master_port:${masterPort}`) && info.includes('master_link_status:up')) return true;
    } catch {
      // A node that does not answer is not the replica we need.
    } finally {
      node.disconnect();
    }
  }
  return false;
}

describe('a Redis Cluster master fails mid-burst', { skip }, () => {
  let h: Harness;
  const connection = testRedis();
  const cluster = connection instanceof Cluster ? connection : undefined;
  before(async () => {
    h = await startHarness({ scenario: { phases: QUICK_PHASES } });
  });
  after(async () => {
    await h.close();
    connection.disconnect();
  });

  test(`${RUNS} runs survive the loss of the master holding their namespace`, async () => {
    assert.ok(cluster, 'a cluster connection');
    await Promise.all([h.startReplica('replica-a'), h.startReplica('replica-b')]);
    await h.store.submit([pool('burst')], { mode: 'apply' });
    const names = Array.from({ length: RUNS }, (_, i) => `burst-${i}`);
    await h.store.submit(names.map((name) => run(name, { pool: 'burst', env: { SIM_RUN_SECONDS: '2' } })), { mode: 'create' });

    await until(async () => (await allRuns(h.store)).filter((r) => r.status.phase === 'stopped').length >= RUNS / 10, { timeoutMs: 60_000, intervalMs: 100, what: 'a tenth of the runs stopped' });
    const port = await masterPortOf(cluster, `longshore:{${h.namespace}}:x`);
    await until(() => replicaInSync(clusterDir ?? '', port), { timeoutMs: 60_000, intervalMs: 200, what: `a replica of the master on ${port} in sync` });
    const pid = Number(readFileSync(join(clusterDir ?? '', `${port}.pid`), 'utf8').trim());
    const stoppedAtKill = (await allRuns(h.store)).filter((r) => r.status.phase === 'stopped').length;
    process.kill(pid, 'SIGKILL');

    const runs = await waitStopped(h.store, names, 180_000);
    const outcomes = [...runs.values()].map((r) => r.status.outcome);
    const attempts = [...runs.values()].flatMap((r) => r.status.attempts);
    const audit = h.sim.audit();
    const recorded = new Set(attempts.map((a) => a.taskArn));
    const unrecorded = audit.tasks.filter((t) => !recorded.has(t.taskArn));
    const report = {
      killedMasterPort: port, stoppedAtKill, runs: RUNS,
      outcomes: Object.fromEntries([...new Set(outcomes)].map((o) => [o, outcomes.filter((x) => x === o).length])),
      attempts: attempts.length, tasksLaunched: audit.tasks.length, tasksNoAttemptRecords: unrecorded.length,
      newMasterPort: await masterPortOf(cluster, `longshore:{${h.namespace}}:x`),
    };
    console.log(`failover report: ${JSON.stringify(report)}`);
    assert.notEqual(report.newMasterPort, port, 'a replica took over the slot');
    assert.deepEqual(outcomes.filter((o) => o !== 'succeeded'), [], 'every run succeeded');
    assert.equal(unrecorded.length, 0, 'every launched task is recorded by an attempt');
    for (const r of runs.values()) assert.equal(new Set(r.status.attempts.map((a) => a.taskArn)).size, r.status.attempts.length, `${r.metadata.name}: no task recorded twice`);
    // Both replicas exit 0 on SIGTERM after the failover. Before issue 11's fix (worker-connections.ts) they ran
    // into the shutdown deadline and exited 1: a worker connection copy BullMQ reconnected during the close,
    // or a node connection ioredis had lost from its pool, stayed open.
    const exitCodes = await Promise.all(h.replicas.map((r) => r.stop()));
    console.log(`failover report: exit codes after SIGTERM ${JSON.stringify(exitCodes)}`);
    h.replicas.forEach((r, i) => {
      if (exitCodes[i] !== 0) console.log(`failover report: ${r.name} said at the end:\n${r.output().split('\n').slice(-12).join('\n')}`);
    });
    assert.deepEqual(exitCodes, [0, 0], 'both replicas exit 0 after SIGTERM');
  });
});
