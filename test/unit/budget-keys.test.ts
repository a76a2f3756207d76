/**
 * The budget keys of an account-region (controller/aws/budget-keys.ts): two ways of naming the same real
 * account and Region — a pool without a region and one naming the home Region, the controller's own
 * credentials and a role in the controller's own account — land on the same keys, as AWS counts them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetKeyParts, budgetScopesOfPools, scopeOf, shareKeyFor, type HomeScope } from '../../controller/aws/budget-keys.js';
import { targetOfPool } from '../../controller/aws/target.js';
import { keyspace } from '../../controller/store/keys.js';

const OWN = '111122223333';
const PARTNER = '210987654321';
const HOME: HomeScope = { region: 'us-east-1', account: OWN };
const role = (account: string) => `arn:aws:iam::${account}:role/launcher`;
const keysOf = (spec: { region?: string; roleArn?: string }, home: HomeScope = HOME) => budgetKeyParts(scopeOf(targetOfPool(spec), home), home, 'fargateLaunches');

test('a pool without a region and one naming the home Region share the home buckets (the short key)', () => {
  assert.deepEqual(keysOf({}), ['budget', 'fargateLaunches']);
  assert.deepEqual(keysOf({ region: 'us-east-1' }), keysOf({}));
  // The same without a learned account: the Region alone decides.
  const regionOnly: HomeScope = { region: 'us-east-1' };
  assert.deepEqual(keysOf({ region: 'us-east-1' }, regionOnly), keysOf({}, regionOnly));
  assert.deepEqual(keysOf({}, regionOnly), ['budget', 'fargateLaunches']);
});

test('a role in the controller\'s own account spends the same buckets as its own credentials, in any Region', () => {
  assert.deepEqual(keysOf({ roleArn: role(OWN) }), keysOf({}));
  assert.deepEqual(keysOf({ region: 'us-east-1', roleArn: role(OWN) }), keysOf({}));
  assert.deepEqual(keysOf({ region: 'eu-west-1', roleArn: role(OWN) }), keysOf({ region: 'eu-west-1' }));
  assert.deepEqual(keysOf({ region: 'eu-west-1' }), ['budget', 'default', 'eu-west-1', 'fargateLaunches']);
  assert.deepEqual(scopeOf(targetOfPool({ roleArn: role(OWN) }), HOME), { account: 'default', region: 'us-east-1' });
  // A scope built with the home account's id (not through scopeOf) is keyed the same.
  assert.deepEqual(budgetKeyParts({ account: OWN, region: 'us-east-1' }, HOME, 'fargateLaunches'), ['budget', 'fargateLaunches']);
});

test('another account, or another Region, keeps buckets of its own', () => {
  assert.deepEqual(keysOf({ roleArn: role(PARTNER) }), ['budget', PARTNER, 'us-east-1', 'fargateLaunches']);
  assert.deepEqual(keysOf({ region: 'us-east-1', roleArn: role(PARTNER) }), keysOf({ roleArn: role(PARTNER) }));
  assert.notDeepEqual(keysOf({ region: 'eu-west-1' }), keysOf({}));
  // Until the account is learned, a role into it cannot be told from a partner's.
  assert.deepEqual(keysOf({ roleArn: role(OWN) }, { region: 'us-east-1' }), ['budget', OWN, 'us-east-1', 'fargateLaunches']);
});

test('with no Region at all, region-less pools keep the short key; a named Region is another account-region', () => {
  const none: HomeScope = { region: undefined };
  assert.deepEqual(keysOf({}, none), ['budget', 'fargateLaunches']);
  assert.deepEqual(keysOf({ region: 'us-east-1' }, none), ['budget', 'default', 'us-east-1', 'fargateLaunches']);
});

test('a reader with another home derives other keys: why readers use the recorded home, not their own Region', () => {
  // The home buckets keep the short key, so the keys go wrong for pools that name a Region: the
  // controller's own Region is read as another's, and another Region's as the home one.
  const laptop: HomeScope = { region: 'eu-west-1' };
  assert.notDeepEqual(keysOf({ region: 'us-east-1' }, laptop), keysOf({ region: 'us-east-1' }));
  assert.notDeepEqual(keysOf({ region: 'eu-west-1' }, laptop), keysOf({ region: 'eu-west-1' }));
  assert.notDeepEqual(scopeOf(undefined, laptop), scopeOf(undefined, HOME), 'and a region-less pool is shown in the wrong Region');
  const ks = keyspace('keys-test');
  assert.equal(shareKeyFor(ks, scopeOf(undefined, HOME), HOME)('pools'), 'longshore:{keys-test}:budget:pools');
});

test('the scopes an installation spends count each real account-region once', () => {
  const scopes = budgetScopesOfPools([{}, { region: 'us-east-1' }, { roleArn: role(OWN) }, { region: 'eu-west-1', roleArn: role(OWN) }, { region: 'eu-west-1' }], HOME);
  assert.deepEqual(scopes, [{ account: 'default', region: 'us-east-1' }, { account: 'default', region: 'eu-west-1' }]);
});
