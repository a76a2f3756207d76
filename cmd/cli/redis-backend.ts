/** The CLI's backend on the Redis store (see backend.ts): one connection for commands, one for blocking reads. */
import { readScopeShares } from '../../controller/aws/pool-shares.js';
import { scopeOf } from '../../controller/aws/budget-keys.js';
import { readerHome } from '../../controller/aws/home-record.js';
import { unrecordedHomeNote } from '../../controller/aws/home-policy.js';
import { targetOfPool } from '../../controller/aws/target.js';
import { scanBatches, type RedisClient } from '../../controller/redis.js';
import type { ControlReply, KillMessage, PoolRecord } from '../../controller/api/index.js';
import { replicaBuilds } from '../../controller/replica-registry.js';
import { keyspace, listAll, ResourceStore, type SubmitOptions } from '../../controller/store/index.js';
import type { Backends, PoolShareReading, RunChanges, RunQuery, RunsBackend } from './backend.js';

export class RedisRunsBackend implements RunsBackend {
  readonly store: ResourceStore;
  private blockingConnection: RedisClient | undefined;

  /** `blocking` opens the connection for waits (change feed, control replies) when first needed. */
  constructor(private readonly redis: RedisClient, namespace: string, private readonly blocking: () => RedisClient) {
    this.store = new ResourceStore(redis, { namespace });
  }

  get namespace(): string {
    return this.store.namespace;
  }

  private waits(): RedisClient {
    this.blockingConnection ??= this.blocking();
    return this.blockingConnection;
  }

  submit(documents: readonly unknown[], mode: SubmitOptions['mode']) {
    return this.store.submit(documents, { mode });
  }
  getRun(name: string) {
    return this.store.getRun(name);
  }
  getRuns(names: readonly string[]) {
    return this.store.getRuns(names);
  }
  listRuns(query: RunQuery) {
    return listAll((cursor) => this.store.listRuns({ labelSelector: query.selector, phase: query.phase, pool: query.pool, outcome: query.outcome, cursor }));
  }
  async countRuns(query: RunQuery) {
    const { total, byPhase, byOutcome } = await this.store.countRuns({ labelSelector: query.selector, phase: query.phase, pool: query.pool, outcome: query.outcome });
    return { total, byPhase, byOutcome };
  }
  deleteRun(name: string) {
    return this.store.deleteRun(name);
  }
  getPool(name: string) {
    return this.store.getPool(name);
  }
  listPools(selector?: string) {
    return listAll((cursor) => this.store.listPools({ labelSelector: selector, cursor }));
  }
  deletePool(name: string) {
    return this.store.deletePool(name);
  }
  async cancel(name: string, reason?: string): Promise<void> {
    await this.store.sendControl({ type: 'cancel', run: name, ...(reason ? { reason } : {}) });
  }
  async kill(message: KillMessage, waitMs: number): Promise<ControlReply | null> {
    const id = await this.store.sendControl(message);
    return waitMs > 0 ? this.store.controlStream(this.waits()).awaitReply(id, waitMs) : null;
  }
  changesPosition(): Promise<string> {
    return this.store.changeFeed().latestId();
  }
  async nextChanges(position: string, waitMs: number): Promise<RunChanges> {
    const { events, position: next } = await this.store.changeFeed(this.waits()).read(position, 500, Math.max(1, Math.round(waitMs)));
    // A silent Redis makes a blocking read come back empty (ioredis' safety net), not fail: a quiet feed is
    // confirmed with a PING on the command connection, whose timeout turns silence into an error.
    if (events.length === 0) await this.redis.ping();
    return { position: next, runs: [...new Set(events.filter((e) => e.kind === 'Run').map((e) => e.name))] };
  }
  /**
   * Read with the home account-region the namespace's controllers recorded, not this shell's AWS_REGION: a
   * region-less pool's keys are the controller's Region's, whatever Region the CLI runs with. Only when no
   * controller recorded one does the shell's Region stand in, and the reading says so.
   */
  async poolShare(pool: PoolRecord): Promise<PoolShareReading> {
    const ownRegion = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined;
    const { home, recorded } = await readerHome(this.redis, this.store.keyspace, ownRegion);
    const shares = await readScopeShares(this.redis, this.store.keyspace, scopeOf(targetOfPool(pool.spec), home), home);
    const share = shares.find((s) => s.pool === pool.metadata.name);
    return { share, ...(recorded ? {} : { note: unrecordedHomeNote(this.namespace, ownRegion, 'this shell\'s') }) };
  }

  controllerBuilds() {
    return replicaBuilds(this.redis, this.store.keyspace);
  }
}

export class RedisBackends implements Backends {
  readonly current: RunsBackend;
  private readonly byNamespace = new Map<string, RunsBackend>();

  constructor(private readonly redis: RedisClient, namespace: string, private readonly blocking: () => RedisClient) {
    this.current = this.of(namespace);
  }

  of(namespace: string): RunsBackend {
    let backend = this.byNamespace.get(namespace);
    if (!backend) {
      backend = new RedisRunsBackend(this.redis, namespace, this.blocking);
      this.byNamespace.set(namespace, backend);
    }
    return backend;
  }

  /** Namespaces with a resourceVersion counter, i.e. that ever stored a pool or a run. */
  async namespaces(): Promise<string[]> {
    // The key layout is keyspace()'s: `longshore:{<namespace>}:rv`; braces are literal in a SCAN pattern.
    const sample = keyspace('x').key('rv');
    const [before, after] = [sample.slice(0, sample.indexOf('{x}') + 1), sample.slice(sample.indexOf('{x}') + 2)];
    const found = new Set<string>();
    for await (const { keys } of scanBatches(this.redis, `${before}*${after}`)) {
      for (const key of keys) found.add(key.slice(before.length, key.length - after.length));
    }
    return [...found].sort();
  }
}
