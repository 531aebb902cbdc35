// Tells the UI when profile files change on disk (an edit in the user's editor, a git pull), so the
// list and the open profile reload by themselves. fs.watch is event-driven: nothing runs while idle.

import { watch, type FSWatcher } from 'node:fs';
import type { PushHub } from './push-hub.js';

export function watchProfileFolders(folders: string[], hub: PushHub, debounceMs = 200): () => void {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | null = null;
  const changed = (_event: string, name: string | Buffer | null) => {
    if (name && !/\.ya?ml$/i.test(String(name))) return;
    // Editors write a file in several steps; tell once.
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      hub.publish({ type: 'profiles-changed' });
    }, debounceMs);
  };
  for (const folder of folders) {
    try {
      const w = watch(folder, { recursive: true, persistent: false }, changed);
      w.on('error', () => w.close());
      watchers.push(w);
    } catch {
      // A folder that does not exist (yet) is listed as such by the engine; nothing to watch.
    }
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
