/** The Redis store of pools and runs, its change feed and the control stream. */
export { ResourceStore } from './store.js';
export { keyspace, storeKeys, DEFAULT_NAMESPACE, type Keyspace, type StoreKeys } from './keys.js';
export { AlreadyExistsError, ConflictError, InvalidCursorError, NotFoundError, PreconditionFailedError } from './errors.js';
export { DEFAULT_RETENTION_SECONDS, type StoreOptions, type ChangeKind, type ChangeType } from './context.js';
export { listAll, type ListOptions, type RunListOptions, type Page } from './queries.js';
export type { StatusUpdate } from './run-writes.js';
export type { SubmitOptions, SubmitResult, SubmitAction } from './submit.js';
export { ChangeFeed, changeWakesRun, decodeChange, type ChangeBatch, type ChangeEvent, type ChangeTail, type MalformedChangeEntry } from './change-feed.js';
export { ControlStream, InvalidControlMessageError, decodeControl, type ControlBatch, type ControlEntry, type MalformedControlEntry } from './control-stream.js';
export { parseSelector, matchesSelector, SelectorError, type Requirement } from './selector.js';
export { UNKNOWN_CLUSTER, runIndexState } from './run-indexes.js';
export { matchesRunFilter, type RunCountFilter, type RunCounts } from './counts.js';
