// Live state of runs, built only from the event stream (the same events the CLI prints). Events are
// applied as they arrive (cheap, in place); views are told once per frame.

import type { ApiPush, RunDetail } from '../../../shared/api';
import type { MachinePhase, RunEvent } from '../../../shared/events';
import type { Change, DriftFinding, ErrorInfo, MachineState, ResourceRef, ResourceStatus, RunKind, RunRecord } from '../../../shared/report';
import { FrameBatcher, type Schedule } from './frame-batch';
import { LogBuffer } from './log-buffer';

export interface MachineView {
  name: string;
  phase?: MachinePhase;
  status?: 'start' | 'done' | 'failed';
  detail?: string;
  state?: MachineState;
  error?: ErrorInfo;
  /** When its first event and its failure arrived (ms since the epoch, this page's clock). */
  startedAt?: number;
  failedAt?: number;
  /** When its latest machine or resource event arrived: its end, once it has finished. */
  lastAt?: number;
}

export interface ResourceView {
  machine: string;
  ref: ResourceRef;
  status: ResourceStatus;
  changes: Change[];
  error?: ErrorInfo;
  durationMs?: number;
}

export type RunEnd = Extract<RunEvent, { type: 'run-end' }>;

export interface RunView {
  runId: string;
  kind: RunKind;
  profile: string;
  profileFile: string;
  startedAt: string;
  /** When this page heard of the run (ms since the epoch), for elapsed times. */
  startedMs: number;
  endedMs?: number;
  machines: Map<string, MachineView>;
  /** Keyed by `${machine}\u0000${resource id}`. */
  resources: Map<string, ResourceView>;
  findings: DriftFinding[];
  /** By machine; `phase` set means current/total count the machine's resources (else bytes of a pull). */
  progress: Map<string, { task: string; current?: number; total?: number; phase?: MachinePhase }>;
  log: LogBuffer;
  end?: RunEnd;
}

const KEEP_RUNS = 20;
/** Events kept for a run this page has not seen start (until `adoptRunning` or the cap). */
const KEEP_ORPHAN_EVENTS = 20_000;
const KEEP_ORPHAN_RUNS = 5;

export function resourceKey(machine: string, id: string): string {
  return `${machine}\u0000${id}`;
}

export class RunStore {
  readonly runs = new Map<string, RunView>();
  /** profile file → its newest run. */
  private readonly latest = new Map<string, string>();
  /** profile file → its newest drift run. */
  private readonly latestDrift = new Map<string, string>();
  private readonly endListeners = new Set<(end: RunEnd, run: RunView) => void>();
  private readonly startListeners = new Set<(run: RunView) => void>();
  /** Events of runs that started before this page loaded, kept until the run is adopted. */
  private readonly orphans = new Map<string, RunEvent[]>();
  readonly batch: FrameBatcher;

  constructor(schedule?: Schedule) {
    this.batch = new FrameBatcher(schedule);
  }

  /** Feed every push here; non-run pushes are ignored. */
  onPush = (push: ApiPush): void => {
    if (push.type === 'run-event') this.apply(push.event);
  };

  latestRun(file: string): RunView | undefined {
    const id = this.latest.get(file);
    return id ? this.runs.get(id) : undefined;
  }

  /** The runs of a profile this page saw end, as records, newest first. */
  endedRecords(file: string): RunRecord[] {
    const out: RunRecord[] = [];
    for (const run of this.runs.values()) {
      const rec = run.profileFile === file ? recordOf(run) : undefined;
      if (rec) out.unshift(rec);
    }
    return out;
  }

  latestDriftRun(file: string): RunView | undefined {
    const id = this.latestDrift.get(file);
    return id ? this.runs.get(id) : undefined;
  }

  /** Each resource's result in the newest run of a profile that touched it (drift checks aside),
   *  keyed by resourceKey(machine, id). */
  lastResults(file: string): Map<string, ResourceView> {
    const out = new Map<string, ResourceView>();
    // Runs are kept in start order, so later runs overwrite earlier ones.
    for (const run of this.runs.values()) {
      if (run.profileFile !== file || run.kind === 'drift') continue;
      for (const [k, v] of run.resources) out.set(k, v);
    }
    return out;
  }

  /** Called at once (not batched) when a run ends: to refresh statuses, notify, chain a check. */
  onRunEnd(l: (end: RunEnd, run: RunView) => void): () => void {
    this.endListeners.add(l);
    return () => this.endListeners.delete(l);
  }

  /** Called at once when a run starts (to announce it). */
  onRunStart(l: (run: RunView) => void): () => void {
    this.startListeners.add(l);
    return () => this.startListeners.delete(l);
  }

  apply(e: RunEvent): void {
    if (e.type === 'run-start') {
      const run: RunView = {
        runId: e.runId,
        kind: e.kind,
        profile: e.profile,
        profileFile: e.profileFile,
        startedAt: e.at,
        startedMs: Date.now(),
        machines: new Map(e.machines.map((m) => [m, { name: m }])),
        resources: new Map(),
        findings: [],
        progress: new Map(),
        log: new LogBuffer(),
      };
      this.runs.set(e.runId, run);
      this.latest.set(e.profileFile, e.runId);
      if (e.kind === 'drift') this.latestDrift.set(e.profileFile, e.runId);
      this.trim();
      for (const l of this.startListeners) l(run);
      this.batch.changed();
      return;
    }
    const run = this.runs.get(e.runId);
    if (!run) {
      // A run that started before this page loaded: kept until adoptRunning takes it (runs:active).
      this.keepOrphan(e);
      return;
    }
    switch (e.type) {
      case 'machine': {
        const m = run.machines.get(e.machine) ?? { name: e.machine };
        m.phase = e.phase;
        m.status = e.status;
        if (e.detail !== undefined) m.detail = e.detail;
        if (e.state !== undefined) m.state = e.state;
        m.error = e.error;
        m.startedAt ??= Date.now();
        m.lastAt = Date.now();
        if (e.status === 'failed') m.failedAt ??= Date.now();
        run.machines.set(e.machine, m);
        if (e.status !== 'start') run.progress.delete(e.machine);
        break;
      }
      case 'resource': {
        const m = run.machines.get(e.machine);
        if (m) m.lastAt = Date.now();
        run.resources.set(resourceKey(e.machine, e.resource.id), {
          machine: e.machine,
          ref: e.resource,
          status: e.status,
          changes: e.changes,
          error: e.error,
          durationMs: e.durationMs,
        });
        break;
      }
      case 'drift':
        run.findings.push(e.finding);
        break;
      case 'log':
        run.log.append(e.text, e.stream, e.machine, e.at ? Date.parse(e.at) : Date.now());
        break;
      case 'progress':
        run.progress.set(e.machine ?? '', { task: e.task, current: e.current, total: e.total, ...(e.phase ? { phase: e.phase } : {}) });
        break;
      case 'run-end':
        run.end = e;
        run.endedMs = Date.now();
        run.progress.clear();
        for (const l of this.endListeners) l(e, run);
        break;
    }
    this.batch.changed();
  }

  /**
   * A run going on when the page loaded (runs:active, then runs:get): its panel is built from what the
   * engine kept so far, then the events that arrived meanwhile are applied (log lines the snapshot
   * already has are skipped by their time).
   */
  adoptRunning(detail: RunDetail, machines: string[]): void {
    const rec = detail.record;
    if (this.runs.has(rec.runId) || !detail.running) return;
    const buffered = this.orphans.get(rec.runId) ?? [];
    this.orphans.delete(rec.runId);
    this.apply({ type: 'run-start', runId: rec.runId, kind: rec.kind, profile: rec.profile, profileFile: rec.profileFile, machines, at: rec.startedAt });
    const run = this.runs.get(rec.runId)!;
    run.startedMs = Date.parse(rec.startedAt) || run.startedMs;
    let lastAt = -Infinity;
    for (const l of detail.log) {
      const at = Date.parse(l.at);
      run.log.append(l.text, l.stream, l.machine, at);
      if (at > lastAt) lastAt = at;
    }
    for (const r of detail.resources) {
      run.resources.set(resourceKey(r.machine, r.resource.id), { machine: r.machine, ref: r.resource, status: r.status, changes: r.changes, ...(r.error ? { error: r.error } : {}) });
    }
    for (const { machine, error } of detail.machineErrors) {
      const m = run.machines.get(machine) ?? { name: machine };
      m.error = error;
      m.status = 'failed';
      run.machines.set(machine, m);
    }
    for (const e of buffered) {
      if (e.type === 'log' && e.at && Date.parse(e.at) <= lastAt) continue;
      this.apply(e);
    }
    this.batch.changed();
  }

  private keepOrphan(e: RunEvent): void {
    let list = this.orphans.get(e.runId);
    if (!list) {
      if (this.orphans.size >= KEEP_ORPHAN_RUNS) this.orphans.delete(this.orphans.keys().next().value as string);
      list = [];
      this.orphans.set(e.runId, list);
    }
    if (e.type === 'run-end') {
      // Ended before it was adopted: nothing to pick up.
      this.orphans.delete(e.runId);
      return;
    }
    if (list.length < KEEP_ORPHAN_EVENTS) list.push(e);
  }

  private trim(): void {
    if (this.runs.size <= KEEP_RUNS) return;
    const keep = new Set([...this.latest.values(), ...this.latestDrift.values()]);
    for (const id of this.runs.keys()) {
      if (this.runs.size <= KEEP_RUNS) break;
      if (!keep.has(id)) this.runs.delete(id);
    }
  }
}

/** An ended run as a history record (what the engine records when it ends). */
export function recordOf(run: RunView): RunRecord | undefined {
  if (!run.end) return undefined;
  const rec: RunRecord = { runId: run.runId, kind: run.kind, profile: run.profile, profileFile: run.profileFile, ok: run.end.ok, startedAt: run.startedAt, durationMs: run.end.durationMs, summary: run.end.summary };
  if (run.kind === 'drift') rec.drifted = run.findings.filter((f) => f.status !== 'in-sync' && f.status !== 'not-checked').length;
  if (run.end.error) rec.error = run.end.error;
  return rec;
}

/**
 * The engine's history with the runs this page saw end that it does not list yet (the engine writes its
 * record just after the run's end event, so a list read at that moment can miss it), newest first.
 */
export function withRecentRuns(history: readonly RunRecord[], seen: readonly RunRecord[]): RunRecord[] {
  const known = new Set(history.map((r) => r.runId));
  const extra = seen.filter((r) => !known.has(r.runId));
  if (extra.length === 0) return history as RunRecord[];
  return [...extra, ...history].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
}
