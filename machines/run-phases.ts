/**
 * Phases are the user-facing vocabulary of where a run is (RunStatus.phase, `run list --phase`, metrics);
 * states are the machine's own finer steps. Each state declares its phase (run-machine.ts); this module
 * reads those declarations to answer which phase changes a run can make at all, e.g. for metrics that are
 * pre-initialised with exactly the label values that can occur.
 */
import { PHASES, type Phase } from '../controller/api/run-status.js';
import { runLifecycleMachine } from './run-machine.js';

export interface PhaseTransition {
  from: Phase;
  to: Phase;
}

type StateNode = (typeof runLifecycleMachine.states)[keyof typeof runLifecycleMachine.states];

/**
 * Every phase change the machine's definition allows, in PHASES order. Walks (state, phase) pairs from the
 * initial state along every transition, `always` included, as if each guard could pass; a state that
 * declares no phase keeps the one the run entered it with.
 */
export function possiblePhaseTransitions(): PhaseTransition[] {
  const initial = runLifecycleMachine.root.initial.target[0];
  const initialPhase = initial?.meta?.phase;
  if (initial === undefined || initialPhase === undefined) throw new Error('the initial state declares no phase');
  const seen = new Set<string>();
  const found = new Map<string, PhaseTransition>();
  const queue: [StateNode, Phase][] = [[initial, initialPhase]];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [node, phase] = next;
    const key = `${node.id} ${phase}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const transitions = [...node.transitions.values()].flat().concat(node.always ?? []);
    for (const target of transitions.flatMap((t) => t.target ?? [])) {
      const entered = target.meta?.phase ?? phase;
      if (entered !== phase) found.set(`${phase}>${entered}`, { from: phase, to: entered });
      queue.push([target, entered]);
    }
  }
  const order = (p: Phase) => PHASES.indexOf(p);
  return [...found.values()].sort((a, b) => order(a.from) - order(b.from) || order(a.to) - order(b.to));
}

/**
 * Every event type some state of the machine handles, sorted: the values the lifecycle can reject, e.g. for
 * a rejected-event counter pre-initialised with each. An event no state handles is never sent.
 */
export function lifecycleEventTypes(): string[] {
  const types = new Set<string>();
  const walk = (node: StateNode | (typeof runLifecycleMachine)['root']) => {
    for (const type of node.transitions.keys()) if (!type.startsWith('xstate.')) types.add(type);
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(runLifecycleMachine.root);
  return [...types].sort();
}
