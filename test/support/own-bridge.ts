// A network bridge of a test's own, for a second Docker engine. Never `--bridge=none`: on start, a
// dockerd told that deletes the machine's `docker0` (the engine everyone else uses loses its network).
import { execFileSync } from 'node:child_process';

export function ownBridge(): { name: string; remove(): void } {
  const name = `pltest${Math.random().toString(36).slice(2, 8)}`;
  execFileSync('ip', ['link', 'add', name, 'type', 'bridge']);
  execFileSync('ip', ['link', 'set', name, 'up']);
  return {
    name,
    remove: () => {
      try {
        execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    },
  };
}
