/** The controller's replicas record their home account-region once, agree quietly, and say so when they disagree. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino, type Logger } from 'pino';
import type { HomeScope } from '../../controller/aws/budget-keys.js';
import { readHomeRecord, startHomeRecording } from '../../controller/aws/home-record.js';
import { registerReplica } from '../../controller/replica-registry.js';
import { keyspace } from '../../controller/store/index.js';
import type { RedisClient } from '../../controller/redis.js';
import { deleteNamespaceKeys, testRedis, uniqueNamespace } from '../helpers/redis-namespace.js';

const OWN = '111122223333';
const CONTROLLER_HOME: HomeScope = { region: 'us-east-1', account: OWN };
const build = (replica: string) => ({ replica, version: '1.2.3', revision: 'r1', node: 'v22.0.0', startedAt: '2026-01-01T00:00:00.000Z' });

function capturingLogger(): { logger: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, lines };
}

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
