/**
 * The API's shapes, typed by the generated client (@longshore/client: openapi-typescript types from
 * schemas/openapi.json), so a change to the API's schema shows up here as a type error. Only console
 * helpers live here: the phase and outcome lists the filters offer, and names for nested shapes.
 */
import type { components } from '@longshore/client';

type Schemas = components['schemas'];

export type Run = Schemas['Run'];
export type Pool = Schemas['Pool'];
export type RunList = Schemas['RunList'];
export type PoolList = Schemas['PoolList'];
export type RunWatchEvent = Schemas['RunWatchEvent'];
export type Status = Schemas['Status'];
export type SelfSubjectReview = Schemas['SelfSubjectReview'];
export type RunSummary = Schemas['RunSummary'];
export type RunCounts = RunSummary['status'];
export type PoolStatus = Schemas['PoolStatus'];

export type Phase = Run['status']['phase'];
export type Outcome = NonNullable<Run['status']['outcome']>;
export type Attempt = Run['status']['attempts'][number];
export type Condition = Run['status']['conditions'][number];
export type Verb = keyof SelfSubjectReview['status']['allowed'];

/** Every phase in lifecycle order (the filter's options); `satisfies` keeps the list equal to the schema's. */
export const PHASES = ['pending', 'taskdef-resolved', 'submitted', 'running', 'stopped'] as const satisfies readonly Phase[];
export const OUTCOMES = ['succeeded', 'failed', 'cancelled', 'crashed', 'timed-out'] as const satisfies readonly Outcome[];
