// Results of runs and drift checks: what the CLI prints, the UI shows and `--json` emits.

import type { ResourceKindName, Role } from './profile.js';

/** One difference between desired and actual state, readable by a person and by a program. */
export interface Change {
  /** What differs: "content", "mode", "owner", "version", "state", "members", "run", ... */
  field: string;
  /** One line for a person: "mode 0644 → 0600", "install nginx 1.22.1-9". */
  summary: string;
  before?: string | null;
  after?: string | null;
  /** A unified diff, for file content. */
  diff?: string;
}

export type ResourceStatus = 'ok' | 'changed' | 'pending' | 'failed' | 'skipped';

export interface ResourceRef {
  id: string;
  kind: ResourceKindName;
  name: string;
}

export interface ResourceResult extends ResourceRef {
  status: ResourceStatus;
  changes: Change[];
  error?: ErrorInfo;
}

export type MachineState = 'running' | 'stopped' | 'not-created' | 'unreachable' | 'unknown';

export interface MachineResult {
  machine: string;
  provider: 'docker' | 'ssh' | 'vm';
  status: 'ok' | 'changed' | 'pending' | 'failed';
  resources: ResourceResult[];
  error?: ErrorInfo;
  durationMs: number;
}

/** Every kind of run, once: the API schema, the CLI and the engine take their lists from here. */
export const RUN_KINDS = ['up', 'plan', 'down', 'destroy', 'use', 'drift', 'capture', 'reconcile', 'bake'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
/** The runs that write to machines (refused on production). */
export const WRITING_RUNS: ReadonlySet<RunKind> = new Set<RunKind>(['up', 'use', 'reconcile', 'bake']);

export interface RunSummary {
  ok: number;
  changed: number;
  pending: number;
  failed: number;
  /** Not applied because an earlier resource of the machine failed (or the run was cancelled). */
  skipped?: number;
}

export interface RunResult {
  runId: string;
  kind: RunKind;
  profile: string;
  profileFile: string;
  ok: boolean;
  startedAt: string;
  durationMs: number;
  machines: MachineResult[];
  summary: RunSummary;
  error?: ErrorInfo;
}

/** An error as it crosses a boundary (IPC, HTTP, --json): never a stack unless asked for. */
export interface ErrorInfo {
  name: string;
  message: string;
  /** What to do about it, when we know. */
  hint?: string;
  /** Where: file:line:col, machine, resource. */
  where?: string;
  /** Extra structured detail (stderr of a failed command, a host key fingerprint, ...). */
  details?: Record<string, unknown>;
}

export interface MachineStatus {
  machine: string;
  provider: 'docker' | 'ssh' | 'vm';
  state: MachineState;
  /** Image for Docker machines, user@host:port for SSH ones. */
  target: string;
  ports: string[];
  containerId?: string;
  /** VM machines: the acceleration QEMU uses (kvm, hvf, whpx, tcg) and how to log in by hand. */
  accel?: string;
  sshCommand?: string;
  /** Remote (ssh://) engines: its published ports forwarded to this computer ("127.0.0.1:8080 → 127.0.0.1:8080 on ssh://me@box"). */
  forwarded?: string[];
  /** Why the machine is unreachable (SSH machines: the connect error). */
  error?: ErrorInfo;
}

export interface ProfileStatus {
  profile: string;
  file: string;
  role: Role;
  active: boolean;
  machines: MachineStatus[];
  lastRun?: RunRecord;
  /**
   * The last failed run that changes machines (up, use, reconcile, down, destroy, bake), when no such run
   * succeeded after it: the profile shows as failed until the next good one.
   */
  lastFailure?: RunRecord;
}

/**
 * One line of the run history (JSON lines in the data folder): a run's result without its machines.
 * `error` also says why a run never finished (the agent running it was killed); masked like the rest.
 */
export interface RunRecord extends Omit<RunResult, 'machines'> {
  /** For drift runs: how many findings were not in sync. */
  drifted?: number;
}

/** `not-checked`: deliberately not evaluated (a command's user guards on production); not drift. */
export type DriftStatus = 'in-sync' | 'drifted' | 'missing' | 'extra' | 'not-checked';

/** Whether a finding is drift (what exit code 2 and the counts mean). */
export const isDrift = (s: DriftStatus): boolean => s !== 'in-sync' && s !== 'not-checked';

/** What a drift finding is about: a resource, or (baseline drift) the machine's OS release. */
export type DriftSubject = ResourceRef | { id: 'os'; kind: 'os'; name: string };

export interface DriftFinding {
  machine: string;
  /** The production host compared against, for baseline drift. */
  against?: string;
  resource: DriftSubject;
  status: DriftStatus;
  expected?: string | null;
  actual?: string | null;
  changes: Change[];
}

export interface DriftReport {
  runId: string;
  profile: string;
  profileFile: string;
  /** "profile", or the baseline file compared against. */
  against: string;
  checkedAt: string;
  durationMs: number;
  findings: DriftFinding[];
  /** Machines that could not be checked, with why. */
  errors: { machine: string; error: ErrorInfo }[];
  inSync: boolean;
}
