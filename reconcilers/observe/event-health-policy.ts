/**
 * Which clusters a resync tick describes, given what task events have shown, pure (event-health.ts reads
 * and writes the state in Redis). Task events are per account and Region: EventBridge delivers an
 * account-region's ECS events only from a rule in that account-region, so each one's events can work while
 * another's rule or queue is missing or broken. Health is therefore judged per account-region:
 *
 * - evidence: the last genuine ECS event about one of our tasks from that account-region (its envelope's
 *   `account` and `region`, which task-event-policy.ts checked against the task ARN), and the queue that
 *   delivered it;
 * - receiving: the last successful receive from each queue.
 *
 * An account-region is healthy when its evidence is younger than EVENT_EVIDENCE_TTL_MS and the queue that
 * delivered it received successfully within RECEIVING_TTL_MS (an EventBridge rule that delivers nothing, or
 * a queue the controller no longer reads, would otherwise look healthy). Its clusters are then described
 * only on every HEALTHY_RESYNC_STRIDE-th tick: events move their runs, and STOPPED events get their own
 * DescribeTasks (the `confirm:` job), so the full resync is only the backstop for what events miss (issue
 * 10: DescribeTasks per run-minute ≤ 0.02 with events healthy). Every other account-region's clusters are
 * described on every tick. Times are the writers' wall clocks: replicas' clocks differ by far less than
 * these windows.
 */

/** With events healthy, one full resync per this many ticks (every minute at the default 10 s interval). */
export const HEALTHY_RESYNC_STRIDE = 6;
export const RECEIVING_TTL_MS = 90_000;
export const EVENT_EVIDENCE_TTL_MS = 15 * 60_000;

/** An account-region, as events and ARNs name it (the real account id). */
export interface EventScope {
  account: string;
  region: string;
}

/** Where a cluster's tasks' events come from when nothing else says: the controller's own account-region. */
export interface HomeEventScope {
  region: string | undefined;
  /** Unknown when STS did not answer at start: then clusters that name no account are never judged healthy. */
  account?: string | undefined;
}

export interface Evidence {
  /** Epoch ms of the last genuine event. */
  at: number;
  /** The queue (URL) that delivered it. */
  queue: string;
}

export interface EventHealthSnapshot {
  /** Per account-region key (scopeKey). */
  evidence: ReadonlyMap<string, Evidence>;
  /** Per queue URL: epoch ms of its last successful receive. */
  receiving: ReadonlyMap<string, number>;
  /** The tick's number (1, 2, …; shared by replicas). */
  tick: number;
  now: number;
}

export function scopeKey(scope: EventScope): string {
  return `${scope.account}/${scope.region}`;
}

/**
 * The account-region of a cluster key: its ARN's (`arn:aws:ecs:<region>:<account>:cluster/<name>`), else
 * (a bare name, or the store's key for attempts recorded without one) the home account-region, when known.
 */
export function clusterScope(cluster: string, home: HomeEventScope): EventScope | undefined {
  const parts = cluster.split(':');
  if (parts.length >= 6 && parts[0] === 'arn' && parts[3] !== '' && parts[4] !== '') return { region: parts[3], account: parts[4] };
  return home.region !== undefined && home.account !== undefined ? { region: home.region, account: home.account } : undefined;
}

/** The account-regions whose events are healthy now. */
export function healthyScopes(snapshot: EventHealthSnapshot): Set<string> {
  const healthy = new Set<string>();
  for (const [scope, evidence] of snapshot.evidence) {
    const received = snapshot.receiving.get(evidence.queue);
    if (snapshot.now - evidence.at < EVENT_EVIDENCE_TTL_MS && received !== undefined && snapshot.now - received < RECEIVING_TTL_MS) healthy.add(scope);
  }
  return healthy;
}

/** The clusters this tick describes: all of unhealthy account-regions; those of healthy ones on every stride-th tick. */
export function clustersDue(clusters: readonly string[], snapshot: EventHealthSnapshot, home: HomeEventScope): string[] {
  if (snapshot.tick % HEALTHY_RESYNC_STRIDE === 0) return [...clusters];
  const healthy = healthyScopes(snapshot);
  return clusters.filter((cluster) => {
    const scope = clusterScope(cluster, home);
    return scope === undefined || !healthy.has(scopeKey(scope));
  });
}

/** Fields too old to ever count again (the hashes would otherwise keep every queue and account-region ever seen). */
export function expiredFields(snapshot: EventHealthSnapshot): { evidence: string[]; receiving: string[] } {
  return {
    evidence: [...snapshot.evidence].filter(([, e]) => snapshot.now - e.at >= EVENT_EVIDENCE_TTL_MS).map(([scope]) => scope),
    receiving: [...snapshot.receiving].filter(([, at]) => snapshot.now - at >= RECEIVING_TTL_MS).map(([queue]) => queue),
  };
}

/** Evidence as stored: `<epoch ms> <queue URL>` (a URL has no space). */
export function encodeEvidence(evidence: Evidence): string {
  return `${evidence.at} ${evidence.queue}`;
}

export function decodeEvidence(raw: string): Evidence | undefined {
  const space = raw.indexOf(' ');
  const at = Number(raw.slice(0, space));
  return space > 0 && Number.isFinite(at) ? { at, queue: raw.slice(space + 1) } : undefined;
}
