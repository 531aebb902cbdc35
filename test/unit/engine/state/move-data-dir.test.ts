import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppState } from '../../../../electron/engine/state/engine-state.js';
import { MOVED_NOTE, moveOldDataDir } from '../../../../electron/engine/state/move-data-dir.js';
import { oldAppDataDir } from '../../../../electron/engine/state/data-dir.js';

function folders() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pl-move-'));
  const from = path.join(root, 'config', 'Prodlike');
  const to = path.join(root, 'share', 'prodlike');
  mkdirSync(from, { recursive: true });
  return { from, to };
}
const put = (dir: string, rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
};
const rec = (runId: string, startedAt: string) => JSON.stringify({ runId, kind: 'up', profile: 'p', profileFile: '/p.yaml', ok: true, startedAt, durationMs: 1, summary: { ok: 0, changed: 0, pending: 0, failed: 0 } });

describe('moveOldDataDir (the app\'s old folder into the one the CLI uses)', () => {
  it("moves Prodlike's files into an empty shared folder and leaves Electron's own alone", async () => {
    const { from, to } = folders();
    put(from, 'state.json', '{"lastRuns":{},"activeProfile":{"name":"a","file":"/a.yaml"}}');
    put(from, 'history.jsonl', rec('r1', '2026-01-01T00:00:00Z') + '\n');
    put(from, 'runs/r1.json', '{}');
    put(from, 'trusted-host-keys.json', '[]');
    put(from, 'Local Storage/leveldb/x', 'chromium');
    put(from, 'Preferences', '{}');
    const moved = await moveOldDataDir(from, to);
    expect(moved?.moved.sort()).toEqual(['history.jsonl', 'runs', 'state.json', 'trusted-host-keys.json']);
    expect(moved?.kept).toEqual([]);
    expect((await new AppState(to).activeProfile())?.name).toBe('a');
    expect((await new AppState(to).history()).map((r) => r.runId)).toEqual(['r1']);
    expect(existsSync(path.join(to, 'runs', 'r1.json'))).toBe(true);
    expect(readdirSync(from).sort()).toEqual(['Local Storage', MOVED_NOTE, 'Preferences']);
  });

  it('merges the two run histories by start time; what both folders have stays in the old one (the shared one wins)', async () => {
    const { from, to } = folders();
    put(from, 'history.jsonl', [rec('app-1', '2026-01-01T00:00:00Z'), rec('app-3', '2026-01-03T00:00:00Z')].join('\n') + '\n');
    put(to, 'history.jsonl', [rec('cli-2', '2026-01-02T00:00:00Z'), rec('cli-4', '2026-01-04T00:00:00Z')].join('\n') + '\n');
    put(from, 'settings.json', '{"cacheMaxGb":1}');
    put(to, 'settings.json', '{"cacheMaxGb":7}');
    put(from, 'runs/app-1.json', '{}');
    put(from, 'runs/same.json', '{"from":"app"}');
    put(to, 'runs/same.json', '{"from":"cli"}');
    const moved = await moveOldDataDir(from, to);
    expect(moved?.merged).toEqual(['history.jsonl']);
    expect(moved?.moved).toEqual([path.join('runs', 'app-1.json')]);
    expect(moved?.kept.sort()).toEqual([path.join('runs', 'same.json'), 'settings.json']);
    // Newest first, as the history reads.
    expect((await new AppState(to).history()).map((r) => r.runId)).toEqual(['cli-4', 'app-3', 'cli-2', 'app-1']);
    expect((await new AppState(to).settings()).cacheMaxGb).toBe(7);
    expect(readFileSync(path.join(to, 'runs', 'same.json'), 'utf8')).toContain('cli');
    expect(readFileSync(path.join(from, 'settings.json'), 'utf8')).toContain('1');
    const note = readFileSync(path.join(from, MOVED_NOTE), 'utf8');
    expect(note).toContain(to);
    expect(note).toContain('settings.json');
    expect(existsSync(path.join(from, 'history.jsonl'))).toBe(false);
  });

  it('happens once: the note says it is done, and a later file in the old folder is not moved', async () => {
    const { from, to } = folders();
    put(from, 'state.json', '{"lastRuns":{}}');
    expect(await moveOldDataDir(from, to)).toBeDefined();
    put(from, 'history.jsonl', rec('late', '2026-01-01T00:00:00Z') + '\n');
    expect(await moveOldDataDir(from, to)).toBeUndefined();
    expect(existsSync(path.join(to, 'history.jsonl'))).toBe(false);
  });

  it('does nothing when the folders are one (macOS, Windows) or the old one has no Prodlike state', async () => {
    const { from, to } = folders();
    put(from, 'Preferences', '{}');
    expect(await moveOldDataDir(from, to)).toBeUndefined();
    expect(existsSync(path.join(from, MOVED_NOTE))).toBe(false);
    put(from, 'state.json', '{"lastRuns":{}}');
    expect(await moveOldDataDir(from, from + '/')).toBeUndefined();
    expect(existsSync(path.join(from, 'state.json'))).toBe(true);
  });
});

describe('oldAppDataDir', () => {
  it.runIf(process.platform === 'linux')("is Electron's userData for Prodlike on Linux: $XDG_CONFIG_HOME/Prodlike, else ~/.config/Prodlike", () => {
    expect(oldAppDataDir({ XDG_CONFIG_HOME: '/c' })).toBe('/c/Prodlike');
    expect(oldAppDataDir({})).toBe(path.join(os.homedir(), '.config', 'Prodlike'));
  });
});
