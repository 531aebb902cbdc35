// Every run in full, kept in the data folder (runs/<runId>.json, written atomically at the run's end):
// the resources it changed (or would change, for a plan) with their diffs, machine errors, its whole
// log. Built from the run's events after the engine's redactor, so secrets are masked here as
// everywhere. Bounded: long logs keep their head and tail, long lines and diffs are cut, and only the
// newest RUNS_KEPT runs are kept. The list of runs stays in history.jsonl (app-state.ts).

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RunEvent } from '../../../shared/events.js';
import type { LogLine, RunDetail, RunResourceChange } from '../../../shared/history.js';
import type { ErrorInfo, RunRecord } from '../../../shared/report.js';
import { readJson, writeFileAtomic } from './atomic-file.js';

export const LOG_HEAD = 1000;
export const LOG_TAIL = 4000;
export const LINE_MAX = 2000;
export const DIFF_MAX = 64 * 1024;
export const RUNS_KEPT = 300;

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters)` : s);

/** Collects one run's events into its RunDetail, within the bounds. */
export class RunRecorder {
  private readonly head: LogLine[] = [];
  private tail: LogLine[] = [];
  private dropped = 0;
  private readonly resources = new Map<string, RunResourceChange>();
  private readonly machineErrors: { machine: string; error: ErrorInfo }[] = [];

  constructor(readonly record: RunRecord) {}

  add(e: RunEvent): void {
    switch (e.type) {
      case 'run-start':
        this.record.profile = e.profile;
        this.record.profileFile = e.profileFile;
        break;
      case 'log': {
        const at = e.at ?? new Date().toISOString();
        for (const text of e.text.replace(/\n$/, '').split('\n')) this.line({ at, ...(e.machine ? { machine: e.machine } : {}), stream: e.stream, text: cut(text, LINE_MAX) });
        break;
      }
      case 'resource': {
        const key = `${e.machine}\0${e.resource.id}`;
        if (e.status === 'ok') {
          this.resources.delete(key);
          break;
        }
        const changes = e.changes.map((c) => (c.diff && c.diff.length > DIFF_MAX ? { ...c, diff: cut(c.diff, DIFF_MAX) } : c));
        this.resources.set(key, { machine: e.machine, resource: e.resource, status: e.status, changes, ...(e.error ? { error: e.error } : {}) });
        break;
      }
      case 'machine':
        if (e.status === 'failed' && e.error) this.machineErrors.push({ machine: e.machine, error: e.error });
        break;
      case 'run-end':
        this.record.ok = e.ok;
        this.record.summary = e.summary;
        this.record.durationMs = e.durationMs;
        if (e.error) this.record.error = e.error;
        break;
      default:
        break;
    }
  }

  private line(l: LogLine): void {
    if (this.head.length < LOG_HEAD) {
      this.head.push(l);
      return;
    }
    this.tail.push(l);
    if (this.tail.length > LOG_TAIL * 2) {
      this.dropped += this.tail.length - LOG_TAIL;
      this.tail = this.tail.slice(-LOG_TAIL);
    }
  }

  detail(running: boolean): RunDetail {
    let tail = this.tail;
    let dropped = this.dropped;
    if (tail.length > LOG_TAIL) {
      dropped += tail.length - LOG_TAIL;
      tail = tail.slice(-LOG_TAIL);
    }
    const d: RunDetail = {
      record: running ? { ...this.record, durationMs: Date.now() - Date.parse(this.record.startedAt) } : this.record,
      resources: [...this.resources.values()],
      machineErrors: this.machineErrors,
      log: [...this.head, ...tail],
      logDropped: dropped,
    };
    if (running) d.running = true;
    if (this.record.kind === 'plan') d.planId = this.record.runId;
    return d;
  }
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,100}$/;

export class RunHistoryStore {
  constructor(private readonly dir: string) {}

  private file(runId: string): string {
    return path.join(this.dir, 'runs', `${runId}.json`);
  }

  async save(detail: RunDetail): Promise<void> {
    if (!SAFE_ID.test(detail.record.runId)) return;
    await writeFileAtomic(this.file(detail.record.runId), JSON.stringify(detail));
    await this.prune();
  }

  async get(runId: string): Promise<RunDetail | null> {
    if (!SAFE_ID.test(runId)) return null;
    return readJson<RunDetail | null>(this.file(runId), null);
  }

  /** Only the newest RUNS_KEPT runs' details stay (by the time they were written). */
  private async prune(): Promise<void> {
    const dir = path.join(this.dir, 'runs');
    const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
    if (names.length <= RUNS_KEPT) return;
    const stats = await Promise.all(names.map(async (n) => ({ n, t: (await fs.stat(path.join(dir, n)).catch(() => null))?.mtimeMs ?? 0 })));
    stats.sort((a, b) => b.t - a.t);
    await Promise.all(stats.slice(RUNS_KEPT).map((s) => fs.rm(path.join(dir, s.n), { force: true })));
  }
}
