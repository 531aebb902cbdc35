// Scheduled drift (`prodlike drift --every 15m`, the app's per-profile setting): each schedule runs a
// drift check now and then every interval after the previous one started (never two at once), keeps
// its result in the run history (the engine records it, as any run), and sends a notice when the state
// changes: drift appears, goes away, or the machines cannot be checked. The list survives restarts.

import { readJson, writeFileAtomic } from '../state/atomic-file.js';
import type { DriftCheck, DriftNotice, DriftSchedule, DriftState } from '../../../shared/agent.js';
import { isDrift, type DriftReport, type RunResult } from '../../../shared/report.js';

export interface ScheduleSpec {
  file: string;
  profile: string;
  everyMs: number;
  against?: string;
}

export interface DriftSchedulerOptions {
  /** Runs one drift check of the profile (with the engine: start({kind: 'drift', …}).done). */
  check(spec: ScheduleSpec): Promise<RunResult | DriftReport>;
  notify(notice: DriftNotice): void;
  /** Where the list is kept (JSON); absent: in memory only. */
  file?: string;
  /** A failure to save the list, or a check that threw. */
  warn?(text: string): void;
}

export const MIN_EVERY_MS = 5_000;

/** "15m", "1h", "30s", "1d" → milliseconds; "off" → 0. Throws a message that says what is accepted. */
export function parseEvery(text: string): number {
  if (text === 'off' || text === '0') return 0;
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  if (!m) throw Object.assign(new Error(`--every ${text}: expected a duration like 30s, 15m, 1h or 1d, or off`), { hint: 'prodlike drift --every 15m <profile>' });
  const ms = Math.round(Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd']);
  if (ms < MIN_EVERY_MS) throw Object.assign(new Error(`--every ${text}: the shortest interval is ${MIN_EVERY_MS / 1000}s`), { hint: 'prodlike drift --every 15m <profile>' });
  return ms;
}

export function formatEvery(ms: number): string {
  for (const [unit, n] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % n === 0) return `${ms / n}${unit}`;
  return `${ms / 1000}s`;
}

/** What one check found. A result without findings is a run that failed before it could compare. */
export function checkOf(result: RunResult | DriftReport, at: string): DriftCheck {
  if (!('findings' in result)) return { runId: result.runId, at, state: 'error', drifted: 0, errors: 1 };
  const drifted = result.findings.filter((f) => isDrift(f.status)).length;
  const state: DriftState = result.errors.length ? 'error' : drifted ? 'drift' : 'in-sync';
  return { runId: result.runId, at, state, drifted, errors: result.errors.length };
}

/** The notice for a check, or none when nothing changed (a first check that is in sync says nothing). */
export function noticeFor(s: Pick<DriftSchedule, 'profile' | 'file' | 'against'>, previous: DriftState | undefined, check: DriftCheck): DriftNotice | undefined {
  if (previous === check.state || (previous === undefined && check.state === 'in-sync')) return undefined;
  const message =
    check.state === 'drift'
      ? `${s.profile} drifted: ${check.drifted} finding(s) differ from ${s.against ? 'the baseline' : 'its profile'}`
      : check.state === 'in-sync'
        ? `${s.profile} is back in sync${previous === 'error' ? ' (its machines can be checked again)' : ''}`
        : `${s.profile} could not be checked: ${check.errors} error(s)`;
  const n: DriftNotice = { type: 'drift-change', profile: s.profile, file: s.file, check, message };
  if (s.against) n.against = s.against;
  if (previous) n.previous = previous;
  return n;
}

const keyOf = (file: string, against?: string) => `${file}\0${against ?? ''}`;

interface Entry {
  schedule: DriftSchedule;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
}

export class DriftScheduler {
  private readonly entries = new Map<string, Entry>();
  private closed = false;
  private readonly noticeListeners = new Set<(n: DriftNotice) => void>();
  private readonly checkListeners = new Set<(s: DriftSchedule) => void>();

  constructor(private readonly opts: DriftSchedulerOptions) {}

  /** Notices as `notify` gets them, for more than one listener (the app's front ends). */
  onNotice(listener: (n: DriftNotice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /** After each check: the schedule with its new `last` and `nextAt` (a front end shows them). */
  onCheck(listener: (s: DriftSchedule) => void): () => void {
    this.checkListeners.add(listener);
    return () => this.checkListeners.delete(listener);
  }

  private tell<T>(listeners: Set<(x: T) => void>, x: T): void {
    for (const l of listeners) {
      try {
        l(x);
      } catch (err) {
        this.opts.warn?.(`a drift schedule listener failed: ${(err as Error).message}`);
      }
    }
  }

  list(): DriftSchedule[] {
    return [...this.entries.values()].map((e) => structuredClone(e.schedule));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Adds or replaces the schedule of this profile (and baseline); its first check starts now. */
  async set(spec: ScheduleSpec): Promise<DriftSchedule> {
    const key = keyOf(spec.file, spec.against);
    const old = this.entries.get(key);
    if (old?.timer) clearTimeout(old.timer);
    const schedule: DriftSchedule = { file: spec.file, profile: spec.profile, everyMs: spec.everyMs, nextAt: new Date().toISOString(), ...(spec.against ? { against: spec.against } : {}), ...(old?.schedule.last ? { last: old.schedule.last } : {}) };
    const entry: Entry = { schedule };
    this.entries.set(key, entry);
    await this.save();
    this.arm(key, entry, 0);
    return structuredClone(schedule);
  }

  /** Removes the profile's schedules (only the one against `against` when given). */
  async remove(file: string, against?: string): Promise<DriftSchedule[]> {
    const removed: DriftSchedule[] = [];
    for (const [key, e] of this.entries) {
      if (e.schedule.file !== file || (against !== undefined && e.schedule.against !== against)) continue;
      if (e.timer) clearTimeout(e.timer);
      this.entries.delete(key);
      removed.push(e.schedule);
    }
    if (removed.length) await this.save();
    return removed;
  }

  /** Loads the kept list; each schedule's next check keeps its time (or runs now if that has passed). */
  async load(): Promise<void> {
    if (!this.opts.file) return;
    const kept = await readJson<DriftSchedule[]>(this.opts.file, []);
    for (const s of Array.isArray(kept) ? kept : []) {
      if (typeof s?.file !== 'string' || !(s.everyMs >= MIN_EVERY_MS)) continue;
      const entry: Entry = { schedule: s };
      this.entries.set(keyOf(s.file, s.against), entry);
      this.arm(keyOf(s.file, s.against), entry, Math.max(0, Date.parse(s.nextAt) - Date.now() || 0));
    }
  }

  /** Stops the timers and waits for checks under way. */
  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.entries.values()) if (e.timer) clearTimeout(e.timer);
    await Promise.all([...this.entries.values()].map((e) => e.running));
  }

  private arm(key: string, entry: Entry, delayMs: number): void {
    if (this.closed) return;
    entry.schedule.nextAt = new Date(Date.now() + delayMs).toISOString();
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      entry.running = this.runOnce(key, entry).finally(() => (entry.running = undefined));
    }, delayMs);
  }

  private async runOnce(key: string, entry: Entry): Promise<void> {
    const started = Date.now();
    const s = entry.schedule;
    try {
      const result = await this.opts.check({ file: s.file, profile: s.profile, everyMs: s.everyMs, ...(s.against ? { against: s.against } : {}) });
      const check = checkOf(result, new Date(started).toISOString());
      if ('findings' in result && result.profile) s.profile = result.profile;
      const notice = noticeFor(s, s.last?.state, check);
      s.last = check;
      if (notice) {
        this.opts.notify(notice);
        this.tell(this.noticeListeners, notice);
      }
    } catch (err) {
      this.opts.warn?.(`scheduled drift of ${s.profile}: ${(err as Error).message}`);
    }
    // Removed or replaced while it ran: that schedule is gone, this one stops here.
    if (this.entries.get(key) !== entry) return;
    this.arm(key, entry, Math.max(0, started + s.everyMs - Date.now()));
    this.tell(this.checkListeners, structuredClone(s));
    await this.save();
  }

  private async save(): Promise<void> {
    if (!this.opts.file) return;
    try {
      await writeFileAtomic(this.opts.file, JSON.stringify(this.list(), null, 2));
    } catch (err) {
      this.opts.warn?.(`could not keep the drift schedules in ${this.opts.file}: ${(err as Error).message}`);
    }
  }
}
