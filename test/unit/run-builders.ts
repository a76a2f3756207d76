/** Builders for run reconciler tests: records as the store returns them, with defaults applied by the schemas. */
import { PoolSpec, type PoolRecord, type PoolSpecInput } from '../../controller/api/pool.js';
import { RunSpec, type RunRecord, type RunSpecInput } from '../../controller/api/run.js';
import { initialRunStatus } from '../../controller/api/run-status.js';
import { at } from '../../machines/fixtures.js';

export function newPool(spec: Partial<PoolSpecInput> = {}, name = 'pool-a'): PoolRecord {
  return {
    apiVersion: 'longshore.dev/v1alpha1',
    kind: 'Pool',
    metadata: { name, uid: `uid-${name}`, labels: {}, annotations: {}, generation: 1, resourceVersion: '1', creationTimestamp: at(0) },
    spec: PoolSpec.parse({ cluster: 'default', image: 'busybox', ...spec }),
  };
}

export function newRunRecord(spec: Partial<RunSpecInput> = {}, name = 'run-a'): RunRecord {
  return {
    apiVersion: 'longshore.dev/v1alpha1',
    kind: 'Run',
    metadata: { name, uid: `uid-${name}`, labels: {}, annotations: {}, generation: 1, resourceVersion: '2', creationTimestamp: at(0) },
    spec: RunSpec.parse({ pool: 'pool-a', ...spec }),
    status: initialRunStatus(),
  };
}
