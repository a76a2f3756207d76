/**
 * What a namespace's watches share in one API process, so a hundred watches cost about what one does:
 * - feed reads: watches at the same position (most of them, at the tail) share one XREAD; a read that
 *   found entries is kept for watches a little behind;
 * - records: an object's state at a given resourceVersion never changes, so it is loaded once (one
 *   pipeline for a batch, in-flight loads shared) and kept with its JSON text, bounded by count.
 * Entries are immutable, so nothing here can go stale; the bounds only limit memory.
 */
import type { PoolRecord, RunRecord } from '../api/index.js';
import type { ChangeTail, ResourceStore } from '../store/index.js';
import { present, type ResourceKind } from './resources.js';

type AnyRecord = RunRecord | PoolRecord;
export interface SharedRecord {
  record: AnyRecord;
  /** The API object's JSON text (presented with its namespace). */
  json: string;
}

const READ_COUNT = 500;
const KEPT_READS = 256;
const KEPT_RECORDS = 20_000;

export class SharedFeed {
  private readonly reads = new Map<string, Promise<ChangeTail>>();
  /** `<kind>/<name>@<resourceVersion>` → the object as it was at that version. */
  private readonly records = new Map<string, SharedRecord>();
  /** `<kind>/<name>` → the load in flight for it. */
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly store: ResourceStore,
    private readonly namespace: string,
  ) {}

  read(position: string): Promise<ChangeTail> {
    const known = this.reads.get(position);
    if (known) return known;
    const reading = this.store.changeFeed().read(position, READ_COUNT, 0).then((tail) => {
      // An empty read at the tail must not be kept: entries may come any moment.
      if (tail.position === position) this.reads.delete(position);
      return tail;
    }, (error: unknown) => {
      this.reads.delete(position);
      throw error;
    });
    this.reads.set(position, reading);
    trim(this.reads, KEPT_READS);
    return reading;
  }

  /** The objects as they were at the given versions; absent where the object has moved on or is gone. */
  async at(kind: ResourceKind, wanted: ReadonlyArray<{ name: string; resourceVersion: string }>): Promise<Map<string, SharedRecord>> {
    const key = (name: string, rv: string) => `${kind}/${name}@${rv}`;
    const missing = [...new Set(wanted.filter((w) => !this.records.has(key(w.name, w.resourceVersion))).map((w) => w.name))];
    const toLoad = missing.filter((name) => !this.loading.has(`${kind}/${name}`));
    if (toLoad.length > 0) {
      const load = this.load(kind, toLoad);
      for (const name of toLoad) this.loading.set(`${kind}/${name}`, load);
      void load.finally(() => {
        for (const name of toLoad) if (this.loading.get(`${kind}/${name}`) === load) this.loading.delete(`${kind}/${name}`);
      }).catch(() => undefined);
    }
    await Promise.all(missing.map((name) => this.loading.get(`${kind}/${name}`)));
    const found = new Map<string, SharedRecord>();
    for (const w of wanted) {
      const shared = this.records.get(key(w.name, w.resourceVersion));
      if (shared) found.set(`${w.name}@${w.resourceVersion}`, shared);
    }
    return found;
  }

  private async load(kind: ResourceKind, names: string[]): Promise<void> {
    const loaded: Array<AnyRecord | null> = kind === 'Run' ? await this.store.getRuns(names) : await Promise.all(names.map((n) => this.store.getPool(n)));
    for (const record of loaded) {
      if (!record) continue;
      this.records.set(`${kind}/${record.metadata.name}@${record.metadata.resourceVersion}`, { record, json: JSON.stringify(present(kind, record, this.namespace)) });
    }
    trim(this.records, KEPT_RECORDS);
  }
}

function trim<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}
