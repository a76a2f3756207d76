/**
 * The home account-region a namespace's controllers record for every other reader of their budgets (the
 * API server, the CLI in direct mode): the decisions, without I/O (home-record.ts does the reading and
 * writing). Why it is recorded at all: a pool without a `region` launches in the controller's Region, and its
 * budget and share keys are derived from that Region (budget-keys.ts); a reader that derived them from its
 * own AWS_REGION, which may differ or be unset, would read keys nobody writes.
 */
import type { HomeScope } from './budget-keys.js';

export interface HomeRecord {
  home: HomeScope;
  /** The replica that wrote it. */
  replica: string;
  /** When (ISO 8601), for the operator reading a disagreement. */
  recordedAt: string;
}

export function encodeHomeRecord(record: HomeRecord): string {
  return JSON.stringify({ region: record.home.region ?? null, account: record.home.account ?? null, replica: record.replica, recordedAt: record.recordedAt });
}

/** The record as stored, or undefined when there is none or it is not one this version can read (then it is rewritten). */
export function parseHomeRecord(raw: string | null): HomeRecord | undefined {
  if (raw === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { region, account, replica, recordedAt } = value as Record<string, unknown>;
  const optionalText = (v: unknown): v is string | null => v === null || (typeof v === 'string' && v !== '');
  if (!optionalText(region) || !optionalText(account) || typeof replica !== 'string' || typeof recordedAt !== 'string') return undefined;
  return {
    home: { region: region ?? undefined, ...(account !== null ? { account } : {}) },
    replica,
    recordedAt,
  };
}

export function sameHome(a: HomeScope, b: HomeScope): boolean {
  return a.region === b.region && a.account === b.account;
}

/** "Region us-east-1, account 123456789012" — for logs and notes. */
export function describeHome(home: HomeScope): string {
  return `Region ${home.region ?? '(none)'}, account ${home.account ?? '(not learned)'}`;
}

/**
 * A replica that could not learn its account (STS did not answer at start) takes the one recorded by a
 * replica of the same Region, so all of them key a role into their own account alike; otherwise its own.
 */
export function withRecordedAccount(own: HomeScope, recorded: HomeRecord | undefined): HomeScope {
  if (own.account !== undefined || recorded?.home.account === undefined || recorded.home.region !== own.region) return own;
  return { ...own, account: recorded.home.account };
}

export type HomeRecordDecision =
  /** The record already says what this replica would write. */
  | { kind: 'keep' }
  /** Write this replica's home: none recorded, this replica's own earlier record, or its writer is gone. */
  | { kind: 'write'; replacing?: HomeRecord }
  /** A live replica recorded a different home: the namespace's replicas disagree; the record stays. */
  | { kind: 'conflict'; recorded: HomeRecord };

/**
 * What a replica does with the record, each time it looks (at start and then with its heartbeat). The
 * first writer's record stands while it lives, so readers do not flip between two answers; once it is
 * gone (a rolling change of Region, say) the next replica to look replaces it.
 */
export function judgeHomeRecord(own: HomeScope, replica: string, recorded: HomeRecord | undefined, writerAlive: boolean): HomeRecordDecision {
  if (recorded === undefined) return { kind: 'write' };
  if (sameHome(own, recorded.home)) return { kind: 'keep' };
  // Only more than the record knew (the account, where the writer could not learn it): the keys agree otherwise.
  const refines = recorded.home.region === own.region && recorded.home.account === undefined;
  if (recorded.replica === replica || !writerAlive || refines) return { kind: 'write', replacing: recorded };
  return { kind: 'conflict', recorded };
}

/** The warning of a replica whose home differs from the one a live replica recorded. */
export function conflictMessage(namespace: string, own: HomeScope, replica: string, recorded: HomeRecord): string {
  return `the replicas of namespace "${namespace}" disagree on their home account-region: replica ${recorded.replica} `
    + `recorded ${describeHome(recorded.home)} at ${recorded.recordedAt}, this replica (${replica}) has ${describeHome(own)}. `
    + 'Pools without a region launch wherever the replica reconciling them is at home, their budgets split, and '
    + `\`pool describe\` and the API read replica ${recorded.replica}'s; give every replica of a namespace the same AWS_REGION and credentials`;
}

export interface ReaderHome {
  home: HomeScope;
  /** False: no controller recorded one, so the reader's own Region stands in (say so). */
  recorded: boolean;
}

/** The home a reader derives the namespace's budget keys from: the recorded one, else its own Region. */
export function homeForReader(recorded: HomeRecord | undefined, ownRegion: string | undefined): ReaderHome {
  return recorded !== undefined ? { home: recorded.home, recorded: true } : { home: { region: ownRegion }, recorded: false };
}

/** The note a reader shows when no controller of the namespace recorded its home. */
export function unrecordedHomeNote(namespace: string, ownRegion: string | undefined, whose: string): string {
  return `no controller of namespace "${namespace}" has recorded its home Region yet (it does at start), so budgets and shares are read `
    + `as if it were ${ownRegion ?? '(no Region)'}, ${whose} AWS_REGION; for pools without a region they are wrong if the controller's differs`;
}
