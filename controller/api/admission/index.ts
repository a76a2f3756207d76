/** Admission: schema, then ECS and seed-worker rules; every rejection names path, rule and value. */
export * from './violation.js';
export * from './admit.js';
export { checkPoolSpec } from './pool-rules.js';
export { checkRunSpec } from './run-rules.js';
export * from './fargate.js';
export * from './limits.js';
