/** Admission: schema, then ECS and seed-worker rules; every rejection names path, rule and value. */
export { AdmissionError, formatRejections, joinPath, type DocumentRejection, type Violation } from './violation.js';
export { admitDocuments, admitPool, admitRun, referencedPoolNames, type AdmissionContext, type AdmittedDocument, type AdmittedMeta, type AdmittedPool, type AdmittedRun } from './admit.js';
export { FARGATE_CPU_VALUES, fargateMemoryOptions, fargateSizeMessage, isValidFargateSize } from './fargate.js';
export { DEFAULT_CONTAINER_NAME, ECS_NAME_PATTERN, ENV_NAME_PATTERN, MAX_TAGS, OVERRIDES_MAX_CHARS, TAG_KEY_MAX, TAG_VALUE_MAX, TASK_DEFINITION_MAX_BYTES, checkEcsName, checkEnvNames, checkTags, estimateRunTaskOverrides, orchestrationContainer, overridesLength, taskDefinitionBytes } from './limits.js';
export { ANNOTATIONS_MAX_BYTES, MAX_LABELS, checkMetadata } from './metadata-rules.js';
export { MAX_DEPTH, MAX_ENTRIES, RESERVED_KEYS, rawInputViolations } from './raw-input.js';
export { checkPoolSpec } from './pool-rules.js';
export { checkRunSpec } from './run-rules.js';
