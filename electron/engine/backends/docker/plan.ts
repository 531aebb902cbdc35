// What `up` will do to each Docker machine, decided without an engine (Compose's plan.go): from the
// containers that exist (by label) and the desired config hash, one operation per machine with its
// cause, and the orphans to remove. The provider only carries the plan out; the decisions are tested
// as golden specs (test/unit/engine/backends/docker/plan.test.ts).

import { changedParts } from './config-hash.js';
import { LABEL_CONFIG_HASH, LABEL_CONFIG_PARTS, LABEL_MACHINE } from './labels.js';

/** The fields of a listed container the plan looks at (a subset of dockerode's ContainerInfo). */
export interface ObservedContainer {
  Id: string;
  Names: string[];
  State: string;
  Labels: Record<string, string>;
}

export interface DesiredMachine {
  machine: string;
  /** The container's name: `<profile>-<machine>`. */
  name: string;
  hash: string;
  parts: Record<string, string>;
}

export type MachineOperation =
  | { op: 'keep'; machine: string; container: ObservedContainer }
  | { op: 'start' | 'unpause'; machine: string; container: ObservedContainer }
  | { op: 'create'; machine: string }
  | { op: 'recreate'; machine: string; container: ObservedContainer; cause: string };

export interface MachinePlan {
  operation: MachineOperation;
  /** Extra containers of the same machine (renamed, or left by a crashed run): removed first. */
  extras: ObservedContainer[];
}

/** States a container cannot be started from: it was never started, or it is going away. */
const UNUSABLE = new Set(['created', 'dead', 'removing']);

/** The container a machine is, when several carry its label: the one with its name, else the first. */
export function currentContainer<C extends ObservedContainer>(found: C[], name: string): C | undefined {
  return found.find((c) => c.Names.includes(`/${name}`)) ?? found[0];
}

export function planMachine(found: ObservedContainer[], want: DesiredMachine): MachinePlan {
  const current = currentContainer(found, want.name);
  const extras = found.filter((c) => c !== current);
  const machine = want.machine;
  if (!current) return { operation: { op: 'create', machine }, extras };
  if (current.Labels[LABEL_CONFIG_HASH] !== want.hash) {
    const changed = changedParts(current.Labels[LABEL_CONFIG_PARTS], want.parts);
    return { operation: { op: 'recreate', machine, container: current, cause: changed.length ? `${changed.join(', ')} changed` : 'configuration changed' }, extras };
  }
  if (UNUSABLE.has(current.State)) return { operation: { op: 'recreate', machine, container: current, cause: `left ${current.State} by an interrupted run` }, extras };
  if (current.State === 'running') return { operation: { op: 'keep', machine, container: current }, extras };
  if (current.State === 'paused') return { operation: { op: 'unpause', machine, container: current }, extras };
  return { operation: { op: 'start', machine, container: current }, extras };
}

/** Containers of the profile whose machine is no longer in it (Compose's --remove-orphans). */
export function orphans<C extends ObservedContainer>(existing: C[], dockerMachines: string[]): C[] {
  const wanted = new Set(dockerMachines);
  return existing.filter((c) => !wanted.has(c.Labels[LABEL_MACHINE] ?? ''));
}

/** How an operation is reported: "kept", "started", "created", "recreated (ports changed)". */
export function describeOperation(op: MachineOperation): string {
  switch (op.op) {
    case 'keep':
      return 'kept';
    case 'start':
    case 'unpause':
      return 'started';
    case 'create':
      return 'created';
    case 'recreate':
      return `recreated (${op.cause})`;
  }
}

/** What a dependency's container looks like, from `docker inspect` (State). */
export interface DependencyState {
  status: string;
  /** State.Health.Status: starting, healthy, unhealthy; absent when the container has no health check. */
  health?: string;
  exitCode?: number;
}

export type DependencyVerdict = 'ready' | 'wait' | { failed: string };

/**
 * Whether a machine may start after a dependency (Compose's depends_on conditions): started once it
 * runs, healthy once its health check passed. A dependency that stopped, or is unhealthy, fails it.
 */
export function dependencyVerdict(condition: 'started' | 'healthy', s: DependencyState): DependencyVerdict {
  if (s.status === 'exited' || s.status === 'dead') return { failed: `it exited (code ${s.exitCode ?? '?'})` };
  if (s.status !== 'running') return 'wait';
  if (condition === 'started') return 'ready';
  if (s.health === undefined) return { failed: 'it has no health check, so it can never be healthy' };
  if (s.health === 'healthy') return 'ready';
  if (s.health === 'unhealthy') return { failed: 'its health check failed (unhealthy)' };
  return 'wait';
}
