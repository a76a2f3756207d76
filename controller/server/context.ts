/** What every handler gets: the request, its parsed URL and path parameters, the caller, and the server's dependencies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RedisClient } from '../redis.js';
import type { Logger } from 'pino';
import type { RunLogSource } from '../logs/types.js';
import { ResourceStore, type StoreOptions } from '../store/index.js';
import type { ApiMetrics } from '../metrics.js';
import type { Principal, TokenStore } from './tokens.js';
import type { TokenRateLimiter } from './rate-limit.js';
import type { FeedNotifiers } from './feed-notifier.js';
import type { BudgetTable } from '../aws/budgets.js';

/** What a pool's status needs to name its account-region's launch ceiling (the controller's budget settings). */
export interface LaunchBudgetSettings {
  /** LONGSHORE_BUDGET_* as the controller reads them (scaled by LONGSHORE_BUDGET_TIME_SCALE). */
  table: BudgetTable;
  /**
   * This process's own AWS_REGION: stands in for the namespace's home Region only while no controller of the
   * namespace has recorded one (aws/home-record.ts); the recorded one is what region-less pools launch in.
   */
  fallbackRegion: string | undefined;
  clockScale: number;
  /** Told each time the fallback stands in (the server logs it, at most every few minutes per namespace). */
  homeNotRecorded?: (namespace: string, note: string) => void;
}

export interface ApiDependencies {
  /** The shared command connection (non-blocking commands only). */
  redis: RedisClient;
  /** A new connection for blocking reads (a namespace's feed notifier, a kill's wait for its reply). */
  connectBlocking: () => RedisClient;
  tokens: TokenStore;
  rateLimiter: TokenRateLimiter;
  logSource: RunLogSource;
  metrics: ApiMetrics;
  logger: Logger;
  bodyLimitBytes: number;
  /** Store settings other than the namespace (retention): the same as the controller's. */
  storeOptions?: Omit<StoreOptions, 'namespace'>;
  /** The budget table the controller paces with; the published defaults when absent (tests). */
  launchBudgets?: LaunchBudgetSettings;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Readonly<Record<string, string>>;
  principal: Principal;
  deps: ApiDependencies;
  notifiers: FeedNotifiers;
  /** Aborted when the client goes away or the server shuts down: streams end on it. */
  signal: AbortSignal;
  store(namespace: string): ResourceStore;
}

/** A JSON answer; a streaming handler writes the response itself and returns 'streamed'. */
export interface JsonReply {
  code: number;
  body: unknown;
  headers?: Record<string, string>;
}
export type HandlerResult = JsonReply | 'streamed';
export type Handler = (ctx: RequestContext) => Promise<HandlerResult>;

/** Namespace → store, built once per namespace (a store is only keys over the shared connection). */
export function storeCache(redis: RedisClient, options: Omit<StoreOptions, 'namespace'> = {}): (namespace: string) => ResourceStore {
  const stores = new Map<string, ResourceStore>();
  return (namespace) => {
    let store = stores.get(namespace);
    if (!store) {
      store = new ResourceStore(redis, { ...options, namespace });
      stores.set(namespace, store);
    }
    return store;
  };
}
