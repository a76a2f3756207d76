/**
 * The simulator's model of AWS's DNS. On AWS every service of a Region has a name,
 * `<service>.<region>.amazonaws.com` (AWS General Reference, "AWS service endpoints", Regional endpoints:
 * https://docs.aws.amazon.com/general/latest/gr/rande.html), whether or not the account has enabled the
 * Region; a Region that does not exist has no names, so an SDK client for it fails its name lookup
 * (getaddrinfo ENOTFOUND) and no AWS service ever answers.
 *
 * The simulator is one server at one address: a client that connects to that address (`url`) never looks a
 * name up, so nothing the server answers can look like a missing name. A client that instead takes the
 * endpoint template `regionalUrl` and resolves names with `lookup` sees what it would on AWS: the names of
 * the Regions that exist resolve to the simulator, any other `<service>.<region>.amazonaws.com` fails with
 * ENOTFOUND, as node's own lookup does. Names of other forms go to node's resolver.
 */
import { lookup as systemLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIPv6, type LookupFunction } from 'node:net';

export interface AwsDns {
  /** `http://{service}.{region}.amazonaws.com:<port>`: the client fills in its service and Region. */
  regionalUrl: string;
  /** A `dns.lookup`-compatible function (http.Agent's `lookup` option) with AWS's regional names. */
  lookup: LookupFunction;
  /** How often each AWS regional name was looked up, resolved or not (forgotten by reset). */
  lookups(): Record<string, number>;
  reset(): void;
}

/** `<service>.<region>.amazonaws.com`: the Region is the second label. */
const REGIONAL_NAME = /^[a-z0-9-]+\.([a-z0-9-]+)\.amazonaws\.com\.?$/i;

/** What node's getaddrinfo gives for a name that does not exist. */
function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname });
}

/** The endpoint template of a simulator listening on `port`, for clients that fill in service and Region. */
export function regionalUrlOf(port: number): string {
  return `http://{service}.{region}.amazonaws.com:${port}`;
}

/** The names of the Regions that `exists` accepts, resolving to `address`. */
export function createAwsNames(options: { address: string; exists: (region: string) => boolean }): Omit<AwsDns, 'regionalUrl'> {
  const counts = new Map<string, number>();
  const family = isIPv6(options.address) ? 6 : 4;
  const lookup: LookupFunction = (hostname: string, lookupOptions: LookupOptions, callback) => {
    const region = REGIONAL_NAME.exec(hostname)?.[1];
    if (region === undefined) {
      systemLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) callback(error, lookupOptions.all === true ? [] : '', 0);
        else if (lookupOptions.all === true) callback(null, addresses);
        else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
      });
      return;
    }
    const name = hostname.toLowerCase();
    counts.set(name, (counts.get(name) ?? 0) + 1);
    // Asynchronous, as a real lookup is: callers may rely on the socket being set up first.
    process.nextTick(() => {
      if (!options.exists(region.toLowerCase())) callback(notFound(hostname), lookupOptions.all === true ? [] : '', 0);
      else if (lookupOptions.all === true) callback(null, [{ address: options.address, family }]);
      else callback(null, options.address, family);
    });
  };
  return {
    lookup,
    lookups: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
  };
}
