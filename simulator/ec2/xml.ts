/**
 * EC2 query protocol responses: XML in the 2016-11-15 namespace with a lower-camel `requestId`, lists as
 * `<xxxSet><item>…</item></xxxSet>`, and errors as `<Response><Errors><Error>…</Error></Errors><RequestID>`.
 */
import { REQUEST_ID_HEADER, type SimResponse } from '../wire.js';
import type { SimSubnet, SimVpc } from './network.js';

export const EC2_XML_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function element(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function tagSet(name: string | undefined): string {
  if (name === undefined) return '';
  return `<tagSet><item>${element('key', 'Name')}${element('value', name)}</item></tagSet>`;
}

export function renderVpc(vpc: SimVpc, ownerId: string): string {
  return '<item>'
    + element('vpcId', vpc.vpcId)
    + element('ownerId', ownerId)
    + element('state', 'available')
    + element('cidrBlock', vpc.cidrBlock)
    + '<cidrBlockAssociationSet><item>'
    + element('cidrBlock', vpc.cidrBlock)
    + element('associationId', vpc.cidrBlockAssociationId)
    + `<cidrBlockState>${element('state', 'associated')}</cidrBlockState>`
    + '</item></cidrBlockAssociationSet>'
    + element('dhcpOptionsId', vpc.dhcpOptionsId)
    + tagSet(vpc.name)
    + element('instanceTenancy', 'default')
    + element('isDefault', vpc.isDefault)
    + '</item>';
}

function subnetArn(subnet: SimSubnet, region: string, accountId: string): string {
  return `arn:aws:ec2:${region}:${accountId}:subnet/${subnet.subnetId}`;
}

export function renderSubnet(subnet: SimSubnet, region: string, ownerId: string): string {
  return '<item>'
    + element('subnetId', subnet.subnetId)
    + element('subnetArn', subnetArn(subnet, region, ownerId))
    + element('state', 'available')
    + element('ownerId', ownerId)
    + element('vpcId', subnet.vpcId)
    + element('cidrBlock', subnet.cidrBlock)
    + '<ipv6CidrBlockAssociationSet/>'
    + element('availableIpAddressCount', subnet.availableIpAddressCount)
    + element('availabilityZone', subnet.availabilityZone)
    + element('availabilityZoneId', subnet.availabilityZoneId)
    + element('defaultForAz', subnet.defaultForAz)
    + element('mapPublicIpOnLaunch', subnet.mapPublicIpOnLaunch)
    + element('mapCustomerOwnedIpOnLaunch', false)
    + element('assignIpv6AddressOnCreation', false)
    + tagSet(subnet.name)
    + element('enableDns64', false)
    + element('ipv6Native', false)
    + '<privateDnsNameOptionsOnLaunch>'
    + element('hostnameType', 'ip-name')
    + element('enableResourceNameDnsARecord', false)
    + element('enableResourceNameDnsAAAARecord', false)
    + '</privateDnsNameOptionsOnLaunch>'
    + '</item>';
}

/** EC2 names the request in its XML body and in the x-amzn-RequestId header alike: one id for both. */
function xmlHeaders(requestId: string): Record<string, string> {
  return { 'content-type': 'text/xml;charset=UTF-8', [REQUEST_ID_HEADER]: requestId };
}

/** `<{action}Response>` with requestId, the item set and, when more pages remain, nextToken. */
export function renderDescribeResponse(
  action: string, setName: string, items: string[], requestId: string, nextToken: string | undefined,
): SimResponse {
  const body = XML_DECLARATION
    + `<${action}Response xmlns="${EC2_XML_NAMESPACE}">`
    + element('requestId', requestId)
    + (items.length > 0 ? `<${setName}>${items.join('')}</${setName}>` : `<${setName}/>`)
    + (nextToken === undefined ? '' : element('nextToken', nextToken))
    + `</${action}Response>`;
  return { status: 200, headers: xmlHeaders(requestId), body };
}

export function renderError(status: number, code: string, message: string, requestId: string): SimResponse {
  const body = XML_DECLARATION
    + '<Response><Errors><Error>'
    + element('Code', code)
    + element('Message', message)
    + '</Error></Errors>'
    + element('RequestID', requestId)
    + '</Response>';
  return { status, headers: xmlHeaders(requestId), body };
}
