/** Choosing runs by label selector, phase and pool — shared by list, watch, cancel and delete. */
import { Option } from 'commander';
import { PHASES, type Phase, type RunRecord } from '../../controller/api/index.js';
import { listAll, type ResourceStore } from '../../controller/store/index.js';

export interface ListFlags {
  selector?: string;
  phase?: Phase;
  pool?: string;
}

export const phaseOption = () => new Option('--phase <phase>', 'only runs in this phase').choices([...PHASES]);

export function listSelected(store: ResourceStore, flags: ListFlags): Promise<RunRecord[]> {
  return listAll((cursor) => store.listRuns({ labelSelector: flags.selector, phase: flags.phase, pool: flags.pool, cursor }));
}
