// Machine states as they change (the engine's machine-state pushes: Docker events, including changes
// made outside Prodlike, and SSH reachability checks), laid over the last status read. The sidebar and
// the machines table both read a status through `withLiveStates`, so they cannot disagree.

import type { MachineStateChange } from '../../../shared/machines-live';
import type { ProfileStatus } from '../../../shared/report';
import { FrameBatcher, type Schedule } from './frame-batch';

const key = (profile: string, machine: string) => `${profile}\u0000${machine}`;

export class MachineStates {
  /** By profile file (and by profile name, for containers whose labels lack the file). */
  private readonly byFile = new Map<string, MachineStateChange>();
  private readonly byName = new Map<string, MachineStateChange>();
  readonly batch: FrameBatcher;

  constructor(schedule?: Schedule) {
    this.batch = new FrameBatcher(schedule);
  }

  apply(c: MachineStateChange): void {
    if (c.profileFile) this.byFile.set(key(c.profileFile, c.machine), c);
    this.byName.set(key(c.profile, c.machine), c);
    this.batch.changed();
  }

  latest(status: Pick<ProfileStatus, 'file' | 'profile'>, machine: string): MachineStateChange | undefined {
    return this.byFile.get(key(status.file, machine)) ?? this.byName.get(key(status.profile, machine));
  }
}

/** The status with each machine's state replaced by a change that came after the status was read. */
export function withLiveStates(status: ProfileStatus, readAt: number, live: MachineStates): ProfileStatus {
  let changed = false;
  const machines = status.machines.map((m) => {
    const c = live.latest(status, m.machine);
    if (!c || Date.parse(c.at) <= readAt) return m;
    changed = true;
    const error = c.error ?? (c.reason && c.state === 'unreachable' ? { name: 'Unreachable', message: c.reason } : undefined);
    const next = { ...m, state: c.state, ...(error ? { error } : {}) };
    if (!error) delete next.error;
    // Published ports go with the container: none while it is not running.
    if (c.state !== 'running') next.ports = [];
    return next;
  });
  return changed ? { ...status, machines } : status;
}
