/** Which account-regions' budgets the elected replica exports, and how their series are labelled. Pure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetScopesOfPools } from '../../controller/aws/budget-keys.js';
import { budgetRows } from '../../controller/store-gauges.js';
import { createMetrics } from '../../controller/metrics.js';

const PARTNER = 'arn:aws:iam::210987654321:role/launcher';

test('the controller\'s own account-region first, then each pool\'s once', () => {
  const scopes = budgetScopesOfPools([
    {}, { region: 'eu-west-1' }, { region: 'us-east-1' }, { region: 'eu-west-1', roleArn: PARTNER }, { region: 'eu-west-1' },
  ], { region: 'us-east-1' });
  assert.deepEqual(scopes, [
    { account: 'default', region: 'us-east-1' },
    { account: 'default', region: 'eu-west-1' },
    { account: '210987654321', region: 'eu-west-1' },
  ]);
  assert.deepEqual(budgetScopesOfPools([], { region: undefined }), [{ account: 'default', region: 'default' }]);
});

test('one row per category and account-region, each with its own capacity', () => {
  const { awsScopeLabels } = createMetrics();
  const rows = budgetRows([
    { scope: { account: 'default', region: 'us-east-1' }, level: { category: 'fargateLaunches', tokens: 3, rateFactor: 1 } },
    { scope: { account: '210987654321', region: 'us-east-1' }, level: { category: 'fargateLaunches', tokens: 100, rateFactor: 0.5 } },
  ], awsScopeLabels, () => 100);
  assert.deepEqual(rows, [
    { labels: { category: 'fargateLaunches', region: 'us-east-1', account: 'default' }, tokens: 3, capacity: 100, rateFactor: 1 },
    { labels: { category: 'fargateLaunches', region: 'us-east-1', account: '210987654321' }, tokens: 100, capacity: 100, rateFactor: 0.5 },
  ]);
});

test('without the account label, two accounts in one Region show the tighter of them', () => {
  const { awsScopeLabels } = createMetrics({ accountLabel: false });
  const rows = budgetRows([
    { scope: { account: 'default', region: 'us-east-1' }, level: { category: 'fargateLaunches', tokens: 3, rateFactor: 1 } },
    { scope: { account: '210987654321', region: 'us-east-1' }, level: { category: 'fargateLaunches', tokens: 100, rateFactor: 0.5 } },
    { scope: { account: 'default', region: 'eu-west-1' }, level: { category: 'fargateLaunches', tokens: 100, rateFactor: 1 } },
  ], awsScopeLabels, () => 100);
  assert.deepEqual(rows, [
    { labels: { category: 'fargateLaunches', region: 'us-east-1' }, tokens: 3, capacity: 100, rateFactor: 0.5 },
    { labels: { category: 'fargateLaunches', region: 'eu-west-1' }, tokens: 100, capacity: 100, rateFactor: 1 },
  ]);
});
