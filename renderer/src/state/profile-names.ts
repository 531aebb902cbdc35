// Two profiles with the same name (in two folders, or two files) are told apart by their file.

import type { ProfileSummary } from '../../../shared/api';

/** file → the part of its path that tells it apart, for profiles whose name is not unique. */
export function distinguishingPaths(profiles: readonly ProfileSummary[]): Map<string, string> {
  const byName = new Map<string, ProfileSummary[]>();
  for (const p of profiles) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const out = new Map<string, string>();
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    const parts = group.map((p) => p.file.split(/[\\/]/).filter(Boolean));
    // The shortest tail of the path that differs between all of them.
    for (let n = 1; n <= Math.max(...parts.map((x) => x.length)); n++) {
      const tails = parts.map((x) => x.slice(-n).join('/'));
      if (new Set(tails).size === tails.length || n === Math.max(...parts.map((x) => x.length))) {
        group.forEach((p, i) => out.set(p.file, tails[i]!));
        break;
      }
    }
  }
  return out;
}
