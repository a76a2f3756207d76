/**
 * Readers of a namespace's budgets that are not its controller — the API's pool status and `pool describe`
 * in direct mode — read them with the home account-region the controller recorded, not their own
 * AWS_REGION: here the controller is at home in us-east-1 and the API and the CLI run with eu-west-1. And
 * the controller's replicas record that home once, agree quietly, and say so when they disagree.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino, type Logger } from 'pino';
import { DEFAULT_BUDGETS } from '../../controller/aws/budgets.js';
import { scopeOf, type HomeScope } from '../../controller/aws/budget-keys.js';
import { readHomeRecord, startHomeRecording } from '../../controller/aws/home-record.js';
import { namespaceBudgets } from '../../controller/aws/namespace-budgets.js';
import { targetOfPool } from '../../controller/aws/target.js';
import type { PoolShare } from '../../controller/aws/pool-shares.js';
import type { PoolStatus } from '../../controller/server/handlers/pool-status.js';
import { registerReplica } from '../../controller/replica-registry.js';
import { keyspace } from '../../controller/store/index.js';
import type { RedisClient } from '../../controller/redis.js';
import { poolDoc, startTestApi, type TestApi } from '../helpers/api-server.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';
import { cli } from '../e2e/cli-run.js';

const OWN = '111122223333';
const CONTROLLER_HOME: HomeScope = { region: 'us-east-1', account: OWN };
/** The Region the API server and the CLI run with: not the controller's. */
const READER_REGION = 'eu-west-1';
const build = (replica: string) => ({ replica, version: '1.2.3', revision: 'r1', node: 'v22.0.0', startedAt: '2026-01-01T00:00:00.000Z' });

function capturingLogger(): { logger: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, lines };
}

describe('budget readers use the home account-region the controller recorded', () => {
  let api: TestApi;
  let viewer: string;
  const notes: string[] = [];
  const spec = {
    plain: {},
    named: { region: 'us-east-1' },
    ownRole: { roleArn: `arn:aws:iam::${OWN}:role/launcher` },
    west: { region: 'eu-west-1' },
  };

  before(async () => {
    api = await startTestApi({
      launchBudgets: { table: DEFAULT_BUDGETS, fallbackRegion: READER_REGION, clockScale: 1, homeNotRecorded: (_namespace, note) => void notes.push(note) },
    });
    viewer = await api.token('viewer');
    await api.store.submit(Object.entries(spec).map(([name, s]) => poolDoc(name.toLowerCase(), s)));
  });
  after(() => api.close());

  const status = async (pool: string) => {
    const reply = await api.call<PoolStatus>('GET', api.ns(`pools/${pool}/status`), { token: viewer });
    assert.equal(reply.status, 200, reply.text);
    return reply.body.status;
  };
  const describePool = async (pool: string) => {
    const result = await cli(api.namespace, ['pool', 'describe', pool, '-o', 'json'], { env: { AWS_REGION: READER_REGION } });
    assert.equal(result.code, 0, result.stderr);
    return { share: (JSON.parse(result.stdout) as { launchShare?: PoolShare }).launchShare, stderr: result.stderr };
  };

  test('until a controller records its home, both fall back to their own Region and say so', async () => {
    const plain = await status('plain');
    assert.deepEqual(plain.home, { region: READER_REGION, recorded: false });
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /has recorded its home Region yet.*as if it were eu-west-1, the API server's AWS_REGION/);
    const described = await describePool('plain');
    assert.match(described.stderr, /note: no controller of namespace ".*" has recorded its home Region yet.*eu-west-1, this shell's AWS_REGION/);
  });

  test('pool status and pool describe read the shares and buckets the controller launched with', async () => {
    const { logger } = capturingLogger();
    await registerReplica(api.redis, api.store.keyspace, build('ctl-1'), 60_000);
    const recording = startHomeRecording({ redis: api.redis, keyspace: api.store.keyspace, replica: 'ctl-1', home: CONTROLLER_HOME, logger, intervalMs: 60_000 });
    await recording.started;
    recording.stop();

    // Launches as the controller takes them: each pool's account-region, keyed from the controller's home.
    const budgetsFor = namespaceBudgets({ redis: api.redis, keyspace: api.store.keyspace, budgets: DEFAULT_BUDGETS, home: CONTROLLER_HOME, clockScale: 1 });
    for (const [name, s] of Object.entries(spec)) {
      const pool = name.toLowerCase();
      const taken = await budgetsFor(scopeOf(targetOfPool(s), CONTROLLER_HOME)).take(
        [{ category: 'fargateLaunches', count: 1 }], { lane: 'launch', pool, caller: `${pool}-1`, weight: 1, priority: 0 },
      );
      assert.equal(taken.granted, true);
    }

    // No region, the home Region named, a role into the home account: one account-region, one lane of three pools.
    for (const pool of ['plain', 'named', 'ownrole']) {
      const read = await status(pool);
      assert.deepEqual(read.home, { region: 'us-east-1', account: OWN, recorded: true });
      assert.equal(read.launchBudget?.region, 'us-east-1', pool);
      assert.equal(read.launchBudget?.account, 'default', pool);
      assert.ok(Math.abs(read.share.sharePercent - 100 / 3) < 1e-6, `${pool}: ${read.share.sharePercent} %`);
      assert.ok(read.share.launchesPerSecond > 0, pool);
      const described = await describePool(pool);
      assert.ok(described.share !== undefined && Math.abs(described.share.sharePercent - 100 / 3) < 1e-6, `${pool} (CLI): ${JSON.stringify(described.share)}`);
      assert.doesNotMatch(described.stderr, /note:/);
    }
    // eu-west-1 is another account-region for the controller, whatever Region the readers have.
    const west = await status('west');
    assert.equal(west.launchBudget?.region, 'eu-west-1');
    assert.equal(west.share.sharePercent, 100, 'the only pool of its account-region');
    assert.equal((await describePool('west')).share?.sharePercent, 100);
    assert.equal(notes.length, 1, 'no more notes once the home is recorded');
  });
});

describe('the controller\'s replicas record their home', () => {
  let redis: RedisClient;
  const namespace = uniqueNamespace('test-home');
  const ks = keyspace(namespace);
  before(() => {
    redis = testRedis();
  });
  after(async () => {
    await deleteNamespaceKeys(redis, namespace);
    await redis.quit();
  });

  const record = async (replica: string, home: HomeScope, logger = capturingLogger().logger) => {
    const recording = startHomeRecording({ redis, keyspace: ks, replica, home, logger, intervalMs: 60_000 });
    await recording.started;
    recording.stop();
  };

  test('replicas that agree leave one record; one that disagrees is warned about while the first lives; a gone writer is replaced', async () => {
    await registerReplica(redis, ks, build('a'), 60_000);
    await registerReplica(redis, ks, build('b'), 60_000);
    await record('a', CONTROLLER_HOME);
    const first = await readHomeRecord(redis, ks);
    assert.deepEqual(first?.home, CONTROLLER_HOME);
    assert.equal(first?.replica, 'a');

    await record('b', { ...CONTROLLER_HOME });
    assert.deepEqual(await readHomeRecord(redis, ks), first, 'an agreeing replica leaves the record as it is');

    const west = capturingLogger();
    await record('b', { region: 'eu-west-1', account: OWN }, west.logger);
    assert.deepEqual(await readHomeRecord(redis, ks), first, 'the live writer\'s record stands');
    const warning = west.lines.find((line) => line.level === 40);
    assert.match(warning?.msg ?? '', /replicas of namespace "test-home-[0-9a-f]+" disagree.*replica a recorded Region us-east-1.*this replica \(b\) has Region eu-west-1/);

    await redis.del(ks.key('replica', 'a'));
    await record('b', { region: 'eu-west-1', account: OWN });
    const replaced = await readHomeRecord(redis, ks);
    assert.deepEqual(replaced?.home, { region: 'eu-west-1', account: OWN });
    assert.equal(replaced?.replica, 'b');
  });
});
