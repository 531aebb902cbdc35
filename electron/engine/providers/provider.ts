// A provider manages machines' lifecycle: Docker creates containers, SSH connects to existing hosts.

import type { EventSink, MachinePhase } from '../../../shared/events.js';
import type { MachineSpec, Profile } from '../../../shared/profile.js';
import type { MachineState, MachineStatus } from '../../../shared/report.js';
import { toErrorInfo } from '../errors.js';
import type { ConnectGuard } from '../transport/address.js';
import type { RunCacheOptions } from '../cache/run-cache-options.js';
import type { Transport } from '../transport/transport.js';

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
}

export interface MachineProvider {
  /**
   * Makes the machines exist and run (in parallel) and returns a transport to each, or the error that
   * stopped it: one machine's failure does not stop the others. Emits `machine` events (image, provision).
   */
  up(profile: Profile, machines: MachineSpec[], ctx: RunContext): Promise<Map<string, Transport | Error>>;
  /** Stops the machines, keeping their data. */
  stop(profile: Profile, machines: MachineSpec[], ctx: RunContext): Promise<void>;
  /** Removes what the provider created for these machines (volumes only when asked). */
  destroy(profile: Profile, machines: MachineSpec[], opts: { volumes: boolean }, ctx: RunContext): Promise<void>;
  status(profile: Profile, machines: MachineSpec[]): Promise<MachineStatus[]>;
  /** Releases connections. */
  close(): Promise<void>;
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
