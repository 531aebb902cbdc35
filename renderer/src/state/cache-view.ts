// Settings → Environment cache, decided without the DOM: the table's order. Pure. (What Remove all
// says before it removes anything is shared/cache-words.ts's removeAllWords, as `cache prune --all` asks.)

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
