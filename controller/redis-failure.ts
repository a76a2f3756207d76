/**
 * Why Redis could not be used, in words an operator can act on. Three failures look alike from ioredis
 * and deserve different advice:
 * - a `rediss://` URL against a plain (non-TLS) server: the TLS handshake never completes. A plain Redis
 *   reads the ClientHello as an unfinished inline command and stays silent, so the client only sees a
 *   connect timeout (sometimes an SSL "wrong version number" or a reset instead). Told apart from an
 *   unreachable host by a plain TCP connect: if that succeeds, the handshake is what failed.
 * - a server that accepts connections and never answers: commands time out.
 * - nothing listening or no route: the connection is refused or times out.
 * `classifyRedisFailure` and `describeRedisFailure` are pure; `tcpReachable` is the one probe.
 */
import { connect } from 'node:net';
import { redactUrl } from './logger.js';

export type RedisFailure = 'tls-handshake' | 'no-answer' | 'unreachable';

/** Facts learnt besides the error. */
export interface FailureFacts {
  /** A plain TCP connection to the server's address succeeds. */
  tcpReachable?: boolean;
  /** The connection was ready (handshake, AUTH and ready check done) at some point: TLS worked then. */
  wasReady?: boolean;
}

const codeOf = (error: unknown): string | undefined => {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
};
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Errors OpenSSL or Node's TLS layer raise when the peer does not speak TLS. */
export function isTlsProtocolError(error: unknown): boolean {
  const code = codeOf(error) ?? '';
  const message = messageOf(error);
  return code.startsWith('ERR_SSL_') || /wrong version number|packet length too long|unknown protocol|SSL routines|before secure TLS connection/i.test(message);
}

/** ioredis' own timeouts: the connect (or, with TLS, the handshake) and the command timeout. */
export function isTimeout(error: unknown): boolean {
  return codeOf(error) === 'ETIMEDOUT' || /Command timed out|connect ETIMEDOUT|Socket timeout/i.test(messageOf(error));
}

export function isTlsUrl(url: string): boolean {
  return /^rediss:/i.test(url);
}

/** A failure to use Redis at all (as opposed to an error Redis answered with), or undefined. */
export function classifyRedisFailure(url: string, error: unknown, facts: FailureFacts = {}): RedisFailure | undefined {
  const message = messageOf(error);
  if (isTlsUrl(url)) {
    if (isTlsProtocolError(error)) return 'tls-handshake';
    // Connected over TCP, yet no TLS session within the timeout (or the server hung up mid-handshake).
    if ((isTimeout(error) || codeOf(error) === 'ECONNRESET') && facts.tcpReachable === true && facts.wasReady !== true) return 'tls-handshake';
  }
  if (/Command timed out|Ready check failed|Socket timeout/i.test(message)) return 'no-answer';
  if (isTimeout(error) || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET|Connection is closed|connect E/i.test(message)) return 'unreachable';
  return undefined;
}

/** One line naming the server (password redacted), what went wrong and what to check. */
export function describeRedisFailure(url: string, failure: RedisFailure, error: unknown, timeoutMs?: number): string {
  const where = `Redis at ${redactUrl(url)}`;
  switch (failure) {
    case 'tls-handshake':
      return `${where}: TLS handshake failed — is the server TLS-enabled? (${messageOf(error).split('\n')[0]})`;
    case 'no-answer':
      return `${where} accepted the connection but did not answer${timeoutMs === undefined ? '' : ` within ${timeoutMs / 1000} s`} — is it overloaded, paused, or not Redis?`;
    case 'unreachable':
      return `cannot reach ${where}: ${messageOf(error).split('\n')[0]}`;
  }
}

/** Host and port of a redis:// or rediss:// URL (ioredis' defaults: 127.0.0.1, 6379). */
export function redisAddress(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: parsed.port ? Number(parsed.port) : 6379 };
}

/** True when a plain TCP connection to the URL's host and port opens within `timeoutMs`. */
export function tcpReachable(url: string, timeoutMs: number): Promise<boolean> {
  let address: { host: string; port: number };
  try {
    address = redisAddress(url);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = connect(address);
    const done = (reachable: boolean) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface ExplainOptions {
  /** Bound of the TCP probe. */
  probeTimeoutMs: number;
  /** The command timeout, to say how long Redis was given. */
  timeoutMs?: number;
  wasReady?: boolean;
}

/** Classifies, probing TCP only when that is what tells a TLS mismatch from an unreachable server. */
export async function explainRedisFailure(url: string, error: unknown, options: ExplainOptions): Promise<string | undefined> {
  const { probeTimeoutMs, timeoutMs, wasReady } = options;
  const needsProbe = isTlsUrl(url) && wasReady !== true && !isTlsProtocolError(error) && (isTimeout(error) || codeOf(error) === 'ECONNRESET');
  const facts = { wasReady, ...(needsProbe ? { tcpReachable: await tcpReachable(url, probeTimeoutMs) } : {}) };
  const failure = classifyRedisFailure(url, error, facts);
  return failure === undefined ? undefined : describeRedisFailure(url, failure, error, timeoutMs);
}

/** Node's codes for a server certificate it does not trust or that does not name the address dialled. */
const CERTIFICATE_CODES = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/**
 * One line for a Redis Cluster that could not be used: where (the seed nodes), ioredis' summary, and what
 * one seed node said when asked directly (redis.ts seedNodeError), with a hint where the cause is a
 * known mistake. Passwords never appear: `where` names only nodes, and neither Redis' AUTH errors nor
 * Node's TLS errors repeat credentials.
 */
export function describeClusterFailure(where: string, url: string, error: unknown, seed: { node: string; error: Error } | undefined): string {
  const summary = messageOf(error).split('\n')[0];
  if (!seed) return `${where}: ${summary}`;
  const cause = seed.error.message.split('\n')[0];
  return `${where}: ${summary} (seed node ${seed.node}: ${cause}${clusterHint(url, seed.error)})`;
}

/** What to check for a seed node's error, when it is a known mistake. */
function clusterHint(url: string, error: Error): string {
  const code = codeOf(error) ?? '';
  if (/^(WRONGPASS|NOAUTH)/.test(error.message)) return ' — check the user and password in REDIS_URL';
  if (CERTIFICATE_CODES.test(code)) return ' — is the server certificate signed by a CA this process trusts (NODE_EXTRA_CA_CERTS) and does it name the node\'s address?';
  if (isTlsUrl(url) && isTlsProtocolError(error)) return ' — TLS handshake failed: is the cluster TLS-enabled?';
  if (isTlsUrl(url) && isTimeout(error)) return ' — no TLS session within the connect timeout: is the cluster TLS-enabled?';
  // A TLS-only port reads plain RESP as a broken handshake and hangs up.
  if (!isTlsUrl(url) && /ECONNRESET|Connection is closed/i.test(`${code} ${error.message}`)) return ' — the node hung up: if the cluster serves only TLS, REDIS_URL must start with rediss://';
  return '';
}
