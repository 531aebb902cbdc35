// The background agent's contract: scheduled drift and its notices. The CLI (`prodlike drift --every`)
// and the app (a per-profile setting) both use it; the engine's DriftScheduler implements it.

/** One profile checked for drift on a schedule, against its profile or a production baseline. */
export interface DriftSchedule {
  /** The profile file (absolute). */
  file: string;
  profile: string;
  everyMs: number;
  /** A baseline file (absolute); absent: against the profile itself. */
  against?: string;
  /** When the next check starts (ISO). */
  nextAt: string;
  last?: DriftCheck;
}

/** What a scheduled check found. `error`: a machine could not be checked (the run's errors say why). */
export type DriftState = 'in-sync' | 'drift' | 'error';

export interface DriftCheck {
  runId: string;
  at: string;
  state: DriftState;
  /** Findings not in sync. */
  drifted: number;
  errors: number;
}

/** Sent when a scheduled check's state differs from the previous one's (drift appears or goes away). */
export interface DriftNotice {
  type: 'drift-change';
  profile: string;
  file: string;
  against?: string;
  /** Absent on the first check of a schedule. */
  previous?: DriftState;
  check: DriftCheck;
  /** One line for a notification: "shop-dev drifted: 3 finding(s)". */
  message: string;
}
