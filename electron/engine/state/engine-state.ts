// The app's own state: active profile, settings, last result per profile, run history (JSON lines),
// last drift report per profile. Every write is atomic; history is append-only.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../../../shared/api.js';
import type { DriftReport, RunRecord } from '../../../shared/report.js';
import { readJson, writeFileAtomic } from './atomic-file.js';

interface StateFile {
  activeProfile?: { name: string; file: string };
  lastRuns: Record<string, RunRecord>;
  /** Per profile file: the last failed run that changes machines, until one of them succeeds. */
  lastFailures?: Record<string, RunRecord>;
}

/** The runs whose failure leaves a profile failed until one of them succeeds (not plan, drift, capture). */
const CHANGING_RUNS: ReadonlySet<RunRecord['kind']> = new Set<RunRecord['kind']>(['up', 'use', 'reconcile', 'down', 'destroy', 'bake']);

const DEFAULT_SETTINGS: Settings = { dockerHost: '', sshIdentity: '', profileFolders: [], cacheMaxGb: 20 };
const HISTORY_KEEP = 2000;

export class AppState {
  constructor(readonly dir: string) {}

  private get stateFile() {
    return path.join(this.dir, 'state.json');
  }
  private get historyFile() {
    return path.join(this.dir, 'history.jsonl');
  }
  private driftFile(profileFile: string) {
    const key = Buffer.from(profileFile).toString('base64url').slice(-120);
    return path.join(this.dir, 'drift', `${key}.json`);
  }

  private async read(): Promise<StateFile> {
    return readJson<StateFile>(this.stateFile, { lastRuns: {} });
  }

  async activeProfile(): Promise<StateFile['activeProfile']> {
    return (await this.read()).activeProfile;
  }

  async setActiveProfile(active: StateFile['activeProfile']): Promise<void> {
    const s = await this.read();
    // Every up sets it, mostly to what it was: no write (an fsync) for that.
    if (s.activeProfile?.file === active?.file && s.activeProfile?.name === active?.name) return;
    s.activeProfile = active;
    await writeFileAtomic(this.stateFile, JSON.stringify(s, null, 2));
  }

  async lastRun(profileFile: string): Promise<RunRecord | undefined> {
    return (await this.read()).lastRuns[profileFile];
  }

  async lastFailure(profileFile: string): Promise<RunRecord | undefined> {
    return (await this.read()).lastFailures?.[profileFile];
  }

  /** `last: false`: only into the history (a run refused before it touched anything leaves the status as it was). */
  async recordRun(rec: RunRecord, opts: { last?: boolean } = {}): Promise<void> {
    const s = await this.read();
    if (opts.last !== false) s.lastRuns[rec.profileFile] = rec;
    if (opts.last !== false && CHANGING_RUNS.has(rec.kind)) {
      s.lastFailures ??= {};
      if (rec.ok) delete s.lastFailures[rec.profileFile];
      else s.lastFailures[rec.profileFile] = rec;
    }
    await writeFileAtomic(this.stateFile, JSON.stringify(s, null, 2));
    await fs.mkdir(this.dir, { recursive: true });
    await fs.appendFile(this.historyFile, JSON.stringify(rec) + '\n', { mode: 0o600 });
  }

  async history(profileFile?: string, limit = 50): Promise<RunRecord[]> {
    let text: string;
    try {
      text = await fs.readFile(this.historyFile, 'utf8');
    } catch {
      return [];
    }
    const lines = text.split('\n').filter(Boolean);
    if (lines.length > HISTORY_KEEP * 2) {
      await writeFileAtomic(this.historyFile, lines.slice(-HISTORY_KEEP).join('\n') + '\n');
    }
    const out: RunRecord[] = [];
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      try {
        const rec = JSON.parse(lines[i]!) as RunRecord;
        if (!profileFile || rec.profileFile === profileFile) out.push(rec);
      } catch {
        // a torn last line from a killed process: skip it
      }
    }
    return out;
  }

  async saveDrift(report: DriftReport): Promise<void> {
    await writeFileAtomic(this.driftFile(report.profileFile), JSON.stringify(report));
  }

  async lastDrift(profileFile: string): Promise<DriftReport | null> {
    return readJson<DriftReport | null>(this.driftFile(profileFile), null);
  }

  async settings(): Promise<Settings> {
    const s = await readJson<Partial<Settings>>(path.join(this.dir, 'settings.json'), {});
    return { ...DEFAULT_SETTINGS, ...s };
  }

  async setSettings(patch: Partial<Settings>): Promise<Settings> {
    const next = { ...(await this.settings()), ...patch };
    await writeFileAtomic(path.join(this.dir, 'settings.json'), JSON.stringify(next, null, 2));
    return next;
  }
}
