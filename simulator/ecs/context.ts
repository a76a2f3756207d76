/**
 * Everything the ECS operations share: identity, the stores, throttles, the scenario's seeded random
 * streams, the lifecycle engine and the network used to validate awsvpc subnets.
 */
import type { LifecycleEngine } from '../lifecycle/engine.js';
import { FaultBudgets } from '../lifecycle/fault-budgets.js';
import type { SimTask } from '../lifecycle/task.js';
import type { Random } from '../random.js';
import type { Scenario } from '../scenario.js';
import type { Scheduler } from '../scheduler.js';
import type { PersistentFaults } from '../persistent-faults.js';
import type { Throttles } from '../throttle.js';
import type { ContainerInstances } from './container-instances.js';
import type { Identity } from './identity.js';
import type { IdempotencyStore } from './idempotency.js';
import type { ClusterRecord, TaskDefinitionRecord } from './model.js';

/** The subnets RunTask accepts for awsvpc (SIM_NETWORK from simulator/ec2.ts). */
export interface NetworkView {
  subnets: ReadonlyArray<{ subnetId: string; availabilityZone: string }>;
}

export class EcsStore {
  readonly clusters = new Map<string, ClusterRecord>();
  /** family → revisions in order (index = revision - 1). */
  readonly families = new Map<string, TaskDefinitionRecord[]>();
  /** Families with a RegisterTaskDefinition in flight. */
  readonly registering = new Set<string>();
  /** Completed registrations per family, for the audit. */
  readonly registrationCounts = new Map<string, number>();
  /** taskId → task, until a STOPPED task's retention ends. */
  readonly tasks = new Map<string, SimTask>();
  /** SIM_*_TIMES counts per run, forgotten on reset like everything else. */
  readonly faultBudgets = new FaultBudgets();

  clear(): void {
    this.clusters.clear();
    this.families.clear();
    this.registering.clear();
    this.registrationCounts.clear();
    this.tasks.clear();
    this.faultBudgets.clear();
  }
}

export interface EcsContext {
  identity: Identity;
  store: EcsStore;
  throttles: Throttles;
  scenario: Scenario;
  /** Faults, fates and durations draw from here (seeded). */
  random: Random;
  /** Task ids draw from here (seeded separately so ids do not shift outcomes). */
  idRandom: Random;
  engine: LifecycleEngine;
  idempotency: IdempotencyStore;
  /** The container instances of every cluster (EC2 and EXTERNAL capacity). */
  containerInstances: ContainerInstances;
  scheduler: Scheduler;
  /** Real milliseconds for a simulated duration. */
  toRealMs: (simulatedMs: number) => number;
  /** How long a registration takes (simulated ms), so concurrent registrations really overlap. */
  registrationDelayMs: number;
  network: NetworkView;
  /** Outages that last until cleared (docs/simulator.md "Persistent faults"). */
  persistentFaults: PersistentFaults;
}
