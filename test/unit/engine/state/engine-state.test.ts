import { appendFile, mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../../shared/report.js';
import { AppState } from '../../../../electron/engine/state/engine-state.js';

const rec = (file: string, kind: RunRecord['kind'], ok = true): RunRecord => ({
  runId: Math.random().toString(36).slice(2),
  kind,
  profile: path.basename(file, '.yaml'),
  profileFile: file,
  ok,
  startedAt: new Date().toISOString(),
  durationMs: 5,
  summary: { ok: 1, changed: 0, pending: 0, failed: ok ? 0 : 1 },
});

describe('app state', () => {
  it('keeps the last result per profile and the history newest first', async () => {
    const s = new AppState(await mkdtemp(path.join(os.tmpdir(), 'pl-state-')));
    await s.recordRun(rec('/p/dev.yaml', 'up'));
    await s.recordRun(rec('/p/test.yaml', 'up'));
    await s.recordRun(rec('/p/dev.yaml', 'drift', false));
    expect((await s.lastRun('/p/dev.yaml'))?.kind).toBe('drift');
    expect((await s.history()).map((r) => r.kind)).toEqual(['drift', 'up', 'up']);
    expect((await s.history('/p/test.yaml')).length).toBe(1);
  });

  it('skips a torn last history line from a killed process', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pl-state-'));
    const s = new AppState(dir);
    await s.recordRun(rec('/p/dev.yaml', 'up'));
    await appendFile(path.join(dir, 'history.jsonl'), '{"runId":"x","kin');
    expect((await s.history()).length).toBe(1);
  });

  it('writes atomically: no temp files are left behind', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pl-state-'));
    const s = new AppState(dir);
    await s.setActiveProfile({ name: 'shop-dev', file: '/p/dev.yaml' });
    await s.setSettings({ dockerHost: 'unix:///var/run/docker.sock' });
    expect((await s.activeProfile())?.name).toBe('shop-dev');
    expect((await s.settings()).dockerHost).toBe('unix:///var/run/docker.sock');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
