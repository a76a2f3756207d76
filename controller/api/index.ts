/** The resource API: schemas, types and admission for Pools and Runs. */
export * from './common.js';
export * from './task-definition-template.js';
export * from './pool.js';
export * from './run.js';
export * from './run-status.js';
export * from './policy.js';
export * from './control.js';
