// How the cache's listing and a prune are said, the same in the CLI (`prodlike cache`) and the app
// (Settings → Environment cache).

import type { CacheEntryInfo, CachePruneResult } from './api.js';
import { formatBytes } from './bytes.js';

/** "profile/machine", and "(vm)" for a cached VM base. */
export function cacheEntryName(e: Pick<CacheEntryInfo, 'profile' | 'machine' | 'backend'>): string {
  return `${e.profile}/${e.machine}${e.backend === 'vm' ? ' (vm)' : ''}`;
}

/** The key as listed: its first 12 hex digits. */
export function cacheKeyShort(key: string): string {
  return key.slice(0, 12);
}

/** What a prune did, in one or two sentences: removed and freed, what was kept and why in short, apt's lists. */
export function pruneSummary(res: Pick<CachePruneResult, 'removed' | 'kept' | 'freedBytes' | 'aptListsBytes'>): string[] {
  const lines = [`${res.removed.length} state(s) removed, ${formatBytes(res.freedBytes)} freed`];
  if (res.kept.length) lines.push(`${res.kept.length} kept: ${res.kept.map((k) => `${cacheEntryName(k.entry)} ${k.entry.prefix}/${k.entry.total} (${k.why})`).join('; ')}`);
  if (res.aptListsBytes) lines.push(`apt lists kept between runs removed, ${formatBytes(res.aptListsBytes)} freed`);
  return lines;
}

export interface RemoveAllWords {
  /** The states that go, their own bytes, and the profiles they were saved for (A→Z). */
  goes: { count: number; bytes: number; profiles: string[] };
  /** Those a container uses, or a state or image a container uses is built on: a prune keeps them. */
  kept: number;
}

/** What removing all (the app's Remove all, `cache prune --all`) would do to `entries`, as the listing has them. */
export function removeAllWords(entries: readonly CacheEntryInfo[]): RemoveAllWords {
  const goes = entries.filter((e) => !e.inUse);
  return {
    goes: { count: goes.length, bytes: goes.reduce((n, e) => n + e.sizeBytes, 0), profiles: [...new Set(goes.map((e) => e.profile))].sort((a, b) => a.localeCompare(b)) },
    kept: entries.length - goes.length,
  };
}
