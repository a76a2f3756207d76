/**
 * The recorded home account-region (controller/aws/home-policy.ts, home-record.ts learnOwnHome): what a
 * replica writes, keeps or warns about, what a reader uses, and how a replica learns its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeHomeRecord, homeForReader, judgeHomeRecord, parseHomeRecord, unrecordedHomeNote, withRecordedAccount, type HomeRecord,
} from '../../controller/aws/home-policy.js';
import { learnOwnHome } from '../../controller/aws/home-record.js';

const EAST: HomeRecord = { home: { region: 'us-east-1', account: '111122223333' }, replica: 'a', recordedAt: '2025-01-01T00:00:00.000Z' };

test('a record reads back as written; one this version cannot read counts as none', () => {
  assert.deepEqual(parseHomeRecord(encodeHomeRecord(EAST)), EAST);
  const bare: HomeRecord = { home: { region: undefined }, replica: 'b', recordedAt: 'x' };
  assert.deepEqual(parseHomeRecord(encodeHomeRecord(bare)), bare);
  for (const raw of [null, 'not json', '[]', '{"region":1,"replica":"a","recordedAt":"x"}', '{"region":"us-east-1"}']) {
    assert.equal(parseHomeRecord(raw), undefined, String(raw));
  }
});

test('replicas that agree leave the record; the first to look writes it', () => {
  assert.deepEqual(judgeHomeRecord(EAST.home, 'b', undefined, true), { kind: 'write' });
  assert.deepEqual(judgeHomeRecord({ ...EAST.home }, 'b', EAST, true), { kind: 'keep' });
});

test('a live replica with another home is a disagreement; the record stays', () => {
  const west = { region: 'eu-west-1', account: '111122223333' };
  assert.deepEqual(judgeHomeRecord(west, 'b', EAST, true), { kind: 'conflict', recorded: EAST });
  assert.deepEqual(judgeHomeRecord({ region: 'us-east-1', account: '999999999999' }, 'b', EAST, true).kind, 'conflict');
});

test('a record whose writer is gone, or this replica\'s own, is replaced; so is one that lacked the account', () => {
  const west = { region: 'eu-west-1', account: '111122223333' };
  assert.deepEqual(judgeHomeRecord(west, 'b', EAST, false), { kind: 'write', replacing: EAST });
  assert.deepEqual(judgeHomeRecord(west, 'a', EAST, true), { kind: 'write', replacing: EAST });
  const noAccount: HomeRecord = { ...EAST, home: { region: 'us-east-1' } };
  assert.deepEqual(judgeHomeRecord(EAST.home, 'b', noAccount, true), { kind: 'write', replacing: noAccount });
});

test('a replica without its account takes the one recorded for its own Region only', () => {
  assert.deepEqual(withRecordedAccount({ region: 'us-east-1' }, EAST), EAST.home);
  assert.deepEqual(withRecordedAccount({ region: 'eu-west-1' }, EAST), { region: 'eu-west-1' });
  assert.deepEqual(withRecordedAccount({ region: 'us-east-1', account: '999999999999' }, EAST), { region: 'us-east-1', account: '999999999999' });
  assert.deepEqual(withRecordedAccount({ region: 'us-east-1' }, undefined), { region: 'us-east-1' });
});

test('a reader uses the recorded home, and its own Region only when none is recorded', () => {
  assert.deepEqual(homeForReader(EAST, 'eu-west-1'), { home: EAST.home, recorded: true });
  assert.deepEqual(homeForReader(undefined, 'eu-west-1'), { home: { region: 'eu-west-1' }, recorded: false });
  assert.match(unrecordedHomeNote('prod', 'eu-west-1', 'this shell\'s'), /namespace "prod" has recorded.*as if it were eu-west-1, this shell's AWS_REGION/);
});

test('learning the home: the configured Region, else the SDK\'s; the account from STS, or a reason it is unknown', async () => {
  const never = () => new Promise<string>(() => undefined);
  const configured = await learnOwnHome({ configuredRegion: 'us-east-1', resolveRegion: never, callerAccount: async () => '111122223333', timeoutMs: 1000 });
  assert.deepEqual(configured, { home: { region: 'us-east-1', account: '111122223333' }, problems: [] });

  let askedIn: string | undefined;
  const fromProfile = await learnOwnHome({
    configuredRegion: undefined, resolveRegion: async () => 'ap-south-1', callerAccount: async (region) => { askedIn = region; return '111122223333'; }, timeoutMs: 1000,
  });
  assert.equal(fromProfile.home.region, 'ap-south-1');
  assert.equal(askedIn, 'ap-south-1', 'STS is asked in the home Region');

  const silent = await learnOwnHome({ configuredRegion: 'us-east-1', resolveRegion: never, callerAccount: () => new Promise(() => undefined), timeoutMs: 5 });
  assert.deepEqual(silent.home, { region: 'us-east-1' });
  assert.match(silent.problems.join(), /GetCallerIdentity: no answer within 5 ms/);

  const nowhere = await learnOwnHome({
    configuredRegion: undefined, resolveRegion: () => Promise.reject(new Error('Region is missing')), callerAccount: () => Promise.reject(new Error('denied')), timeoutMs: 1000,
  });
  assert.deepEqual(nowhere.home, { region: undefined });
  assert.equal(nowhere.problems.length, 2);
});
