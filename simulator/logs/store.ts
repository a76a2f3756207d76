/**
 * The simulator's CloudWatch Logs storage: groups of streams, each a list of events kept in timestamp
 * order (events with equal timestamps keep their arrival order). A position in that list is what the
 * GetLogEvents paging tokens point at.
 */
export interface LogEventInput {
  /** Milliseconds since the epoch. */
  timestamp: number;
  message: string;
}

export interface StoredLogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

export interface LogStreamRecord {
  name: string;
  creationTime: number;
  lastIngestionTime: number | undefined;
  /** Sorted by timestamp, stable for equal timestamps. */
  events: StoredLogEvent[];
}

interface LogGroupRecord {
  name: string;
  creationTime: number;
  streams: Map<string, LogStreamRecord>;
}

export class LogStore {
  private readonly groups = new Map<string, LogGroupRecord>();
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  /** False when the group already exists. */
  createGroup(group: string): boolean {
    if (this.groups.has(group)) return false;
    this.groups.set(group, { name: group, creationTime: this.now(), streams: new Map() });
    return true;
  }

  createStream(group: string, stream: string): 'created' | 'group-missing' | 'exists' {
    const record = this.groups.get(group);
    if (record === undefined) return 'group-missing';
    if (record.streams.has(stream)) return 'exists';
    record.streams.set(stream, { name: stream, creationTime: this.now(), lastIngestionTime: undefined, events: [] });
    return 'created';
  }

  hasGroup(group: string): boolean {
    return this.groups.has(group);
  }

  getStream(group: string, stream: string): LogStreamRecord | undefined {
    return this.groups.get(group)?.streams.get(stream);
  }

  listStreams(group: string): LogStreamRecord[] {
    return [...(this.groups.get(group)?.streams.values() ?? [])];
  }

  /**
   * Appends events, creating the group and stream when missing (the simulator's tasks log as if the
   * awslogs driver had `awslogs-create-group` set). Each event gets the current time as ingestionTime.
   */
  putEvents(group: string, stream: string, events: LogEventInput[]): void {
    this.createGroup(group);
    this.createStream(group, stream);
    const record = this.getStream(group, stream);
    if (record === undefined) return;
    const ingestionTime = this.now();
    for (const event of events) {
      insertSorted(record.events, { timestamp: event.timestamp, message: event.message, ingestionTime });
    }
    if (events.length > 0) record.lastIngestionTime = ingestionTime;
  }

  clear(): void {
    this.groups.clear();
  }
}

/** Inserts after every event with a timestamp <= the new one, so equal timestamps keep arrival order. */
function insertSorted(events: StoredLogEvent[], event: StoredLogEvent): void {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (events[middle].timestamp <= event.timestamp) low = middle + 1;
    else high = middle;
  }
  events.splice(low, 0, event);
}
