/**
 * The API's shapes the console reads, written after schemas/openapi.json (components.schemas: Run, Pool,
 * RunList, PoolList, RunWatchEvent, Status, SelfSubjectReview). Only the fields the console shows; the lead
 * may replace these with the generated client's types once that package lands.
 */
export const PHASES = ['pending', 'taskdef-resolved', 'submitted', 'running', 'stopped'] as const;
export type Phase = (typeof PHASES)[number];
export const OUTCOMES = ['succeeded', 'failed', 'cancelled', 'crashed', 'timed-out'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
}

export interface Attempt {
  number: number;
  taskArn?: string;
  clusterArn?: string;
  lastStatus?: string;
  submittedAt?: string;
  startedAt?: string;
  stoppedAt?: string;
  exitCode?: number | null;
  stopCode?: string;
  stoppedReason?: string;
  failureReason?: string;
  capacityProvider?: string;
  launchType?: string;
  requestedCapacity?: 'on-demand';
  cpu?: string;
  memory?: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime: string;
}

export interface RunCost {
  estimate: true;
  region?: string;
  vcpuSeconds?: number;
  gbSeconds?: number;
  estimatedUsd?: number;
  onDemandUsd?: number;
}

export interface RunStatus {
  phase: Phase;
  outcome?: Outcome;
  attempts?: Attempt[];
  conditions?: Condition[];
  message?: string;
  taskDefinitionArn?: string;
  logTail?: { attempt: number; container?: string; lines: string[]; fetchedAt: string; error?: string };
  spotFallback?: { reason: string; fromAttempt: number };
  cost?: RunCost;
}

export interface Run {
  apiVersion: string;
  kind: 'Run';
  metadata: ObjectMeta;
  spec: { pool: string; deployment?: string; image?: string; command?: string[]; env?: Record<string, string>; cancelRequested?: boolean } & Record<string, unknown>;
  status: RunStatus;
}

export interface Pool {
  apiVersion: string;
  kind: 'Pool';
  metadata: ObjectMeta;
  spec: { limits?: Record<string, unknown> } & Record<string, unknown>;
}

export interface List<T> {
  kind: string;
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
}

export interface Status {
  kind: 'Status';
  code: number;
  reason?: string;
  message?: string;
}

export type Verb = 'read' | 'submit' | 'operate' | 'administer';

export interface SelfSubjectReview {
  kind: 'SelfSubjectReview';
  status: { tokenId: string; role: string; namespace?: string; allowed: Record<Verb, boolean> };
}
