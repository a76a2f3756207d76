/**
 * The cost arithmetic (controller/pricing.ts): per second rounded up, the one-minute Fargate minimum, billed
 * from image pull start to stop, by vCPU and GB, Spot vs on-demand, x86 vs ARM, EC2/EXTERNAL sized but not
 * priced, and the price table override.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attempt } from '../../controller/api/run-status.js';
import { DEFAULT_PRICES, billedSeconds, capacityOf, mergePrices, runCost } from '../../controller/pricing.js';
import { compileConfig, ConfigError } from '../../controller/config.js';

const T0 = Date.UTC(2026, 0, 1);
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
function attempt(fields: Partial<Attempt> & { seconds?: number } = {}): Attempt {
  const { seconds = 600, ...rest } = fields;
  return { number: 1, launchType: 'FARGATE', pullStartedAt: iso(0), stoppedAt: iso(seconds), cpu: '1024', memory: '2048', ...rest };
}

describe('billed time', () => {
  test('per second, rounded up, with a one-minute minimum on Fargate only', () => {
    assert.equal(billedSeconds(iso(0), iso(600), true), 600);
    assert.equal(billedSeconds(iso(0), iso(600.2), true), 601);
    assert.equal(billedSeconds(iso(0), iso(5), true), 60);
    assert.equal(billedSeconds(iso(0), iso(59.001), true), 60);
    assert.equal(billedSeconds(iso(0), iso(60.001), true), 61);
    assert.equal(billedSeconds(iso(0), iso(5), false), 5);
    assert.equal(billedSeconds(undefined, iso(5), true), 0);
    assert.equal(billedSeconds(iso(5), iso(0), true), 0);
  });

  test('where an attempt ran decides its capacity', () => {
    assert.equal(capacityOf({ capacityProvider: 'FARGATE_SPOT' }), 'spot');
    assert.equal(capacityOf({ capacityProvider: 'FARGATE' }), 'on-demand');
    assert.equal(capacityOf({ launchType: 'FARGATE' }), 'on-demand');
    assert.equal(capacityOf({ launchType: 'EC2' }), 'ec2');
    assert.equal(capacityOf({ launchType: 'EXTERNAL' }), 'external');
    assert.equal(capacityOf({}), undefined);
  });
});

describe('run cost', () => {
  test('on-demand x86: vCPU-hours and GB-hours at the published us-east-1 rates', () => {
    // 1 vCPU, 2 GB for 3600 s: 0.04048 + 2 × 0.004445 = 0.04937.
    const cost = runCost([attempt({ seconds: 3600 })], 'us-east-1', DEFAULT_PRICES);
    assert.equal(cost.estimate, true);
    assert.deepEqual([cost.vcpuSeconds, cost.gbSeconds], [3600, 7200]);
    assert.equal(cost.estimatedUsd, 0.04937);
    assert.equal(cost.onDemandUsd, 0.04937);
    assert.deepEqual(cost.attempts, [{ number: 1, capacity: 'on-demand', billedSeconds: 3600, vcpu: 1, gb: 2, estimatedUsd: 0.04937, onDemandUsd: 0.04937 }]);
  });

  test('a short task is billed the minute; USD is kept to a millionth', () => {
    // 0.25 vCPU, 0.5 GB for 60 s: (0.25 × 0.04048 + 0.5 × 0.004445) / 60 = 0.0002057083… → 0.000206.
    const cost = runCost([attempt({ seconds: 3, cpu: '256', memory: '512' })], 'us-east-1', DEFAULT_PRICES);
    assert.equal(cost.attempts[0].billedSeconds, 60);
    assert.equal(cost.estimatedUsd, 0.000206);
    assert.deepEqual([cost.vcpuSeconds, cost.gbSeconds], [15, 30]);
  });

  test('Spot is priced at the Spot rate and onDemandUsd says what on-demand would have cost; ARM at ARM rates', () => {
    const spot = attempt({ number: 1, launchType: 'FARGATE', capacityProvider: 'FARGATE_SPOT', seconds: 3600 });
    const onDemand = attempt({ number: 2, launchType: 'FARGATE', capacityProvider: 'FARGATE', seconds: 3600 });
    const cost = runCost([spot, onDemand], 'us-east-1', DEFAULT_PRICES);
    const spotRate = DEFAULT_PRICES['us-east-1'].x86_64.spot;
    const spotUsd = Math.round((spotRate.vcpuHour + 2 * spotRate.gbHour) * 1e6) / 1e6;
    assert.deepEqual(cost.attempts.map((a) => [a.capacity, a.estimatedUsd, a.onDemandUsd]), [['spot', spotUsd, 0.04937], ['on-demand', 0.04937, 0.04937]]);
    assert.ok(spotUsd < 0.04937 * 0.31 && spotUsd > 0.04937 * 0.29, `spot ${spotUsd} is about 70% below on-demand`);
    assert.equal(cost.estimatedUsd, Math.round((spotUsd + 0.04937) * 1e6) / 1e6);
    assert.equal(cost.onDemandUsd, 0.09874);
    const arm = runCost([attempt({ seconds: 3600, cpuArchitecture: 'arm64' })], 'us-east-1', DEFAULT_PRICES);
    assert.equal(arm.estimatedUsd, Math.round((0.03238 + 2 * 0.00356) * 1e6) / 1e6);
  });

  test('EC2 and EXTERNAL attempts are sized without a minimum and not priced; attempts without a task cost nothing', () => {
    const cost = runCost([
      attempt({ number: 1, launchType: 'EXTERNAL', seconds: 30 }),
      { number: 2, failureReason: 'CapacityUnavailable' },
      attempt({ number: 3, launchType: 'EC2', seconds: 10, cpu: '512', memory: '1024' }),
    ], 'us-east-1', DEFAULT_PRICES);
    assert.deepEqual(cost.attempts.map((a) => [a.number, a.capacity, a.billedSeconds, a.estimatedUsd]), [[1, 'external', 30, undefined], [3, 'ec2', 10, undefined]]);
    assert.deepEqual([cost.vcpuSeconds, cost.gbSeconds, cost.estimatedUsd, cost.onDemandUsd], [35, 70, undefined, undefined]);
  });

  test('a Region without prices is sized but not priced, and the cost says why', () => {
    const cost = runCost([attempt({ seconds: 120 })], 'ap-south-2', DEFAULT_PRICES);
    assert.equal(cost.vcpuSeconds, 120);
    assert.equal(cost.estimatedUsd, undefined);
    assert.equal(cost.unpriced, 'no Fargate price is configured for Region ap-south-2 (the price table has eu-west-1, us-east-1, us-east-2, us-west-2; '
      + 'add it with LONGSHORE_FARGATE_PRICES or the Helm value controller.fargatePrices)');
    // A Region the override added is priced.
    const rate = { vcpuHour: 0.05, gbHour: 0.005 };
    const table = mergePrices(DEFAULT_PRICES, { 'ap-south-2': { x86_64: { onDemand: rate, spot: rate }, arm64: { onDemand: rate, spot: rate } } });
    const priced = runCost([attempt({ seconds: 120 })], 'ap-south-2', table);
    assert.ok((priced.estimatedUsd ?? 0) > 0);
    assert.equal(priced.unpriced, undefined);
  });

  test('only Fargate attempts make a missing price worth saying: EC2, EXTERNAL and priced Regions carry no note', () => {
    assert.equal(runCost([attempt({ launchType: 'EXTERNAL' }), attempt({ number: 2, launchType: 'EC2' })], 'ap-south-2', DEFAULT_PRICES).unpriced, undefined);
    assert.equal(runCost([{ number: 1, failureReason: 'CapacityUnavailable' }], 'ap-south-2', DEFAULT_PRICES).unpriced, undefined);
    assert.equal(runCost([attempt()], 'us-east-1', DEFAULT_PRICES).unpriced, undefined);
    // Spot counts as Fargate too.
    assert.match(runCost([attempt({ capacityProvider: 'FARGATE_SPOT' })], 'sa-east-1', DEFAULT_PRICES).unpriced ?? '', /^no Fargate price is configured for Region sa-east-1 /);
  });

  test('the default Regions and the Spot assumption: four Regions, Spot at 30 % of on-demand', () => {
    assert.deepEqual(Object.keys(DEFAULT_PRICES).sort(), ['eu-west-1', 'us-east-1', 'us-east-2', 'us-west-2']);
    for (const prices of Object.values(DEFAULT_PRICES)) {
      for (const arch of [prices.x86_64, prices.arm64]) {
        assert.ok(Math.abs(arch.spot.vcpuHour - arch.onDemand.vcpuHour * 0.3) < 1e-8);
        assert.ok(Math.abs(arch.spot.gbHour - arch.onDemand.gbHour * 0.3) < 1e-8);
      }
    }
  });
});

describe('the price table override', () => {
  test('rates replace the defaults one by one; a new Region needs every rate', () => {
    const table = mergePrices(DEFAULT_PRICES, { 'us-east-1': { x86_64: { spot: { vcpuHour: 0.012, gbHour: 0.0013 } } } });
    assert.deepEqual(table['us-east-1'].x86_64.spot, { vcpuHour: 0.012, gbHour: 0.0013 });
    assert.deepEqual(table['us-east-1'].x86_64.onDemand, DEFAULT_PRICES['us-east-1'].x86_64.onDemand);
    assert.throws(() => mergePrices(DEFAULT_PRICES, { 'ap-south-2': { x86_64: { onDemand: { vcpuHour: 1, gbHour: 1 } } } }), /needs x86_64 and arm64/);
  });

  test('LONGSHORE_FARGATE_PRICES is parsed at start and bad tables are refused with the variable named', () => {
    const config = compileConfig({ LONGSHORE_FARGATE_PRICES: '{"eu-west-1":{"arm64":{"onDemand":{"vcpuHour":0.5,"gbHour":0.05}}}}' });
    assert.deepEqual(config.prices['eu-west-1'].arm64.onDemand, { vcpuHour: 0.5, gbHour: 0.05 });
    assert.deepEqual(compileConfig({}).prices, DEFAULT_PRICES);
    for (const bad of ['{', '{"us-east-1":{"x86_64":{"onDemand":{"vcpuHour":-1,"gbHour":0}}}}', '{"nowhere":{}}']) {
      assert.throws(() => compileConfig({ LONGSHORE_FARGATE_PRICES: bad }), (error: unknown) => error instanceof ConfigError && /LONGSHORE_FARGATE_PRICES/.test(error.message));
    }
  });
});
