/** The ECS objects the simulator keeps, in the shapes its handlers work with. */

import type { JsonObject } from '../json-input.js';

export type { JsonObject };

/** A response body already serialised (DescribeTasks assembles cached task JSON without re-parsing it). */
export class RawJson {
  constructor(readonly text: string) {}
}

export interface ClusterRecord {
  clusterName: string;
  clusterArn: string;
  createdAtMs: number;
  tags: Tag[];
  settings: JsonObject[];
  capacityProviders: string[];
}

export interface Tag {
  key: string;
  value: string;
}

export interface KeyValue {
  name: string;
  value: string;
}

export interface LogConfiguration {
  logDriver: string;
  options?: Record<string, string>;
}

/** A container definition as registered (the request's JSON with ECS's defaults filled in). */
export interface ContainerDefinition extends JsonObject {
  name: string;
  image: string;
  essential?: boolean;
  environment?: KeyValue[];
  logConfiguration?: LogConfiguration;
  secrets?: JsonObject[];
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
}

export interface TaskDefinitionRecord {
  family: string;
  revision: number;
  taskDefinitionArn: string;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  registeredAtMs: number;
  deregisteredAtMs?: number;
  containerDefinitions: ContainerDefinition[];
  /** Integer strings after "1 vCPU"/"1GB" conversion. */
  cpu?: string;
  memory?: string;
  networkMode: string;
  requiresCompatibilities: string[];
  compatibilities: string[];
  executionRoleArn?: string;
  taskRoleArn?: string;
  tags: Tag[];
  /** Other request members returned as given (volumes, runtimePlatform, ephemeralStorage, …). */
  passthrough: JsonObject;
}
