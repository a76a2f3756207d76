/**
 * The EC2 query protocol endpoint of the simulator: DescribeVpcs and DescribeSubnets over one account's
 * network in one Region (see ec2/network.ts). Requests are form-encoded POSTs (or GETs with a query string) carrying
 * `Action=…&Version=2016-11-15`; responses are EC2's XML.
 */
import { randomUUID } from 'node:crypto';
import type { ProtocolHandler, SimRequest, SimResponse } from './wire.js';
import type { TokenBucket } from './token-bucket.js';
import type { AuditSink } from './audit.js';
import { outageFor, type PersistentFaults } from './persistent-faults.js';
import { parseQueryParams } from './ec2/query.js';
import { describeSubnets, describeVpcs, type DescribeResult } from './ec2/describe.js';
import { SIM_NETWORK, type SimNetwork } from './ec2/network.js';
import { renderDescribeResponse, renderError, renderSubnet, renderVpc } from './ec2/xml.js';

export { SIM_NETWORK, findSubnet, regionalNetwork, type SimNetwork, type SimSubnet, type SimVpc } from './ec2/network.js';

export interface Ec2Options {
  region: string;
  accountId: string;
  /** The VPCs and subnets of this account and Region. Default SIM_NETWORK. */
  network?: SimNetwork;
  audit: AuditSink;
  /** Shared bucket for EC2 describe calls; undefined = no throttling. */
  describeBucket?: TokenBucket;
  /** Persistent faults; rules with service "ec2" apply. */
  faults?: PersistentFaults;
}

/** True for an EC2 query-protocol request (an Action parameter, no JSON target): what this handler answers. */
export function isEc2Request(request: SimRequest): boolean {
  return isQueryProtocol(request) && parseQueryParams(request.path, request.body).get('Action') !== undefined;
}

/** The action of an EC2 query-protocol request. */
export function ec2ActionOf(request: SimRequest): string | undefined {
  return parseQueryParams(request.path, request.body).get('Action');
}

/** True for requests shaped like the query protocol: no JSON target header, and an Action parameter. */
function isQueryProtocol(request: SimRequest): boolean {
  if (request.target !== undefined) return false;
  if (request.method !== 'GET' && request.method !== 'POST') return false;
  const contentType = request.headers['content-type'] ?? '';
  if (request.method === 'POST' && contentType !== '' && !contentType.startsWith('application/x-www-form-urlencoded')) {
    return false;
  }
  return true;
}

export function createEc2Handler(options: Ec2Options): ProtocolHandler {
  return async (request: SimRequest): Promise<SimResponse | null> => {
    if (!isQueryProtocol(request)) return null;
    const params = parseQueryParams(request.path, request.body);
    const action = params.get('Action');
    if (action === undefined) return null;
    const requestId = randomUUID();

    if (action !== 'DescribeVpcs' && action !== 'DescribeSubnets') {
      options.audit(action, 'error');
      return renderError(400, 'InvalidAction', `The action ${action} is not valid for this web service.`, requestId);
    }
    if (options.describeBucket !== undefined && !options.describeBucket.tryTake()) {
      options.audit(action, 'throttled');
      return renderError(503, 'RequestLimitExceeded', 'Request limit exceeded.', requestId);
    }
    const outage = await outageFor(options.faults, 'ec2', action);
    if (outage !== undefined) {
      options.audit(action, 'error');
      return renderError(outage.status, outage.type, outage.message, requestId);
    }

    /** The audited answer to a describe: its error, or the page of items rendered into `setName`. */
    const answer = <T>(result: DescribeResult<T>, setName: string, render: (item: T) => string): SimResponse => {
      if (!result.ok) {
        options.audit(action, 'error');
        return renderError(result.error.status, result.error.code, result.error.message, requestId);
      }
      options.audit(action, 'ok');
      return renderDescribeResponse(action, setName, result.items.map(render), requestId, result.nextToken);
    };
    const network = options.network ?? SIM_NETWORK;
    return action === 'DescribeVpcs'
      ? answer(describeVpcs(params, network.vpcs, options.accountId), 'vpcSet', (vpc) => renderVpc(vpc, options.accountId))
      : answer(
        describeSubnets(params, network.subnets, options.accountId),
        'subnetSet',
        (subnet) => renderSubnet(subnet, options.region, options.accountId),
      );
  };
}
