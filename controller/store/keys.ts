/**
 * The Redis keyspace. Every Longshore key lives under `longshore:{<namespace>}:`; the braces are a Redis
 * Cluster hash tag, so all of one installation's keys share a slot and Lua scripts and MULTI can touch
 * any of them together. Other modules build their keys with `ks.key(...)`, never by hand.
 */
export const DEFAULT_NAMESPACE = 'default';
const NAMESPACE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export interface Keyspace {
  readonly namespace: string;
  /** `longshore:{<namespace>}` */
  readonly prefix: string;
  /** `longshore:{<namespace>}:<part>:<part>…` */
  key(...parts: string[]): string;
  /** A SCAN MATCH pattern covering every key of the namespace. */
  readonly pattern: string;
}

export function keyspace(namespace: string = process.env.LONGSHORE_NAMESPACE || DEFAULT_NAMESPACE): Keyspace {
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new Error(`invalid namespace ${JSON.stringify(namespace)}: use 1-64 letters, digits, "_", "." or "-"`);
  }
  const prefix = `longshore:{${namespace}}`;
  return {
    namespace,
    prefix,
    key: (...parts: string[]) => [prefix, ...parts].join(':'),
    // Braces are glob-literal in Redis patterns except [ ] * ? \ — the namespace pattern excludes those.
    pattern: `${prefix}:*`,
  };
}

/** The store's own keys, in one place so the layout is readable at a glance. */
export function storeKeys(ks: Keyspace) {
  return {
    /** INCR counter: every write takes the next resourceVersion. */
    resourceVersion: ks.key('rv'),
    pool: (name: string) => ks.key('pool', name),
    run: (name: string) => ks.key('run', name),
    /** String key: task ARN → run name. Expires with the run. */
    task: (taskArn: string) => ks.key('task', taskArn),
    /** Sorted sets (score 0, ordered by name) for cursor pagination. */
    pools: ks.key('idx', 'pools'),
    runs: ks.key('idx', 'runs'),
    runsByPhase: (phase: string) => ks.key('idx', 'phase', phase),
    runsByPool: (pool: string) => ks.key('idx', 'pool', pool),
    /** Stopped runs by outcome (counts and the outcome filter; see counts.ts). */
    runsByOutcome: (outcome: string) => ks.key('idx', 'outcome', outcome),
    /** Set once a replica has put every stopped run stored before the outcome index existed into it. */
    outcomeIndexReady: ks.key('idx', 'outcome-ready'),
    /** Set of task ARNs believed alive, per cluster. */
    liveTasks: (cluster: string) => ks.key('idx', 'live', cluster),
    liveClusters: ks.key('idx', 'live-clusters'),
    /** Set of task ARNs a STOPPED task event asked to confirm with DescribeTasks, per cluster; drained by the resync. */
    tasksToConfirm: (cluster: string) => ks.key('confirm', cluster),
    /** Sorted set of stopped runs scored by when they stopped (ms), for retention. */
    finished: ks.key('idx', 'finished'),
    /** Hash: stopped run → its pool, so retention can clean indexes after a run key expired by TTL. */
    finishedPool: ks.key('idx', 'finished-pool'),
    changes: ks.key('changes'),
    /** INCR counter: change-feed entries consumers found malformed, acknowledged and dropped. */
    changesMalformed: ks.key('changes', 'malformed'),
    control: ks.key('control'),
    controlMalformed: ks.key('control', 'malformed'),
    /** List: the controller's reply to one control message (by stream id), for the sender; short-lived. */
    controlReply: (messageId: string) => ks.key('control', 'reply', messageId),
  };
}
export type StoreKeys = ReturnType<typeof storeKeys>;
