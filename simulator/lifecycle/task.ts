/** A simulated ECS task as the lifecycle engine keeps it (times in ms since the epoch). */
import type { JsonObject, LogConfiguration, Tag } from '../ecs/model.js';

export const LIFECYCLE = [
  'PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED',
] as const;
export type LastStatus = (typeof LIFECYCLE)[number];

export interface SimContainer {
  containerArn: string;
  name: string;
  image: string;
  essential: boolean;
  lastStatus: string;
  exitCode?: number;
  reason?: string;
  cpu?: string;
  memory?: string;
  logConfiguration?: LogConfiguration;
  /** This container's own SIM_EXIT_CODE, if its environment sets one. */
  exitCodeOverride?: number;
}

/** What will happen to the task, decided once at RunTask from its environment and the scenario. */
export interface TaskFate {
  /** Simulated milliseconds spent in each phase before moving on. */
  phaseMs: Record<'provisioning' | 'pending' | 'activating' | 'deactivating' | 'stopping' | 'deprovisioning', number>;
  runMs: number;
  exitCode: number;
  /** Full stoppedReason for a failed start, e.g. "CannotPullContainerError: …". */
  failStartReason?: string;
  /** Simulated ms after RUNNING at which a Spot task gets its termination notice. */
  spotInterruptAfterMs?: number;
  logLines: string[];
  /** Printed as the essential container exits by itself (SIM_EXIT_LOG_LINES; see output.ts for the default). */
  exitLines: string[] | undefined;
}

export interface SimTask {
  taskArn: string;
  taskId: string;
  clusterArn: string;
  clusterName: string;
  taskDefinitionArn: string;
  family: string;
  launchType: 'FARGATE' | 'EC2' | 'EXTERNAL';
  capacityProviderName?: string;
  lastStatus: LastStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  version: number;
  createdAtMs: number;
  connectivityAtMs?: number;
  pullStartedAtMs?: number;
  pullStoppedAtMs?: number;
  startedAtMs?: number;
  stoppingAtMs?: number;
  executionStoppedAtMs?: number;
  stoppedAtMs?: number;
  stopCode?: string;
  stoppedReason?: string;
  containers: SimContainer[];
  cpu?: string;
  memory?: string;
  overrides: JsonObject;
  startedBy?: string;
  group: string;
  tags: Tag[];
  availabilityZone: string;
  attachments: JsonObject[];
  enableExecuteCommand: boolean;
  /** Fargate: the platform version the task runs on (RunTask's, LATEST resolved); absent on EC2 and EXTERNAL. */
  platformVersion?: string;
  /** Fargate: RunTask's overrides.ephemeralStorage. */
  ephemeralStorage?: { sizeInGiB: number };
  cpuArchitecture: 'x86_64' | 'arm64';
  clientToken?: string;
  fate: TaskFate;
  /** EC2 / EXTERNAL: the container instance the task runs on and what it holds there until STOPPED. */
  hostPlacement?: { containerInstanceArn: string; cpu: number; memory: number };
  /** When a STOPPED task stops being describable (real ms). */
  expiresAtMs?: number;
  /** Serialised wire forms for `version` (see taskJson). */
  wireJson?: { version: number; withTags: string; withoutTags: string };
}
