/**
 * The pool's task-definition template: a partial RegisterTaskDefinition input. The schema checks the fields
 * Longshore's admission rules read (family, cpu, memory, networkMode, compatibilities, roles, containers)
 * and passes every other RegisterTaskDefinition field through untouched for ECS itself to judge.
 */
import { z } from 'zod';
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { TemplateCpu, TemplateMemory } from './quantities.js';

const KeyValuePair = z.object({ name: z.string(), value: z.string() });

export const ContainerDefinitionTemplate = z.looseObject({
  name: z.string().optional(),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  essential: z.boolean().optional(),
  environment: z.array(KeyValuePair).optional(),
  secrets: z.array(z.object({ name: z.string(), valueFrom: z.string() })).optional(),
  logConfiguration: z
    .looseObject({
      logDriver: z.enum(['awslogs', 'fluentd', 'gelf', 'journald', 'json-file', 'splunk', 'syslog', 'awsfirelens']),
      options: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});

const TaskDefinitionTemplateSchema = z.looseObject({
  family: z.string().optional(),
  cpu: TemplateCpu.optional(),
  memory: TemplateMemory.optional(),
  networkMode: z.enum(['awsvpc', 'bridge', 'host', 'none']).optional(),
  requiresCompatibilities: z.array(z.enum(['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'])).optional(),
  executionRoleArn: z.string().optional(),
  taskRoleArn: z.string().optional(),
  containerDefinitions: z.array(ContainerDefinitionTemplate).max(10).optional(),
});

/** The TypeScript side is the AWS SDK's own input type, so renderers get the SDK's field types. */
export type TaskDefinitionTemplate = Partial<RegisterTaskDefinitionCommandInput>;
export const TaskDefinitionTemplate: z.ZodType<TaskDefinitionTemplate, unknown> = TaskDefinitionTemplateSchema;
