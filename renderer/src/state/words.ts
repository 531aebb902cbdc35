// The words a person reads for what the engine reports: one spelling per state, no engine terms
// ("probe", "kept", "provision"). Every label the run panel, the tables and the announcements use
// comes from here, so they cannot disagree.

import type { MachinePhase } from '../../../shared/events';
import type { ResourceKindName } from '../../../shared/profile';
import type { MachineState, ResourceStatus, RunKind, RunRecord, RunSummary } from '../../../shared/report';

export const RUN_LABEL: Record<RunKind, string> = {
  up: 'Set up',
  plan: 'Plan',
  down: 'Stop',
  destroy: 'Destroy',
  use: 'Switch',
  drift: 'Drift check',
  capture: 'Capture baseline',
  reconcile: 'Reconcile',
  bake: 'Bake',
};

export const MACHINE_STATE_LABEL: Record<MachineState, string> = {
  running: 'running',
  stopped: 'stopped',
  'not-created': 'not created',
  unreachable: 'unreachable',
  unknown: 'unknown',
};

export const RESOURCE_STATUS_LABEL: Record<ResourceStatus, string> = {
  ok: 'up to date',
  changed: 'changed',
  pending: 'would change',
  failed: 'failed',
  skipped: 'skipped',
};

/** What a machine is doing while a phase runs, as a person would say it. */
const PHASE_DOING: Record<MachinePhase, string> = {
  image: 'getting the image',
  provision: 'starting',
  probe: 'checking its state',
  apply: 'applying changes',
  verify: 'confirming the changes',
  stop: 'stopping',
  remove: 'removing',
};

/** What a machine did when a phase ended. */
const PHASE_DONE: Record<MachinePhase, string> = {
  image: 'image ready',
  provision: 'started',
  probe: 'checked',
  apply: 'changes applied',
  verify: 'confirmed',
  stop: 'stopped',
  remove: 'removed',
};

/** The engine's details rephrased: an image "present", a container "kept". */
const DETAIL_WORDS: Record<string, string> = {
  present: 'image already here',
  pulled: 'image downloaded',
  built: 'image built',
  'up to date': 'image up to date',
  kept: 'already running, unchanged',
  started: 'started again',
  created: 'created',
};

export function detailWords(detail: string): string {
  if (DETAIL_WORDS[detail]) return DETAIL_WORDS[detail];
  // "kept from cache (...)", "created from cache (...)": the first word is the engine's.
  const m = /^(kept|started|created)( .*)$/.exec(detail);
  if (m) return `${DETAIL_WORDS[m[1]!]}${m[2]}`;
  return detail;
}

/** What one resource's apply step does, in words: "installing postgresql-15". */
export function resourceDoing(kind: ResourceKindName | string, name: string): string {
  switch (kind) {
    case 'package':
      return `installing ${name}`;
    case 'file':
      return `writing ${name}`;
    case 'directory':
      return `creating ${name}`;
    case 'line':
      return `editing ${name}`;
    case 'user':
      return `setting up user ${name}`;
    case 'group':
      return `setting up group ${name}`;
    case 'service':
      return `configuring service ${name}`;
    case 'command':
      return `running ${name}`;
    case 'env':
      return `setting ${name}`;
    default:
      return `${kind} ${name}`;
  }
}

export interface MachineStep {
  phase?: MachinePhase;
  status?: 'start' | 'done' | 'failed';
  detail?: string;
  /** The resource being applied now, when the engine is applying. */
  current?: { kind: string; name: string };
  /** A progress task ("pull debian:bookworm"), when one is running. */
  task?: string;
}

/** One line for a machine's row in the run panel. */
export function machineStepWords(s: MachineStep): string {
  if (!s.phase || !s.status) return 'waiting';
  if (s.status === 'failed') return `failed while ${PHASE_DOING[s.phase]}`;
  if (s.status === 'start') {
    if (s.task) return s.task;
    if (s.phase === 'apply' && s.current) return resourceDoing(s.current.kind, s.current.name);
    if (s.detail) return detailWords(s.detail);
    return PHASE_DOING[s.phase];
  }
  return s.detail ? detailWords(s.detail) : PHASE_DONE[s.phase];
}

/** "4.2 s", "1 min 05 s", "1 h 02 min". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (ms < 60_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function runStartWords(kind: RunKind, profile: string): string {
  return `${RUN_LABEL[kind] ?? kind} of ${profile} started`;
}

export function runEndWords(kind: RunKind, profile: string, ok: boolean, summary: RunSummary, durationMs: number): string {
  const parts = [
    summary.changed ? `${summary.changed} changed` : '',
    summary.pending ? `${summary.pending} would change` : '',
    summary.failed ? `${summary.failed} failed` : '',
  ].filter(Boolean);
  return `${RUN_LABEL[kind] ?? kind} of ${profile} ${ok ? 'succeeded' : 'failed'} in ${formatElapsed(durationMs)}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** "2 changed · 1 failed", "3 not in sync", "nothing to do". */
export function recordSummary(r: RunRecord): string {
  if (r.kind === 'drift') return r.drifted ? `${r.drifted} not in sync` : 'in sync';
  const s = r.summary;
  const parts = [
    s.changed ? `${s.changed} changed` : '',
    s.pending ? `${s.pending} would change` : '',
    s.failed ? `${s.failed} failed` : '',
    s.skipped ? `${s.skipped} skipped` : '',
  ].filter(Boolean);
  if (parts.length) return parts.join(' · ');
  if (!r.ok) return r.error ? r.error.message.split('\n')[0]!.slice(0, 120) : 'nothing applied';
  return s.ok ? `${s.ok} up to date` : 'done';
}
