/**
 * The simulator's network: in the default account and Region the fixed one below (us-east-1's zones): the
 * default VPC every account has (172.31.0.0/16 with one public /20 subnet per Availability Zone, as AWS
 * creates it) and one non-default VPC with two private subnets. Every other account and Region has the same
 * shape with ids and zones of its own (regionalNetwork): a VPC and its subnets belong to one account in one
 * Region ("A VPC spans all of the Availability Zones in the Region", Amazon VPC User Guide, "How Amazon VPC
 * works"), and each Region has its own default VPC ("Default VPCs": one per Region), so a subnet id of one
 * Region means nothing in another. The contract fields come first; the rest is what DescribeVpcs/DescribeSubnets also render.
 */
import { createHash } from 'node:crypto';
export interface SimVpc {
  vpcId: string;
  isDefault: boolean;
  cidrBlock: string;
  dhcpOptionsId: string;
  cidrBlockAssociationId: string;
  /** The Name tag, when the VPC has one (AWS's default VPC has no tags). */
  name?: string;
}

export interface SimSubnet {
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  cidrBlock: string;
  defaultForAz: boolean;
  availabilityZoneId: string;
  availableIpAddressCount: number;
  mapPublicIpOnLaunch: boolean;
  name?: string;
}

const DEFAULT_VPC_ID = 'vpc-0d1e2f3a4b5c6d7e8';
const PRIVATE_VPC_ID = 'vpc-0a9b8c7d6e5f40312';
const DHCP_OPTIONS_ID = 'dopt-0c1d2e3f4a5b6c7d8';

export interface SimNetwork { readonly vpcs: readonly SimVpc[]; readonly subnets: readonly SimSubnet[] }

export const SIM_NETWORK: SimNetwork = {
  vpcs: [
    {
      vpcId: DEFAULT_VPC_ID,
      isDefault: true,
      cidrBlock: '172.31.0.0/16',
      dhcpOptionsId: DHCP_OPTIONS_ID,
      cidrBlockAssociationId: 'vpc-cidr-assoc-0d1e2f3a4b5c6d7e8',
    },
    {
      vpcId: PRIVATE_VPC_ID,
      isDefault: false,
      cidrBlock: '10.0.0.0/16',
      dhcpOptionsId: DHCP_OPTIONS_ID,
      cidrBlockAssociationId: 'vpc-cidr-assoc-0a9b8c7d6e5f40312',
      name: 'longshore-private',
    },
  ],
  subnets: [
    defaultSubnet('subnet-0a1b2c3d4e5f60001', 'us-east-1a', 'use1-az4', '172.31.0.0/20'),
    defaultSubnet('subnet-0a1b2c3d4e5f60002', 'us-east-1b', 'use1-az6', '172.31.16.0/20'),
    defaultSubnet('subnet-0a1b2c3d4e5f60003', 'us-east-1c', 'use1-az1', '172.31.32.0/20'),
    privateSubnet('subnet-0f1e2d3c4b5a60101', 'us-east-1a', 'use1-az4', '10.0.1.0/24', 'longshore-private-a'),
    privateSubnet('subnet-0f1e2d3c4b5a60102', 'us-east-1b', 'use1-az6', '10.0.2.0/24', 'longshore-private-b'),
  ],
};

function defaultSubnet(subnetId: string, availabilityZone: string, availabilityZoneId: string, cidrBlock: string): SimSubnet {
  // A /20 has 4096 addresses; AWS reserves five in every subnet.
  return {
    subnetId, vpcId: DEFAULT_VPC_ID, availabilityZone, availabilityZoneId, cidrBlock,
    defaultForAz: true, mapPublicIpOnLaunch: true, availableIpAddressCount: 4091,
  };
}

function privateSubnet(
  subnetId: string, availabilityZone: string, availabilityZoneId: string, cidrBlock: string, name: string,
): SimSubnet {
  // A /24 has 256 addresses; AWS reserves five in every subnet.
  return {
    subnetId, vpcId: PRIVATE_VPC_ID, availabilityZone, availabilityZoneId, cidrBlock,
    defaultForAz: false, mapPublicIpOnLaunch: false, availableIpAddressCount: 251, name,
  };
}

export function findSubnet(subnetId: string, network: SimNetwork = SIM_NETWORK): SimSubnet | undefined {
  return network.subnets.find((subnet) => subnet.subnetId === subnetId);
}

/** Direction words of Region codes and their letters in zone ids (us-east-1 → use1, ap-southeast-2 → apse2). */
const DIRECTION_LETTERS: Record<string, string> = {
  east: 'e', west: 'w', north: 'n', south: 's', central: 'c', northeast: 'ne', northwest: 'nw', southeast: 'se', southwest: 'sw',
};

/** The zone-id prefix AWS uses for a Region (use1, euw1, apse2), from its code. */
export function zoneIdPrefix(region: string): string {
  const [area = '', direction = '', number = ''] = region.split('-');
  return `${area}${DIRECTION_LETTERS[direction] ?? direction.slice(0, 2)}${number}`;
}

/**
 * The same shape as SIM_NETWORK for another account or Region: ids hashed from (account, Region), so they are
 * stable across runs and differ between partitions, and zones `<region>a`, `b`, `c`. Pure.
 */
export function regionalNetwork(accountId: string, region: string): SimNetwork {
  const hex = (kind: string) => createHash('sha256').update(`${accountId}/${region}/${kind}`).digest('hex').slice(0, 17);
  const rename = (id: string): string => `${id.slice(0, id.indexOf('-') + 1)}${hex(id)}`;
  // The same zone letter as the default network's subnet (a, b, c); zone ids numbered after the letter.
  const zoneOf = (zone: string) => {
    const letter = zone.slice(-1);
    return { availabilityZone: `${region}${letter}`, availabilityZoneId: `${zoneIdPrefix(region)}-az${'abcdef'.indexOf(letter) + 1}` };
  };
  return {
    vpcs: SIM_NETWORK.vpcs.map((vpc) => ({
      ...vpc, vpcId: rename(vpc.vpcId), dhcpOptionsId: rename(vpc.dhcpOptionsId), cidrBlockAssociationId: `vpc-cidr-assoc-${hex(vpc.cidrBlockAssociationId)}`,
    })),
    subnets: SIM_NETWORK.subnets.map((subnet) => ({ ...subnet, subnetId: rename(subnet.subnetId), vpcId: rename(subnet.vpcId), ...zoneOf(subnet.availabilityZone) })),
  };
}
