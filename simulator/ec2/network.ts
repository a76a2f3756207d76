/**
 * The simulator's fixed network in us-east-1: the default VPC every account has (172.31.0.0/16 with one
 * public /20 subnet per Availability Zone, as AWS creates it) and one non-default VPC with two private
 * subnets. The contract fields come first; the rest is what DescribeVpcs/DescribeSubnets also render.
 */
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

export const SIM_NETWORK: { readonly vpcs: readonly SimVpc[]; readonly subnets: readonly SimSubnet[] } = {
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

export function findSubnet(subnetId: string): SimSubnet | undefined {
  return SIM_NETWORK.subnets.find((subnet) => subnet.subnetId === subnetId);
}
