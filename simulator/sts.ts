/**
 * STS on the query protocol (form-encoded POST, XML answers in the 2011-06-15 namespace): `AssumeRole`
 * issues keys that belong to the role's account, so every later call signed with them lands there, and
 * `GetCallerIdentity` says whose keys a request carries. Rules from the STS API reference (AssumeRole:
 * RoleArn, RoleSessionName 2–64 of [\w+=,.@-], DurationSeconds 900 up to the role's maximum session
 * duration, one hour unless raised; ExternalId 2–1224 of [\w+=,.@:/-]); a role outside the accounts the
 * simulator knows, or an external id that does not match the role's, is AccessDenied (403).
 */
import { randomUUID } from 'node:crypto';
import type { AccessKeys } from './accounts.js';
import { credentialScopeOf } from './accounts.js';
import type { AuditSink } from './audit.js';
import { parseQueryParams } from './ec2/query.js';
import { REQUEST_ID_HEADER, type ProtocolHandler, type SimRequest, type SimResponse } from './wire.js';

const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
/** A role's default maximum session duration (IAM, "MaxSessionDuration": 3600 unless set higher). */
const MAX_SESSION_SECONDS = 3600;

export interface StsOptions {
  keys: AccessKeys;
  /** Accounts whose roles may be assumed (the default account included). */
  accounts: ReadonlySet<string>;
  /** Roles that require an external id (the condition sts:ExternalId in their trust policy). */
  externalIds: Readonly<Record<string, string>>;
  audit: AuditSink;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const el = (name: string, value: string | number): string => `<${name}>${escapeXml(String(value))}</${name}>`;

function xml(status: number, body: string, requestId: string): SimResponse {
  return { status, headers: { 'content-type': 'text/xml', [REQUEST_ID_HEADER]: requestId }, body };
}

function ok(action: string, result: string, requestId: string): SimResponse {
  return xml(200, `<${action}Response xmlns="${STS_NAMESPACE}"><${action}Result>${result}</${action}Result>`
    + `<ResponseMetadata>${el('RequestId', requestId)}</ResponseMetadata></${action}Response>`, requestId);
}

export function stsError(status: number, code: string, message: string, requestId: string = randomUUID()): SimResponse {
  return xml(status, `<ErrorResponse xmlns="${STS_NAMESPACE}"><Error><Type>Sender</Type>${el('Code', code)}${el('Message', message)}</Error>`
    + `${el('RequestId', requestId)}</ErrorResponse>`, requestId);
}

const STS_ACTIONS = new Set(['AssumeRole', 'GetCallerIdentity']);

export function createStsHandler(options: StsOptions): ProtocolHandler {
  return (request: SimRequest) => {
    if (request.target !== undefined || request.method !== 'POST') return null;
    const scope = credentialScopeOf(request.headers);
    const params = parseQueryParams(request.path, request.body);
    const action = params.get('Action');
    if (action === undefined || !STS_ACTIONS.has(action) || (scope !== undefined && scope.service !== 'sts')) return null;
    const requestId = randomUUID();
    const caller = options.keys.principalOf(scope?.accessKeyId);
    if (caller.expired) {
      options.audit(action, 'error');
      return stsError(403, 'ExpiredToken', 'The security token included in the request is expired', requestId);
    }
    const answer = action === 'GetCallerIdentity'
      ? ok(action, el('Arn', caller.arn) + el('UserId', caller.userId) + el('Account', caller.accountId), requestId)
      : assumeRole(options, params, caller.arn, requestId);
    options.audit(action, answer.status === 200 ? 'ok' : 'error');
    return answer;
  };
}

function assumeRole(options: StsOptions, params: Map<string, string>, callerArn: string, requestId: string): SimResponse {
  const invalid = (message: string): SimResponse => stsError(400, 'ValidationError', message, requestId);
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  if (roleArn === undefined) return invalid("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
  if (sessionName === undefined) return invalid("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    return invalid(`1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64`);
  }
  const externalId = params.get('ExternalId');
  if (externalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId)) {
    return invalid(`1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:/-]* and have length between 2 and 1224`);
  }
  const durationText = params.get('DurationSeconds');
  const duration = durationText === undefined ? 3600 : Number(durationText);
  if (!Number.isInteger(duration) || duration < 900) {
    return invalid(`1 validation error detected: Value '${durationText ?? ''}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
  }
  if (duration > MAX_SESSION_SECONDS) return invalid('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  const match = ROLE_ARN.exec(roleArn);
  const denied = stsError(403, 'AccessDenied', `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, requestId);
  if (match === null || !options.accounts.has(match[1])) return denied;
  const required = options.externalIds[roleArn];
  if (required !== undefined && required !== externalId) return denied;
  const issued = options.keys.issue(match[1], match[2], sessionName, duration);
  const credentials = el('AccessKeyId', issued.accessKeyId) + el('SecretAccessKey', issued.secretAccessKey)
    + el('SessionToken', issued.sessionToken) + el('Expiration', new Date(issued.expiration).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  return ok('AssumeRole', `<Credentials>${credentials}</Credentials>`
    + `<AssumedRoleUser>${el('AssumedRoleId', issued.assumedRoleId)}${el('Arn', issued.assumedRoleArn)}</AssumedRoleUser>`, requestId);
}
