// What `up` does to one machine's container, decided from the container that exists and the desired
// config hash, as Docker Compose's plan does it: create, keep, start, or recreate with its cause. Pure:
// `up` carries the decision out, `use --plan` only reports it.

import { changedParts } from './config-hash.js';
import { LABEL_CONFIG_HASH, LABEL_CONFIG_PARTS } from './docker-labels.js';

export interface ExistingContainer {
  /** The engine's state: running, exited, paused, created, dead, removing, restarting. */
  State: string;
  Labels: Record<string, string>;
}

export type UpAction = { action: 'create' } | { action: 'keep' | 'start' } | { action: 'recreate'; reason: string };

export function upAction(current: ExistingContainer | undefined, desired: { hash: string; parts: Record<string, string> }): UpAction {
  if (!current) return { action: 'create' };
  if (current.Labels[LABEL_CONFIG_HASH] !== desired.hash) {
    const changed = changedParts(current.Labels[LABEL_CONFIG_PARTS], desired.parts);
    return { action: 'recreate', reason: changed.length ? `${changed.join(', ')} changed` : 'configuration changed' };
  }
  // A container that never started, or is being removed, cannot be reused.
  if (['created', 'dead', 'removing'].includes(current.State)) return { action: 'recreate', reason: `left ${current.State} by an interrupted run` };
  return { action: current.State === 'running' ? 'keep' : 'start' };
}
