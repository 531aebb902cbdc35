// Settings → Environment cache, decided without the DOM: the table's order and what Remove all says
// before it removes anything. Pure.

import type { CacheEntryInfo } from '../../../shared/api';
import { cacheEntryName } from '../../../shared/cache-words';

export type CacheSortColumn = 'name' | 'size' | 'saved' | 'lastUsed';

export interface CacheSort {
  by: CacheSortColumn;
  descending: boolean;
}

/**
 * Last used first: what a run just started from is on top, and the size cap (and Prune to the size
 * cap) removes from the bottom up.
 */
export const DEFAULT_CACHE_SORT: CacheSort = { by: 'lastUsed', descending: true };

const byName = (a: CacheEntryInfo, b: CacheEntryInfo) => cacheEntryName(a).localeCompare(cacheEntryName(b)) || a.prefix - b.prefix || a.key.localeCompare(b.key);

const compare: Record<CacheSortColumn, (a: CacheEntryInfo, b: CacheEntryInfo) => number> = {
  name: byName,
  size: (a, b) => a.sizeBytes - b.sizeBytes,
  saved: (a, b) => Date.parse(a.savedAt) - Date.parse(b.savedAt),
  lastUsed: (a, b) => Date.parse(a.lastUsed) - Date.parse(b.lastUsed),
};

/** The entries in `sort`'s order; ties by profile/machine and resources covered, whichever way. */
export function sortCacheEntries(entries: readonly CacheEntryInfo[], sort: CacheSort): CacheEntryInfo[] {
  const sign = sort.descending ? -1 : 1;
  return [...entries].sort((a, b) => sign * compare[sort.by](a, b) || byName(a, b));
}

/** A click on a column's header: the same column turns round; another starts with names A→Z, the biggest or newest first. */
export function nextCacheSort(current: CacheSort, by: CacheSortColumn): CacheSort {
  if (current.by === by) return { by, descending: !current.descending };
  return { by, descending: by !== 'name' };
}

export interface RemoveAllWords {
  /** The states that go, their own bytes, and the profiles they were saved for (A→Z). */
  goes: { count: number; bytes: number; profiles: string[] };
  /** Those a container uses, or a state or image a container uses is built on: a prune keeps them. */
  kept: number;
}

/** What Remove all would do to `entries`, as the listing has them. */
export function removeAllWords(entries: readonly CacheEntryInfo[]): RemoveAllWords {
  const goes = entries.filter((e) => !e.inUse);
  return {
    goes: { count: goes.length, bytes: goes.reduce((n, e) => n + e.sizeBytes, 0), profiles: [...new Set(goes.map((e) => e.profile))].sort((a, b) => a.localeCompare(b)) },
    kept: entries.length - goes.length,
  };
}
