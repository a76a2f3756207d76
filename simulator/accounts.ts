/**
 * Who is calling and where: AWS keeps every resource, ARN and throttle per account and Region. The Region
 * is the one in the request's SigV4 credential scope (`Credential=AKID/date/REGION/service/aws4_request`);
 * the account is the access key's: a key the simulator issued through STS AssumeRole belongs to the role's
 * account, any other key to the default account (docs/simulator.md "Accounts and Regions").
 */
import { randomBytes } from 'node:crypto';

/**
 * The commercial Regions enabled by default in every account (launched before 20 March 2019; AWS Account
 * Management, "Enable or disable AWS Regions in your account"). Opt-in Regions are served only when listed.
 */
export const DEFAULT_REGIONS: readonly string[] = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1',
  'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2',
];

/**
 * Every Region of the commercial partition (aws), opt-in ones included: the Regions that exist, whose
 * endpoints have DNS names whether or not an account has enabled them (AWS General Reference, "AWS service
 * endpoints", and "AWS Region billing codes", docs.aws.amazon.com/global-infrastructure/latest/regions/
 * aws-region-billing-codes.html). AWS adds Regions: a newer one is served when listed in `regions`.
 */
export const AWS_REGIONS: readonly string[] = [
  ...DEFAULT_REGIONS,
  'ca-west-1', 'mx-central-1', 'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-south-2',
  'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7',
  'eu-central-2', 'eu-south-1', 'eu-south-2', 'il-central-1', 'me-central-1', 'me-south-1',
];

export interface CredentialScope {
  accessKeyId: string;
  region: string;
  service: string;
}

/** The credential scope of a SigV4 `Authorization` header, or undefined when the request is not signed so. */
export function credentialScopeOf(headers: Record<string, string>): CredentialScope | undefined {
  const authorization = headers.authorization;
  if (authorization === undefined) return undefined;
  const match = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/.exec(authorization);
  if (match === null) return undefined;
  return { accessKeyId: match[1], region: match[2], service: match[3] };
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch ms (wall clock: the SDK compares it with its own clock). */
  expiration: number;
  accountId: string;
  /** arn:aws:sts::<account>:assumed-role/<role name>/<session name> */
  assumedRoleArn: string;
  assumedRoleId: string;
}

export interface Principal {
  accountId: string;
  arn: string;
  userId: string;
  /** Set for an issued key whose session has ended. */
  expired: boolean;
}

/** The access keys the simulator knows: the ones it issued (with their account) and the default account. */
export class AccessKeys {
  private readonly issued = new Map<string, IssuedCredentials>();

  constructor(
    readonly defaultAccountId: string,
    // Read at each use, not captured: a test that mocks Date (node:test's timers) after the simulator
    // started moves the sessions' clock together with the SDK's, which judges expiry by Date.now too.
    private readonly wallClock: () => number = () => Date.now(),
  ) {}

  issue(accountId: string, roleName: string, sessionName: string, durationSeconds: number): IssuedCredentials {
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const roleId = `AROA${randomBytes(8).toString('hex').toUpperCase()}`;
    const credentials: IssuedCredentials = {
      accessKeyId,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
      expiration: this.wallClock() + durationSeconds * 1000,
      accountId,
      assumedRoleArn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
      assumedRoleId: `${roleId}:${sessionName}`,
    };
    this.issued.set(accessKeyId, credentials);
    return credentials;
  }

  principalOf(accessKeyId: string | undefined): Principal {
    const issued = accessKeyId === undefined ? undefined : this.issued.get(accessKeyId);
    if (issued !== undefined) {
      return { accountId: issued.accountId, arn: issued.assumedRoleArn, userId: issued.assumedRoleId, expired: issued.expiration <= this.wallClock() };
    }
    return {
      accountId: this.defaultAccountId,
      arn: `arn:aws:iam::${this.defaultAccountId}:user/simulator`,
      userId: accessKeyId ?? 'AIDASIMULATOR',
      expired: false,
    };
  }

  clear(): void {
    this.issued.clear();
  }
}
