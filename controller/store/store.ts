/**
 * ResourceStore: pools and runs in Redis. Every write is admitted first and applied in one atomic step
 * together with its index entries and its change-feed entry; status writes compare-and-set on
 * resourceVersion. One instance per Redis connection; blocking stream reads belong on a separate
 * connection (see ChangeFeed and ControlStream).
 */
import type { RedisClient } from '../redis.js';
import type { PoolRecord } from '../api/pool.js';
import type { RunRecord, RunSpec, RunSpecInput } from '../api/run.js';
import type { ControlMessage } from '../api/control.js';
import { storeContext, type StoreContext, type StoreOptions } from './context.js';
import { ControlStream } from './control-stream.js';
import { ChangeFeed } from './change-feed.js';
import { deletePool } from './pool-writes.js';
import * as q from './queries.js';
import { countRuns, indexOutcomes, type RunCountFilter, type RunCounts } from './counts.js';
import * as runs from './run-writes.js';
import { submitDocuments, type SubmitOptions, type SubmitResult } from './submit.js';

export class ResourceStore {
  readonly ctx: StoreContext;
  constructor(redis: RedisClient, options: StoreOptions = {}) {
    this.ctx = storeContext(redis, options);
  }
  get namespace(): string {
    return this.ctx.ks.namespace;
  }
  get keyspace() {
    return this.ctx.ks;
  }

  /** Admits and stores Pool and Run documents atomically (all or nothing). */
  submit(documents: readonly unknown[], options: SubmitOptions = { mode: 'apply' }): Promise<SubmitResult[]> {
    return submitDocuments(this.ctx, documents, options);
  }
  async createPool(document: unknown): Promise<PoolRecord> {
    const [result] = await this.submit([document], { mode: 'create' });
    return result.record as PoolRecord;
  }
  async createRun(document: unknown): Promise<RunRecord> {
    const [result] = await this.submit([document], { mode: 'create' });
    return result.record as RunRecord;
  }

  getPool(name: string): Promise<PoolRecord | null> {
    return q.getPool(this.ctx, name);
  }
  listPools(options?: q.ListOptions): Promise<q.Page<PoolRecord>> {
    return q.listPools(this.ctx, options);
  }
  deletePool(name: string): Promise<PoolRecord> {
    return deletePool(this.ctx, name);
  }

  getRun(name: string): Promise<RunRecord | null> {
    return q.getRun(this.ctx, name);
  }
  getRuns(names: readonly string[]): Promise<Array<RunRecord | null>> {
    return q.getRuns(this.ctx, names);
  }
  listRuns(options?: q.RunListOptions): Promise<q.Page<RunRecord>> {
    return q.listRuns(this.ctx, options);
  }
  /** Runs matching the filter, by phase and by outcome (counts.ts: from the indexes where they answer). */
  countRuns(filter?: RunCountFilter): Promise<RunCounts> {
    return countRuns(this.ctx, filter);
  }
  /** Indexes stopped runs stored before the outcome index existed; run by each replica at start. */
  indexOutcomes(stopping?: () => boolean): Promise<number> {
    return indexOutcomes(this.ctx, stopping);
  }
  updateRunStatus(name: string, update: runs.StatusUpdate, expectedResourceVersion: string, current?: RunRecord): Promise<RunRecord> {
    return runs.updateRunStatus(this.ctx, name, update, expectedResourceVersion, current);
  }
  updateRunSpec(name: string, change: (spec: RunSpec) => RunSpecInput, expectedResourceVersion?: string): Promise<RunRecord> {
    return runs.updateRunSpec(this.ctx, name, change, expectedResourceVersion);
  }
  /**
   * `known`: the run as the caller just read it, to save reading it again (a stale one is re-read on conflict).
   * `wokenByCaller`: the caller wakes the run itself, so the feed follower need not (run-writes.ts).
   */
  requestCancel(name: string, known?: RunRecord, options?: { wokenByCaller?: boolean }): Promise<RunRecord> {
    return runs.requestCancel(this.ctx, name, known, options?.wokenByCaller ?? false);
  }
  deleteRun(name: string): Promise<RunRecord> {
    return runs.deleteRun(this.ctx, name);
  }
  expireFinished(now?: Date): Promise<number> {
    return runs.expireFinished(this.ctx, now);
  }

  runNameForTask(taskArn: string): Promise<string | null> {
    return q.runNameForTask(this.ctx, taskArn);
  }
  liveTaskArns(clusterArn: string): Promise<string[]> {
    return q.liveTaskArns(this.ctx, clusterArn);
  }
  liveTaskClusters(): Promise<string[]> {
    return q.liveTaskClusters(this.ctx);
  }
  requestTaskConfirmation(clusterArn: string, taskArn: string): Promise<void> {
    return q.requestTaskConfirmation(this.ctx, clusterArn, taskArn);
  }
  takeTasksToConfirm(clusterArn: string, max: number): Promise<string[]> {
    return q.takeTasksToConfirm(this.ctx, clusterArn, max);
  }

  /** Sends a cancel/kill message on this store's connection (non-blocking). */
  sendControl(message: ControlMessage): Promise<string> {
    return this.controlStream().send(message);
  }
  /** A control-stream reader; pass a dedicated connection when reading with blockMs > 0. */
  controlStream(redis: RedisClient = this.ctx.redis): ControlStream {
    return new ControlStream(redis, this.ctx.ks, { now: this.ctx.now });
  }
  /** A change-feed reader; pass a dedicated connection when reading with blockMs > 0. */
  changeFeed(redis: RedisClient = this.ctx.redis): ChangeFeed {
    return new ChangeFeed(redis, this.ctx.ks);
  }
}
