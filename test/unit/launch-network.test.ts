import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Subnet } from '@aws-sdk/client-ec2';
import { MAX_SUBNETS, NetworkError, networkFor, busyMessage } from '../../reconcilers/launch/network.js';
import type { PoolLike, PoolSpecLike } from '../../reconcilers/taskdef/inputs.js';

function newPool(spec: PoolSpecLike = {}): PoolLike {
  return { metadata: { name: 'p', generation: 1 }, spec };
}
const subnets = (...ids: string[]): Subnet[] => ids.map((SubnetId) => ({ SubnetId }));

describe('networkFor', () => {
  test('inferred from the default VPC: its subnets, sorted, with a public IP', () => {
    assert.deepEqual(networkFor(newPool(), true, subnets('subnet-c', 'subnet-a', 'subnet-b')), {
      subnets: ['subnet-a', 'subnet-b', 'subnet-c'], assignPublicIp: 'ENABLED',
    });
  });

  test('inferred networks keep the pool\'s security groups and public-IP choice, and at most 16 subnets', () => {
    const many = subnets(...Array.from({ length: 20 }, (_, i) => `subnet-${String(i).padStart(2, '0')}`));
    const n = networkFor(newPool({ networkConfiguration: { securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } }), true, many);
    assert.equal(n.subnets?.length, MAX_SUBNETS);
    assert.deepEqual(n.securityGroups, ['sg-1']);
    assert.equal(n.assignPublicIp, 'DISABLED');
  });

  test('a configured network is checked against the VPC and used as given', () => {
    const pool = newPool({ vpcId: 'vpc-1', networkConfiguration: { subnets: ['subnet-b'], securityGroups: ['sg-1'] } });
    assert.deepEqual(networkFor(pool, true, subnets('subnet-a', 'subnet-b')), { subnets: ['subnet-b'], securityGroups: ['sg-1'] });
    assert.throws(() => networkFor(pool, true, subnets('subnet-a')), (e: unknown) =>
      e instanceof NetworkError && e.message === 'Subnets ["subnet-b"] not found within VPC with ID vpc-1. Please check that VPC is associated with supplied subnets.');
  });

  test('missing VPCs and empty VPCs explain themselves as the seed does', () => {
    assert.throws(() => networkFor(newPool(), false, []), /Failed to find the default VPC\. Network configuration cannot be inferred\. Pass an explicit `vpcId` or configure a default VPC\./);
    assert.throws(() => networkFor(newPool({ vpcId: 'vpc-9' }), false, []), /Failed to find VPC with ID vpc-9\..*Check that the VPC exists/);
    assert.throws(() => networkFor(newPool({ vpcId: 'vpc-9' }), true, []), /Failed to find subnets for VPC with ID vpc-9/);
  });
});

describe('network cache entries', () => {
  test('a cached EC2 failure worth retrying keeps its message and the end of the pool backoff; older formats still read', async () => {
    const { decodeEntry, encodeEntry } = await import('../../reconcilers/launch/network-cache.js');
    const retry = { status: 'retry' as const, message: 'network inference: DescribeVpcs: InternalError: boom', until: 1_700_000_000_000 };
    assert.deepEqual(decodeEntry(encodeEntry(retry)), retry);
    assert.deepEqual(decodeEntry(JSON.stringify({ failed: 'no VPC' })), { status: 'failed', message: 'no VPC' });
    assert.deepEqual(decodeEntry(JSON.stringify({ subnets: ['s-1'] })), { status: 'resolved', network: { subnets: ['s-1'] } });
  });
});

describe('the message of a run held up by another resolution of its pool\'s network', () => {
  test('names the holder and how long its lock has left', () => {
    assert.equal(busyMessage('burst', { token: 'replica r-1/0f6c', remainingMs: 14_200, hadNoExpiry: false }),
      "The network of pool 'burst' is being resolved by another replica (replica r-1; its lock ends in 15 s).");
  });
  test('says when the lock had no expiry (it has been given one)', () => {
    assert.equal(busyMessage('burst', { token: 'host:42/0f6c', remainingMs: 15_000, hadNoExpiry: true }),
      "The network of pool 'burst' is being resolved by another replica (host:42); its lock had no expiry and now ends in 15 s.");
  });
  test('a lock without a holder\'s name, or one already gone', () => {
    assert.match(busyMessage('burst', { token: 'crashed-replica', remainingMs: 300, hadNoExpiry: false }), /\(an unnamed holder; its lock ends in 1 s\)/);
    assert.equal(busyMessage('burst', undefined), "The network of pool 'burst' is being resolved by another replica.");
  });
});
