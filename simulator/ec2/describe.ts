/**
 * DescribeVpcs and DescribeSubnets as pure functions over the fixed network: ID lists, filters and
 * pagination in, the page (or the EC2 error) out. The handler only parses and renders.
 */
import {
  decodeNextToken, encodeNextToken, filterValueMatches, parseFilters, parseIndexedList, type QueryParams,
} from './query.js';
import type { SimSubnet, SimVpc } from './network.js';

export interface Ec2Error {
  status: number;
  code: string;
  message: string;
}

export type DescribeResult<T> = { ok: true; items: T[]; nextToken: string | undefined } | { ok: false; error: Ec2Error };

/** Each filter name EC2 accepts for a resource, mapped to the values the resource has for it. */
type FilterFields<T> = Record<string, (item: T) => string[]>;

function tagFields(name: string | undefined): { key: string; value: string }[] {
  return name === undefined ? [] : [{ key: 'Name', value: name }];
}

const VPC_FILTERS: FilterFields<SimVpc> = {
  'vpc-id': (vpc) => [vpc.vpcId],
  'is-default': (vpc) => [String(vpc.isDefault)],
  isDefault: (vpc) => [String(vpc.isDefault)],
  state: () => ['available'],
  cidr: (vpc) => [vpc.cidrBlock],
  'cidr-block-association.cidr-block': (vpc) => [vpc.cidrBlock],
  'cidr-block-association.association-id': (vpc) => [vpc.cidrBlockAssociationId],
  'cidr-block-association.state': () => ['associated'],
  'dhcp-options-id': (vpc) => [vpc.dhcpOptionsId],
  'tag-key': (vpc) => tagFields(vpc.name).map((tag) => tag.key),
};

const SUBNET_FILTERS: FilterFields<SimSubnet> = {
  'subnet-id': (subnet) => [subnet.subnetId],
  'vpc-id': (subnet) => [subnet.vpcId],
  vpcId: (subnet) => [subnet.vpcId],
  'availability-zone': (subnet) => [subnet.availabilityZone],
  availabilityZone: (subnet) => [subnet.availabilityZone],
  'availability-zone-id': (subnet) => [subnet.availabilityZoneId],
  availabilityZoneId: (subnet) => [subnet.availabilityZoneId],
  'default-for-az': (subnet) => [String(subnet.defaultForAz)],
  defaultForAz: (subnet) => [String(subnet.defaultForAz)],
  'map-public-ip-on-launch': (subnet) => [String(subnet.mapPublicIpOnLaunch)],
  'cidr-block': (subnet) => [subnet.cidrBlock],
  cidrBlock: (subnet) => [subnet.cidrBlock],
  cidr: (subnet) => [subnet.cidrBlock],
  'available-ip-address-count': (subnet) => [String(subnet.availableIpAddressCount)],
  availableIpAddressCount: (subnet) => [String(subnet.availableIpAddressCount)],
  state: () => ['available'],
  'tag-key': (subnet) => tagFields(subnet.name).map((tag) => tag.key),
};

interface DescribeSpec<T> {
  items: readonly T[];
  idOf: (item: T) => string;
  /** The list parameter prefix, e.g. "VpcId" for VpcId.1, VpcId.2 … */
  idListPrefix: string;
  notFound: (id: string) => Ec2Error;
  filters: FilterFields<T>;
  tagName: (item: T) => string | undefined;
  ownerId: string;
}

const MIN_MAX_RESULTS = 5;
const MAX_MAX_RESULTS = 1000;

function describe<T>(params: QueryParams, spec: DescribeSpec<T>): DescribeResult<T> {
  const requestedIds = parseIndexedList(params, spec.idListPrefix);
  for (const id of requestedIds) {
    if (!spec.items.some((item) => spec.idOf(item) === id)) return { ok: false, error: spec.notFound(id) };
  }
  let selected = requestedIds.length > 0
    ? spec.items.filter((item) => requestedIds.includes(spec.idOf(item)))
    : [...spec.items];

  for (const filter of parseFilters(params)) {
    const fieldValues = valuesForFilter(filter.name, spec);
    if (fieldValues === undefined) return { ok: false, error: invalidParameterValue(`The filter '${filter.name}' is invalid`) };
    selected = selected.filter((item) => {
      const actual = fieldValues(item);
      return filter.values.some((pattern) => actual.some((value) => filterValueMatches(pattern, value)));
    });
  }
  return paginate(params, selected);
}

function valuesForFilter<T>(name: string, spec: DescribeSpec<T>): ((item: T) => string[]) | undefined {
  if (name === 'owner-id' || name === 'ownerId') return () => [spec.ownerId];
  if (name.startsWith('tag:')) {
    const key = name.slice('tag:'.length);
    return (item) => {
      const tagName = spec.tagName(item);
      return key === 'Name' && tagName !== undefined ? [tagName] : [];
    };
  }
  return Object.hasOwn(spec.filters, name) ? spec.filters[name] : undefined;
}

function paginate<T>(params: QueryParams, items: T[]): DescribeResult<T> {
  const maxResultsText = params.get('MaxResults');
  const tokenText = params.get('NextToken');
  let start = 0;
  if (tokenText !== undefined && tokenText !== '') {
    const offset = decodeNextToken(tokenText);
    if (offset === undefined) {
      return { ok: false, error: { status: 400, code: 'InvalidPaginationToken', message: `Invalid pagination token: ${tokenText}` } };
    }
    start = offset;
  }
  if (maxResultsText === undefined) return { ok: true, items: items.slice(start), nextToken: undefined };
  const maxResults = Number(maxResultsText);
  if (!Number.isInteger(maxResults) || maxResults < MIN_MAX_RESULTS || maxResults > MAX_MAX_RESULTS) {
    return {
      ok: false,
      error: invalidParameterValue(
        `Value ( ${maxResultsText} ) for parameter maxResults is invalid. Parameter must be between ${MIN_MAX_RESULTS} and ${MAX_MAX_RESULTS}.`,
      ),
    };
  }
  const end = start + maxResults;
  return { ok: true, items: items.slice(start, end), nextToken: end < items.length ? encodeNextToken(end) : undefined };
}

function invalidParameterValue(message: string): Ec2Error {
  return { status: 400, code: 'InvalidParameterValue', message };
}

export function describeVpcs(params: QueryParams, vpcs: readonly SimVpc[], ownerId: string): DescribeResult<SimVpc> {
  return describe(params, {
    items: vpcs,
    idOf: (vpc) => vpc.vpcId,
    idListPrefix: 'VpcId',
    notFound: (id) => ({ status: 400, code: 'InvalidVpcID.NotFound', message: `The vpc ID '${id}' does not exist` }),
    filters: VPC_FILTERS,
    tagName: (vpc) => vpc.name,
    ownerId,
  });
}

export function describeSubnets(params: QueryParams, subnets: readonly SimSubnet[], ownerId: string): DescribeResult<SimSubnet> {
  return describe(params, {
    items: subnets,
    idOf: (subnet) => subnet.subnetId,
    idListPrefix: 'SubnetId',
    notFound: (id) => ({ status: 400, code: 'InvalidSubnetID.NotFound', message: `The subnet ID '${id}' does not exist` }),
    filters: SUBNET_FILTERS,
    tagName: (subnet) => subnet.name,
    ownerId,
  });
}
