import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { createEc2Handler, SIM_NETWORK } from '../ec2.js';
import {
  decodeNextToken, encodeNextToken, filterValueMatches, parseFilters, parseIndexedList, parseQueryParams,
} from '../ec2/query.js';
import { TokenBucket } from '../token-bucket.js';
import { startSimulator } from '../index.js';
import { mountHandlers, type MountedHandlers } from './helpers/mount-handler.js';
import { CREDENTIALS } from './helpers/ecs-sim.js';

describe('EC2 query parameters (pure)', () => {
  test('Filter.N.Name / Filter.N.Value.M are grouped by N and ordered by M', () => {
    const params = parseQueryParams('/', new URLSearchParams({
      Action: 'DescribeSubnets',
      'Filter.2.Name': 'availability-zone',
      'Filter.2.Value.2': 'us-east-1c',
      'Filter.2.Value.1': 'us-east-1a',
      'Filter.1.Name': 'vpc-id',
      'Filter.1.Value.1': 'vpc-1',
    }).toString());
    assert.deepEqual(parseFilters(params), [
      { name: 'vpc-id', values: ['vpc-1'] },
      { name: 'availability-zone', values: ['us-east-1a', 'us-east-1c'] },
    ]);
  });

  test('indexed lists are ordered by index, and GET query strings are read too', () => {
    const params = parseQueryParams('/?Action=DescribeVpcs&VpcId.10=vpc-c&VpcId.2=vpc-b', 'VpcId.1=vpc-a');
    assert.equal(params.get('Action'), 'DescribeVpcs');
    assert.deepEqual(parseIndexedList(params, 'VpcId'), ['vpc-a', 'vpc-b', 'vpc-c']);
  });

  test('filter values support * and ? wildcards and are otherwise literal', () => {
    assert.equal(filterValueMatches('us-east-1*', 'us-east-1b'), true);
    assert.equal(filterValueMatches('us-east-1?', 'us-east-1b'), true);
    assert.equal(filterValueMatches('us-east-1?', 'us-east-1bb'), false);
    assert.equal(filterValueMatches('10.0.1.0/24', '10.0.1.0/24'), true);
    assert.equal(filterValueMatches('10.0.1.0/24', '10a0.1.0/24'), false);
  });

  test('pagination tokens round-trip and foreign tokens are rejected', () => {
    assert.equal(decodeNextToken(encodeNextToken(7)), 7);
    assert.equal(decodeNextToken('garbage'), undefined);
  });
});

describe('EC2 DescribeVpcs / DescribeSubnets through @aws-sdk/client-ec2', () => {
  let server: MountedHandlers;
  let client: EC2Client;
  const calls: Array<[string, string]> = [];
  let clock = 0;
  const bucket = new TokenBucket({ capacity: 1000, refillPerSecond: 0, now: () => clock });

  before(async () => {
    server = await mountHandlers([createEc2Handler({
      region: 'us-east-1', accountId: '123456789012', audit: (action, outcome) => calls.push([action, outcome]), describeBucket: bucket,
    })]);
    client = new EC2Client({
      region: 'us-east-1', endpoint: server.endpoint, maxAttempts: 1,
      credentials: CREDENTIALS,
    });
  });
  after(async () => {
    client.destroy();
    await server.close();
  });

  test('the default VPC is found by the isDefault filter and parses as booleans and sets', async () => {
    const answer = await client.send(new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] }));
    assert.equal(answer.Vpcs?.length, 1);
    const vpc = answer.Vpcs?.[0];
    assert.equal(vpc?.IsDefault, true);
    assert.equal(vpc?.CidrBlock, '172.31.0.0/16');
    assert.equal(vpc?.State, 'available');
    assert.equal(vpc?.OwnerId, '123456789012');
    assert.equal(vpc?.CidrBlockAssociationSet?.[0]?.CidrBlockState?.State, 'associated');
    assert.equal(vpc?.InstanceTenancy, 'default');
    assert.equal(answer.NextToken, undefined);
  });

  test('all VPCs, VpcId.N, is-default=false and the Name tag', async () => {
    const all = await client.send(new DescribeVpcsCommand({}));
    assert.equal(all.Vpcs?.length, 2);
    const privateVpc = SIM_NETWORK.vpcs.find((vpc) => !vpc.isDefault);
    const byId = await client.send(new DescribeVpcsCommand({ VpcIds: [privateVpc?.vpcId ?? ''] }));
    assert.deepEqual(byId.Vpcs?.map((vpc) => vpc.VpcId), [privateVpc?.vpcId]);
    const nonDefault = await client.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['false'] }] }));
    assert.equal(nonDefault.Vpcs?.[0]?.IsDefault, false);
    assert.deepEqual(nonDefault.Vpcs?.[0]?.Tags, [{ Key: 'Name', Value: 'longshore-private' }]);
  });

  test('subnets of the default VPC: three AZs, defaultForAz and public IPs', async () => {
    const defaultVpc = SIM_NETWORK.vpcs.find((vpc) => vpc.isDefault);
    const answer = await client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [defaultVpc?.vpcId ?? ''] }] }));
    const subnets = answer.Subnets ?? [];
    assert.deepEqual(subnets.map((subnet) => subnet.AvailabilityZone), ['us-east-1a', 'us-east-1b', 'us-east-1c']);
    for (const subnet of subnets) {
      assert.equal(subnet.DefaultForAz, true);
      assert.equal(subnet.MapPublicIpOnLaunch, true);
      assert.equal(subnet.VpcId, defaultVpc?.vpcId);
      assert.equal(subnet.State, 'available');
      assert.equal(typeof subnet.AvailableIpAddressCount, 'number');
      assert.match(subnet.SubnetArn ?? '', /^arn:aws:ec2:us-east-1:123456789012:subnet\/subnet-/);
    }
  });

  test('subnet filters: availability-zone, default-for-az, subnet-id; SubnetId.N', async () => {
    const inA = await client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1a'] }] }));
    assert.equal(inA.Subnets?.length, 2);
    const privateOnes = await client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['false'] }] }));
    assert.equal(privateOnes.Subnets?.length, 2);
    assert.ok(privateOnes.Subnets?.every((subnet) => subnet.MapPublicIpOnLaunch === false));
    const wanted = SIM_NETWORK.subnets[1].subnetId;
    const byFilter = await client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: [wanted] }] }));
    assert.deepEqual(byFilter.Subnets?.map((subnet) => subnet.SubnetId), [wanted]);
    const byId = await client.send(new DescribeSubnetsCommand({ SubnetIds: [wanted, SIM_NETWORK.subnets[4].subnetId] }));
    assert.equal(byId.Subnets?.length, 2);
    const combined = await client.send(new DescribeSubnetsCommand({
      Filters: [{ Name: 'availability-zone', Values: ['us-east-1b'] }, { Name: 'default-for-az', Values: ['true'] }],
    }));
    assert.deepEqual(combined.Subnets?.map((subnet) => subnet.SubnetId), [wanted]);
  });

  test('MaxResults / NextToken pages through all subnets', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new DescribeSubnetsCommand({ MaxResults: 5, NextToken: nextToken }));
      pages += 1;
      seen.push(...(page.Subnets ?? []).map((subnet) => subnet.SubnetId ?? ''));
      nextToken = page.NextToken;
    } while (nextToken !== undefined && pages < 10);
    assert.deepEqual(seen, SIM_NETWORK.subnets.map((subnet) => subnet.subnetId));
    const firstPage = await client.send(new DescribeVpcsCommand({ MaxResults: 5 }));
    assert.equal(firstPage.Vpcs?.length, 2);
    assert.equal(firstPage.NextToken, undefined);
  });

  test('unknown IDs give InvalidVpcID.NotFound / InvalidSubnetID.NotFound with EC2 messages', async () => {
    await assert.rejects(client.send(new DescribeVpcsCommand({ VpcIds: ['vpc-x'] })), (error: EC2ServiceException) => {
      assert.equal(error.name, 'InvalidVpcID.NotFound');
      assert.equal(error.message, "The vpc ID 'vpc-x' does not exist");
      assert.equal(error.$metadata.httpStatusCode, 400);
      return true;
    });
    await assert.rejects(client.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-x'] })), (error: EC2ServiceException) => {
      assert.equal(error.name, 'InvalidSubnetID.NotFound');
      assert.equal(error.message, "The subnet ID 'subnet-x' does not exist");
      return true;
    });
  });

  test('invalid filter name and MaxResults out of range are InvalidParameterValue', async () => {
    await assert.rejects(client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })),
      (error: EC2ServiceException) => error.name === 'InvalidParameterValue' && error.message === "The filter 'colour' is invalid");
    await assert.rejects(client.send(new DescribeVpcsCommand({ MaxResults: 2 })),
      (error: EC2ServiceException) => error.name === 'InvalidParameterValue');
  });

  test('unknown Action is InvalidAction; GET query strings work', async () => {
    const unknown = await fetch(`${server.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeNothing&Version=2016-11-15',
    });
    assert.equal(unknown.status, 400);
    assert.match(await unknown.text(), /<Code>InvalidAction<\/Code>/);
    const viaGet = await fetch(`${server.endpoint}/?Action=DescribeVpcs&Version=2016-11-15&VpcId.1=${SIM_NETWORK.vpcs[0].vpcId}`);
    const xml = await viaGet.text();
    assert.equal(viaGet.status, 200);
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?><DescribeVpcsResponse xmlns="http:\/\/ec2.amazonaws.com\/doc\/2016-11-15\/"><requestId>[0-9a-f-]{36}<\/requestId><vpcSet><item>/);
    assert.match(xml, /<isDefault>true<\/isDefault>/);
  });

  test('an empty bucket answers RequestLimitExceeded with HTTP 503, and every call is audited', async () => {
    while (bucket.tryTake()) { /* drain the shared describe bucket */ }
    await assert.rejects(client.send(new DescribeVpcsCommand({})), (error: EC2ServiceException) => {
      assert.equal(error.name, 'RequestLimitExceeded');
      assert.equal(error.message, 'Request limit exceeded.');
      assert.equal(error.$metadata.httpStatusCode, 503);
      return true;
    });
    clock += 1000;
    assert.ok(calls.some(([action, outcome]) => action === 'DescribeVpcs' && outcome === 'throttled'));
    assert.ok(calls.some(([action, outcome]) => action === 'DescribeSubnets' && outcome === 'ok'));
    assert.ok(calls.some(([action, outcome]) => action === 'DescribeSubnets' && outcome === 'error'));
    assert.ok(calls.some(([action, outcome]) => action === 'DescribeNothing' && outcome === 'error'));
  });
});

describe('EC2 through the whole simulator (startSimulator)', () => {
  test('DescribeSubnets answers on the shared endpoint and is counted in /_sim/audit', async () => {
    const sim = await startSimulator({ seed: 1 });
    const client = new EC2Client({
      region: 'us-east-1', endpoint: sim.url, maxAttempts: 1, credentials: CREDENTIALS,
    });
    try {
      const answer = await client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
      assert.deepEqual(answer.Subnets?.map((subnet) => subnet.AvailabilityZone), ['us-east-1a', 'us-east-1b', 'us-east-1c']);
      await assert.rejects(client.send(new DescribeVpcsCommand({ VpcIds: ['vpc-404'] })), { name: 'InvalidVpcID.NotFound' });
      const audit = await (await fetch(`${sim.url}/_sim/audit`)).json() as { calls: Record<string, { ok: number; error: number }> };
      assert.equal(audit.calls.DescribeSubnets?.ok, 1);
      assert.equal(audit.calls.DescribeVpcs?.error, 1);
    } finally {
      client.destroy();
      await sim.close();
    }
  });
});
