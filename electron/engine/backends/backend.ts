// A machine backend: one folder each (docker/, ssh/, vm/), one interface here. A backend owns its
// machines' lifecycle (Docker creates containers, SSH connects to existing hosts, VM boots QEMU), hands
// out a Transport to run commands on them, and opens interactive shells. How its machines are written in
// a profile is its schema; what `up` will do is its pure plan (docker/plan.ts, vm/vm-plan.ts).

import type { EventSink, MachinePhase } from '../../../shared/events.js';
import type { MachineSpec, Profile } from '../../../shared/profile.js';
import type { MachineState, MachineStatus } from '../../../shared/report.js';
import { ProdlikeError, toErrorInfo } from '../errors.js';
import type { ConnectGuard } from './ssh/address.js';
import type { RunCacheOptions } from '../cache/run-cache-options.js';
import type { Transport } from '../transport.js';
import type { ShellCallbacks, ShellSession } from './shell.js';

export type { ShellCallbacks, ShellSession };

export interface RunContext {
  /**
   * Machines a run must treat as production (read-only runs: plan, drift): on them nothing runs but
   * Prodlike's own read-only probe. Set by the engine from the production guard's sources.
   */
  productionMachines?: ReadonlySet<string>;
  runId: string;
  emit: EventSink;
  signal?: AbortSignal;
  /** Set for runs that write: the production guard, run on each SSH connection's resolved address. */
  connectGuard?: ConnectGuard;
  /** `up`: how the environment cache is used (absent: not at all). */
  cache?: RunCacheOptions;
  /**
   * Stop and destroy: shell text that stops these services cleanly before their container stops or is
   * removed (the service kind's; set by the runner, so that backends do not import resources).
   */
  stopServices?: (names: readonly string[]) => string;
}

/** One machine as a backend hands it back: a transport to run commands on it, or why there is none. */
export type Reached = { machine: string; transport: Transport; error?: undefined } | { machine: string; transport?: undefined; error: Error };

/**
 * The machines of one `up` or attach, by name. `reach` is the one place that turns "no entry" and "an
 * error" into a reason, so every caller reports an unreachable machine the same way.
 */
export class ReachedMachines extends Map<string, Transport | Error> {
  reach(machine: string): Reached {
    return reachedOf(machine, this.get(machine));
  }
}

/** One machine's outcome as a Reached: no outcome at all is a machine that was not brought up. */
export function reachedOf(machine: string, t: Transport | Error | undefined): Reached {
  if (t === undefined) return { machine, error: new ProdlikeError(`machine ${machine} was not brought up`, { where: machine }) };
  return t instanceof Error ? { machine, error: t } : { machine, transport: t };
}

/**
 * Told of each machine as soon as its backend has brought it up (or failed to), before the others are
 * done: the runner starts converging it at once.
 */
export type OnReached = (machine: string, reached: Transport | Error) => void;

export interface MachineProvider {
  /**
   * Makes the machines exist and run (in parallel) and returns a transport to each, or the error that
   * stopped it: one machine's failure does not stop the others. Emits `machine` events (image, provision).
   * Tells `onReached` of each machine the moment it is up or has failed, without waiting for the others.
   */
  up(profile: Profile, machines: MachineSpec[], ctx: RunContext, onReached?: OnReached): Promise<Map<string, Transport | Error>>;
  /** Stops the machines, keeping their data. */
  stop(profile: Profile, machines: MachineSpec[], ctx: RunContext): Promise<void>;
  /** Removes what the provider created for these machines (volumes only when asked). */
  destroy(profile: Profile, machines: MachineSpec[], opts: { volumes: boolean }, ctx: RunContext): Promise<void>;
  /**
   * Transports to machines that exist and run now, creating or starting nothing (plan, drift, reconcile).
   * A machine that is not running maps to an Error that says so.
   */
  attach(profile: Profile, machines: MachineSpec[], ctx: RunContext): Promise<Map<string, Transport | Error>>;
  status(profile: Profile, machines: MachineSpec[]): Promise<MachineStatus[]>;
  /** An interactive shell on a running machine (the app's terminal); its connection is the shell's own. */
  openShell(profile: Profile, machine: MachineSpec, size: { cols: number; rows: number }, cb: ShellCallbacks): Promise<ShellSession>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** One snapshot of a profile's environment: the machines (and volumes) it holds. */
export interface SnapshotInfo {
  name: string;
  profile: string;
  savedAt: string;
  machines: string[];
  volumes: string[];
  sizeBytes: number;
}

/** A checked restore of one backend's part of a snapshot: puts it back, and says what it put back. */
export type RestoreStep = () => Promise<SnapshotInfo | undefined>;

/**
 * What a restore needs of the runner (a backend names no resource kind): the shell text that starts
 * services, and the line it writes on its stderr for one that did not start.
 */
export interface RestoreOptions {
  startServices?: { script: (services: readonly { name: string; ready?: string }[]) => string; didNotStart: (name: string) => string };
}

/**
 * A backend whose machines can be saved and put back (`prodlike snapshot`); the command iterates the
 * profile's backends (runner/snapshot.ts). Each method gets only that backend's machines and answers
 * undefined when none of them is concerned.
 */
export interface SnapshotBackend {
  /** Throws before anything is saved when one of the machines cannot be, naming it and what to do. */
  snapshotCheck(profile: Profile, machines: MachineSpec[], name: string): Promise<void>;
  snapshotSave(profile: Profile, machines: MachineSpec[], name: string, log: (text: string) => void): Promise<SnapshotInfo | undefined>;
  /**
   * Checks that this backend's part of snapshot `name` can be put back, and refuses (nothing changed)
   * when it cannot; answers the restore itself, to run once every backend has checked its part. A
   * machine put back running has its processes back: a container's services are started with `opts`.
   */
  snapshotPrepareRestore(profile: Profile, machines: MachineSpec[], name: string, log: (text: string) => void, opts?: RestoreOptions): Promise<RestoreStep | undefined>;
  snapshotList(profile: Profile, machines: MachineSpec[]): Promise<SnapshotInfo[]>;
  snapshotRemove(profile: Profile, machines: MachineSpec[], name: string): Promise<SnapshotInfo | undefined>;
}

export function canSnapshot(p: MachineProvider): p is MachineProvider & SnapshotBackend {
  return typeof (p as Partial<SnapshotBackend>).snapshotSave === 'function';
}

/** A `machine` event, as every backend reports its lifecycle phases. */
export function emitMachine(ctx: RunContext, machine: string, phase: MachinePhase, status: 'start' | 'done' | 'failed', detail?: string, error?: Error, state?: MachineState): void {
  ctx.emit({
    type: 'machine',
    runId: ctx.runId,
    machine,
    phase,
    status,
    ...(detail ? { detail } : {}),
    ...(state ? { state } : {}),
    ...(error ? { error: toErrorInfo(error) } : {}),
  });
}
