/** @longshore/client: the typed client for Longshore's HTTP API (docs/api.md). */
export {
  createLongshoreClient, unwrap, unwrapOrNull, watchRuns, readLog,
  type ApiClient, type ClientOptions, type WatchOptions, type LogOptions,
  type Run, type Pool, type RunList, type PoolList, type RunDocument, type PoolDocument, type RunWatchEvent, type PoolWatchEvent,
  type Token, type TokenRequest,
} from './client.js';
export { ApiStatusError, LogStreamBrokenError, errorFromResponse, isStatus, statusError, type Status, type StatusCause } from './errors.js';
export { bodyLines } from './lines.js';
export type { paths, components, operations } from './generated/openapi.js';
