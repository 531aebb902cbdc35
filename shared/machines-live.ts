// Live machine state for the front ends: Docker's event stream (start, stop, die, destroy — also
// changes made outside Prodlike) and a light reachability check of SSH machines of the profiles on
// screen, pushed as `machine-state`. Plus what a machine offers beyond its state: container logs,
// restart, shell sessions that survive a tab change.

import type { ErrorInfo, MachineState } from './report.js';

/** Pushed when a machine's state changes (and once for each machine when a watch starts). */
export interface MachineStateChange {
  /** Profile name and file, from the container's labels (`file` may be absent on old containers). */
  profile: string;
  profileFile?: string;
  machine: string;
  state: MachineState;
  /** Why unreachable (SSH), or how it stopped ("exited with code 137"). */
  reason?: string;
  error?: ErrorInfo;
  /** The Docker event or check behind it: "start", "stop", "die", "destroy", "create", "check". */
  cause: string;
  /** ISO time. */
  at: string;
}

export interface StatusWatchRequest {
  /** The profile on screen: its SSH machines get a reachability check every `SSH_CHECK_MS`. */
  file: string;
  /** Renew this watch (returned by an earlier call); a watch not renewed for `WATCH_LEASE_MS` ends. */
  watchId?: string;
}

/** Every this long, the engine checks SSH machines of watched profiles (a TCP connect + SSH banner). */
export const SSH_CHECK_MS = 10_000;
/** A watch ends if not renewed within this time (a closed tab stops costing anything). */
export const WATCH_LEASE_MS = 60_000;

export interface ShellInfo {
  shellId: string;
  file: string;
  machine: string;
  startedAt: string;
  cols: number;
  rows: number;
}

/** What re-attaching to a shell gives: the recent output to repaint the terminal (up to 64 KiB). */
export interface ShellAttach {
  shell: ShellInfo;
  backlog: string;
}

export interface MachineLogsRequest {
  file: string;
  machine: string;
  /** Keep streaming new lines (pushed as `machine-logs`) until `machines:logs-stop`. */
  follow: boolean;
  /** Lines of the past to include first (default 200). */
  tail?: number;
}
