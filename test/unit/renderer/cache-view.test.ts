import { describe, expect, it } from 'vitest';
import type { CacheEntryInfo } from '../../../shared/api';
import { DEFAULT_CACHE_SORT, nextCacheSort, sortCacheEntries } from '../../../renderer/src/state/cache-view';
import { removeAllWords } from '../../../shared/cache-words';

const e = (profile: string, machine: string, prefix: number, o: Partial<CacheEntryInfo> = {}): CacheEntryInfo => ({
  key: `${profile}-${machine}-${prefix}`,
  profile,
  machine,
  prefix,
  total: 3,
  savedAt: '2026-12-01T10:00:00Z',
  lastUsed: '2026-12-01T10:00:00Z',
  sizeBytes: 1000,
  ...o,
});

const names = (list: CacheEntryInfo[]) => list.map((x) => `${x.profile}/${x.machine} ${x.prefix}`);

describe('Settings → Environment cache', () => {
  const shopWeb1 = e('shop', 'web', 1, { sizeBytes: 300_000_000, savedAt: '2026-12-01T10:00:00Z', lastUsed: '2026-12-01T10:00:00Z' });
  const shopWeb3 = e('shop', 'web', 3, { sizeBytes: 2_000, savedAt: '2026-12-01T10:01:00Z', lastUsed: '2026-12-03T08:00:00Z', inUse: 'a container uses it' });
  const apiDb2 = e('api', 'db', 2, { sizeBytes: 40_000_000, savedAt: '2026-12-02T09:00:00Z', lastUsed: '2026-12-02T09:00:00Z' });
  const all = [shopWeb1, apiDb2, shopWeb3];

  it('lists the last used first: what a run just started from on top, what the size cap removes first at the bottom', () => {
    expect(DEFAULT_CACHE_SORT).toEqual({ by: 'lastUsed', descending: true });
    expect(names(sortCacheEntries(all, DEFAULT_CACHE_SORT))).toEqual(['shop/web 3', 'api/db 2', 'shop/web 1']);
  });

  it('sorts by size, save time or name; ties by name and resources covered', () => {
    expect(names(sortCacheEntries(all, { by: 'size', descending: true }))).toEqual(['shop/web 1', 'api/db 2', 'shop/web 3']);
    expect(names(sortCacheEntries(all, { by: 'saved', descending: false }))).toEqual(['shop/web 1', 'shop/web 3', 'api/db 2']);
    expect(names(sortCacheEntries(all, { by: 'name', descending: false }))).toEqual(['api/db 2', 'shop/web 1', 'shop/web 3']);
    const same = [e('b', 'm', 2), e('a', 'm', 1), e('b', 'm', 1)];
    expect(names(sortCacheEntries(same, { by: 'size', descending: true }))).toEqual(['a/m 1', 'b/m 1', 'b/m 2']);
  });

  it('a header clicked again turns the order round; another starts with names A→Z, the biggest or newest first', () => {
    expect(nextCacheSort(DEFAULT_CACHE_SORT, 'lastUsed')).toEqual({ by: 'lastUsed', descending: false });
    expect(nextCacheSort(DEFAULT_CACHE_SORT, 'name')).toEqual({ by: 'name', descending: false });
    expect(nextCacheSort(DEFAULT_CACHE_SORT, 'size')).toEqual({ by: 'size', descending: true });
    expect(nextCacheSort({ by: 'name', descending: false }, 'saved')).toEqual({ by: 'saved', descending: true });
  });

  it('Remove all counts what goes (not what a container uses), its bytes and its profiles A→Z', () => {
    expect(removeAllWords(all)).toEqual({ goes: { count: 2, bytes: 340_000_000, profiles: ['api', 'shop'] }, kept: 1 });
    expect(removeAllWords([])).toEqual({ goes: { count: 0, bytes: 0, profiles: [] }, kept: 0 });
  });
});
