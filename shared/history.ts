// The run history: every run kept under the data folder (kind, profile, when, how long, result, the
// resources it changed with their diffs, its full log), bounded in size, secrets masked. It survives
// restarts; `runs:history` lists records, `runs:get` returns one run in full; `prodlike history` and
// `prodlike logs <run>` print the same.

import type { RunRecord, ResourceRef, Change, ErrorInfo, ResourceStatus } from './report.js';

/** One line of a run's log, as it was emitted (a `log` event split into its lines). */
export interface LogLine {
  /** ISO time. */
  at: string;
  machine?: string;
  stream: 'stdout' | 'stderr' | 'info' | 'warn';
  text: string;
}

/** A resource a run changed (or failed to change, or would change: plan), with its diffs. */
export interface RunResourceChange {
  machine: string;
  resource: ResourceRef;
  status: ResourceStatus;
  changes: Change[];
  error?: ErrorInfo;
}

/** One run in full. Also available while it runs (`running: true`; record fields so far). */
export interface RunDetail {
  record: RunRecord;
  running?: boolean;
  /** Resources whose status was not `ok`: changed, pending (plan), failed, skipped. */
  resources: RunResourceChange[];
  /** Machine-level errors (could not be created, reached, probed). */
  machineErrors: { machine: string; error: ErrorInfo }[];
  log: LogLine[];
  /** Lines left out to keep the history bounded (the first and last lines are kept). */
  logDropped: number;
  /** Plan runs: the plan's id for `runs:start { kind: 'up', planId }` ("apply this plan"). */
  planId?: string;
}
