/**
 * Which indexes a run belongs to, derived purely from its record, and the commands that move it from one
 * set of memberships to another. Computing the old memberships from the record the writer read is safe
 * because every write is guarded by that record's resourceVersion.
 */
import type { RunRecord } from '../api/run.js';
import { OUTCOMES } from '../api/run-status.js';
import type { AtomicWrite } from './atomic.js';
import type { StoreKeys } from './keys.js';

export interface RunIndexState {
  phase: string;
  pool: string;
  /** A stopped run's outcome (indexed for counts and the outcome filter). */
  outcome?: string;
  /** Every task ARN the run has launched (task ARN → run lookups). */
  taskArns: string[];
  /** Task ARNs believed alive: the run is not stopped and the attempt has no stoppedAt. */
  live: Array<{ cluster: string; taskArn: string }>;
}

/** Cluster key used when an attempt records a task but no cluster ARN. */
export const UNKNOWN_CLUSTER = 'unknown';

export function runIndexState(record: Pick<RunRecord, 'spec' | 'status'>): RunIndexState {
  const stopped = record.status.phase === 'stopped';
  const taskArns: string[] = [];
  const live: RunIndexState['live'] = [];
  for (const attempt of record.status.attempts) {
    if (!attempt.taskArn) continue;
    taskArns.push(attempt.taskArn);
    if (!stopped && !attempt.stoppedAt) live.push({ cluster: attempt.clusterArn ?? UNKNOWN_CLUSTER, taskArn: attempt.taskArn });
  }
  const outcome = stopped ? record.status.outcome : undefined;
  return { phase: record.status.phase, pool: record.spec.pool, ...(outcome ? { outcome } : {}), taskArns, live };
}

/**
 * Adds the commands that take run `name` from `before` to `after` memberships (undefined = not stored).
 * `retentionSeconds`/`nowMs` drive the finished index and the TTL safety net on stopped runs.
 */
export function writeIndexChanges(
  w: AtomicWrite,
  k: StoreKeys,
  name: string,
  before: RunIndexState | undefined,
  after: RunIndexState | undefined,
  timing: { nowMs: number; ttlSeconds: number },
): void {
  if (!after) {
    w.op('ZREM', k.runs, name);
    if (before) {
      w.op('ZREM', k.runsByPhase(before.phase), name);
      w.op('ZREM', k.runsByPool(before.pool), name);
      if (before.outcome) w.op('ZREM', k.runsByOutcome(before.outcome), name);
      for (const arn of before.taskArns) w.op('DEL', k.task(arn));
      for (const t of before.live) w.op('SREM', k.liveTasks(t.cluster), t.taskArn);
    }
    w.op('ZREM', k.finished, name);
    w.op('HDEL', k.finishedPool, name);
    return;
  }
  if (!before) {
    w.op('ZADD', k.runs, 0, name);
    // A run re-created under the name of one whose keys expired by TTL must not inherit its retention entry.
    w.op('ZREM', k.finished, name);
    w.op('HDEL', k.finishedPool, name);
  }
  if (before?.phase !== after.phase) {
    if (before) w.op('ZREM', k.runsByPhase(before.phase), name);
    w.op('ZADD', k.runsByPhase(after.phase), 0, name);
  }
  if (before?.pool !== after.pool) {
    if (before) w.op('ZREM', k.runsByPool(before.pool), name);
    w.op('ZADD', k.runsByPool(after.pool), 0, name);
  }
  if (before?.outcome !== after.outcome) {
    if (before?.outcome) w.op('ZREM', k.runsByOutcome(before.outcome), name);
    if (after.outcome) w.op('ZADD', k.runsByOutcome(after.outcome), 0, name);
  }
  const known = new Set(before?.taskArns ?? []);
  for (const arn of after.taskArns) if (!known.has(arn)) w.op('SET', k.task(arn), name);
  const liveKey = (t: { cluster: string; taskArn: string }) => `${t.cluster}\n${t.taskArn}`;
  const liveAfter = new Set(after.live.map(liveKey));
  const liveBefore = new Set((before?.live ?? []).map(liveKey));
  for (const t of before?.live ?? []) if (!liveAfter.has(liveKey(t))) w.op('SREM', k.liveTasks(t.cluster), t.taskArn);
  for (const t of after.live) {
    if (liveBefore.has(liveKey(t))) continue;
    w.op('SADD', k.liveTasks(t.cluster), t.taskArn);
    w.op('SADD', k.liveClusters, t.cluster);
  }
  const wasStopped = before?.phase === 'stopped';
  const isStopped = after.phase === 'stopped';
  if (isStopped && !wasStopped) {
    w.op('ZADD', k.finished, timing.nowMs, name);
    w.op('HSET', k.finishedPool, name, after.pool);
  } else if (!isStopped && wasStopped) {
    w.op('ZREM', k.finished, name);
    w.op('HDEL', k.finishedPool, name);
  }
  // A stopped run's keys expire on their own even if no sweeper ever runs; the sweeper tidies the indexes.
  if (isStopped) {
    w.op('EXPIRE', k.run(name), timing.ttlSeconds);
    for (const arn of after.taskArns) w.op('EXPIRE', k.task(arn), timing.ttlSeconds);
  } else if (wasStopped) {
    w.op('PERSIST', k.run(name));
    for (const arn of after.taskArns) w.op('PERSIST', k.task(arn));
  }
}

/** Removes a run from every outcome index (retention of a run whose record already expired: its outcome is unknown). */
export function removeFromOutcomeIndexes(w: AtomicWrite, k: StoreKeys, name: string): void {
  for (const outcome of OUTCOMES) w.op('ZREM', k.runsByOutcome(outcome), name);
}
