/** Choosing runs by label selector, phase and pool, in one namespace or all (-A) — shared by the run commands. */
import { Option } from 'commander';
import { PHASES } from '../../controller/api/index.js';
import type { Backends, RunQuery, RunsBackend } from './backend.js';
import type { Scoped } from './output.js';

export type { RunQuery };

export const phaseOption = () => new Option('--phase <phase>', 'only runs in this phase').choices([...PHASES]);

/** The records `list` returns in the chosen namespace, or in every namespace with `all` (-A). */
export async function listScoped<T>(session: { backend: RunsBackend; backends: Backends }, all: boolean | undefined, list: (backend: RunsBackend) => Promise<T[]>): Promise<Array<Scoped<T>>> {
  const backends = all ? (await session.backends.namespaces()).map((ns) => session.backends.of(ns)) : [session.backend];
  const scoped: Array<Scoped<T>> = [];
  for (const backend of backends) for (const record of await list(backend)) scoped.push({ namespace: backend.namespace, record });
  return scoped;
}
