// One data folder for the app and the CLI (data-dir.ts). Until issue 14 the desktop app kept its state in
// Electron's userData folder (~/.config/Prodlike on Linux; the same folder as the CLI's on macOS and
// Windows). Once, the app moves Prodlike's own files from there into the shared folder: what the shared
// folder lacks is moved, the two run histories are merged, and what both have stays where it was (the
// shared folder's wins), named in a note left in the old folder, whose presence also says "done".

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

/** Prodlike's files in a data folder; Electron's own (Cache, Local Storage, …) are left alone. */
const ENTRIES = ['state.json', 'settings.json', 'history.jsonl', 'runs', 'drift', 'trusted-host-keys.json', 'allowed-profiles.json', 'production-hosts.json', 'drift-schedules.json', 'vms', 'vm-images', 'forwards'];
/** Folders whose entries are moved one by one when the shared folder has the folder already. */
const MERGED_FOLDERS = new Set(['runs', 'drift', 'vms', 'forwards', 'vm-images']);

export const MOVED_NOTE = 'MOVED-TO-SHARED-DATA-FOLDER.txt';

export interface DataDirMove {
  from: string;
  to: string;
  /** Paths relative to the folders: moved, merged (history), kept in the old folder (both had one). */
  moved: string[];
  merged: string[];
  kept: string[];
}

const exists = (p: string) => fs.lstat(p).then(() => true, () => false);

async function move(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
  try {
    await fs.rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    // Another file system: copy, then remove.
    await fs.cp(from, to, { recursive: true, preserveTimestamps: true, errorOnExist: true, force: false });
    await fs.rm(from, { recursive: true, force: true });
  }
}

/** Both histories in one, oldest first (the history is read from its end). */
async function mergeHistory(from: string, to: string): Promise<void> {
  const lines = async (f: string) => (await fs.readFile(f, 'utf8')).split('\n').filter((l) => l.trim());
  const startedAt = (l: string) => {
    try {
      return String((JSON.parse(l) as { startedAt?: unknown }).startedAt ?? '');
    } catch {
      return '';
    }
  };
  const all = [...(await lines(from)), ...(await lines(to))].map((l, i) => ({ l, i, t: startedAt(l) }));
  // Torn lines (no startedAt) keep their place relative to their neighbours; the sort is stable.
  all.sort((a, b) => (a.t && b.t ? a.t.localeCompare(b.t) : 0) || a.i - b.i);
  await writeFileAtomic(to, all.map((x) => x.l).join('\n') + '\n');
  await fs.rm(from, { force: true });
}

/**
 * Moves Prodlike's state from `from` (the app's old folder) into `to`, once. Undefined when there is
 * nothing to do: the same folder, no old state, or moved before.
 */
export async function moveOldDataDir(from: string, to: string): Promise<DataDirMove | undefined> {
  if (path.resolve(from) === path.resolve(to)) return undefined;
  if (await exists(path.join(from, MOVED_NOTE))) return undefined;
  const present = (await Promise.all(ENTRIES.map(async (e) => ((await exists(path.join(from, e))) ? e : undefined)))).filter((e): e is string => !!e);
  if (!present.length) return undefined;
  const result: DataDirMove = { from, to, moved: [], merged: [], kept: [] };
  await fs.mkdir(to, { recursive: true, mode: 0o700 });
  for (const e of present) {
    const src = path.join(from, e);
    const dst = path.join(to, e);
    if (!(await exists(dst))) {
      await move(src, dst);
      result.moved.push(e);
    } else if (e === 'history.jsonl') {
      await mergeHistory(src, dst);
      result.merged.push(e);
    } else if (MERGED_FOLDERS.has(e) && (await fs.lstat(src)).isDirectory()) {
      for (const child of await fs.readdir(src)) {
        const rel = path.join(e, child);
        if (await exists(path.join(to, rel))) result.kept.push(rel);
        else {
          await move(path.join(src, child), path.join(to, rel));
          result.moved.push(rel);
        }
      }
    } else {
      result.kept.push(e);
    }
  }
  const note = [
    `Prodlike's app and command line now share one data folder: ${to}`,
    `Moved there from this folder on ${new Date().toISOString()}: ${[...result.moved, ...result.merged].join(', ') || 'nothing'}.`,
    result.kept.length
      ? `Left here, because the shared folder had its own (that one is used): ${result.kept.join(', ')}. Delete them once you no longer need them.`
      : 'Nothing of Prodlike is left here.',
    '',
  ].join('\n');
  await fs.writeFile(path.join(from, MOVED_NOTE), note, { mode: 0o600 });
  return result;
}
