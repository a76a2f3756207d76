/**
 * The controller's home account-region, learned at start and recorded in its namespace's keyspace
 * (`longshore:{<namespace>}:home`, the namespace's hash tag like every key of it) for the processes that read
 * the namespace's budgets without being its controller: the API's pool status, `pool describe` in direct
 * mode. The decisions are in home-policy.ts; this module only learns, reads and writes.
 */
import type { Logger } from 'pino';
import type { RedisClient } from '../redis.js';
import type { Keyspace } from '../store/keys.js';
import { replicaAlive, REPLICA_HEARTBEAT_MS } from '../replica-registry.js';
import type { HomeScope } from './budget-keys.js';
import {
  conflictMessage, describeHome, encodeHomeRecord, homeForReader, judgeHomeRecord, parseHomeRecord, sameHome, type HomeRecord, type ReaderHome,
} from './home-policy.js';

export const homeRecordKey = (ks: Keyspace): string => ks.key('home');

export async function readHomeRecord(redis: RedisClient, ks: Keyspace): Promise<HomeRecord | undefined> {
  return parseHomeRecord(await redis.get(homeRecordKey(ks)));
}

/** The home a reader of the namespace's budgets uses: the recorded one, else (saying so) its own Region. */
export async function readerHome(redis: RedisClient, ks: Keyspace, ownRegion: string | undefined): Promise<ReaderHome> {
  return homeForReader(await readHomeRecord(redis, ks), ownRegion);
}

export interface OwnHomeSources {
  /** AWS_REGION (or AWS_DEFAULT_REGION) as configured. */
  configuredRegion: string | undefined;
  /** The Region the SDK's own chain resolves (a profile's, say) when none is configured; rejects when it finds none. */
  resolveRegion: () => Promise<string>;
  /** The account of the default credentials (STS GetCallerIdentity). */
  callerAccount: (region: string | undefined) => Promise<string | undefined>;
  /** How long start-up waits for the account before going on without it. */
  timeoutMs: number;
}

export interface OwnHome {
  home: HomeScope;
  /** Why the account (or the Region) is not known, for the start-up log. */
  problems: string[];
}

/**
 * The replica's own home: its Region (configured, else the SDK's) and its account. Never throws: without the
 * account, a role into the controller's own account keeps buckets of its own, as before this was learned.
 */
export async function learnOwnHome(sources: OwnHomeSources): Promise<OwnHome> {
  const problems: string[] = [];
  let region = sources.configuredRegion;
  if (region === undefined) {
    try {
      region = await sources.resolveRegion();
    } catch (error) {
      problems.push(`no Region configured or found by the SDK (${messageOf(error)})`);
    }
  }
  let account: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${sources.timeoutMs} ms`)), sources.timeoutMs);
    });
    account = await Promise.race([sources.callerAccount(region), timeout]);
  } catch (error) {
    problems.push(`could not learn the account of the controller's credentials (STS GetCallerIdentity: ${messageOf(error)})`);
  } finally {
    clearTimeout(timer);
  }
  return { home: { region, ...(account !== undefined ? { account } : {}) }, problems };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** STS GetCallerIdentity with the default credentials, at the configured endpoint (the simulator serves it). */
export function stsCallerAccount(options: { endpointUrl: string | undefined; requestTimeoutMs: number }): (region: string | undefined) => Promise<string | undefined> {
  return async (region) => {
    // Loaded here: most of a replica's life never needs the STS module (assumed roles load it themselves).
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const client = new STSClient({
      maxAttempts: 1,
      ...(region !== undefined ? { region } : {}),
      ...(options.endpointUrl !== undefined ? { endpoint: options.endpointUrl } : {}),
      requestHandler: { requestTimeout: options.requestTimeoutMs, connectionTimeout: options.requestTimeoutMs },
    });
    try {
      return (await client.send(new GetCallerIdentityCommand({}))).Account;
    } finally {
      client.destroy();
    }
  };
}

export interface HomeRecording {
  /** The first look (at start): settled once it read, and wrote if it had to. */
  readonly started: Promise<void>;
  stop(): void;
}

/**
 * Records the replica's home now and looks again with every heartbeat: a record left by a replica that is
 * gone is replaced, and a live replica that recorded a different home is warned about (once per record).
 * Idempotent: replicas that agree leave the record as it is.
 */
export function startHomeRecording(options: {
  redis: RedisClient; keyspace: Keyspace; replica: string; home: HomeScope; logger: Logger; intervalMs?: number;
}): HomeRecording {
  const { redis, keyspace, replica, home, logger, intervalMs = REPLICA_HEARTBEAT_MS } = options;
  const key = homeRecordKey(keyspace);
  let warnedAbout: string | undefined;
  const look = async (): Promise<void> => {
    const recorded = parseHomeRecord(await redis.get(key));
    const writerAlive = recorded === undefined || recorded.replica === replica ? true : await replicaAlive(redis, keyspace, recorded.replica);
    const decision = judgeHomeRecord(home, replica, recorded, writerAlive);
    if (decision.kind === 'write') {
      await redis.set(key, encodeHomeRecord({ home, replica, recordedAt: new Date().toISOString() }));
      const replaced = decision.replacing !== undefined && !sameHome(decision.replacing.home, home) ? describeHome(decision.replacing.home) : undefined;
      logger.info({ home: describeHome(home), ...(replaced ? { replaced } : {}) }, 'home account-region recorded for the namespace\'s API and CLI');
      warnedAbout = undefined;
    } else if (decision.kind === 'conflict') {
      const about = `${decision.recorded.replica}@${decision.recorded.recordedAt}`;
      if (warnedAbout !== about) logger.warn({ recorded: decision.recorded, own: home }, conflictMessage(keyspace.namespace, home, replica, decision.recorded));
      warnedAbout = about;
    }
  };
  const guarded = () => look().catch((error: unknown) => {
    // The connection's own listener reports outages; the next heartbeat looks again.
    logger.debug({ err: error }, 'home account-region not recorded');
  });
  const started = guarded();
  const timer = setInterval(() => void guarded(), intervalMs);
  timer.unref();
  return { started, stop: () => clearInterval(timer) };
}
