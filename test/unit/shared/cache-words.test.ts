import { describe, expect, it } from 'vitest';
import type { CacheEntryInfo } from '../../../shared/api.js';
import { cacheEntryName, cacheKeyShort, pruneSummary } from '../../../shared/cache-words.js';

const entry = (over: Partial<CacheEntryInfo> = {}): CacheEntryInfo => ({
  key: 'c163983a6f97b5d8e8cded70ea83d1f288a4e6f09232aa',
  profile: 'shop-dev',
  machine: 'db',
  prefix: 1,
  total: 5,
  savedAt: '2026-12-03T10:00:00Z',
  lastUsed: '2026-12-03T10:00:00Z',
  sizeBytes: 263 * 1024 * 1024,
  ...over,
});

describe('cache words (CLI and app)', () => {
  it('names an entry, a VM base marked', () => {
    expect(cacheEntryName(entry())).toBe('shop-dev/db');
    expect(cacheEntryName(entry({ backend: 'vm' }))).toBe('shop-dev/db (vm)');
    expect(cacheKeyShort(entry().key)).toBe('c163983a6f97');
  });

  it('says what a prune removed, what it kept and why, and apt lists only when they went', () => {
    const removed = [entry({ sizeBytes: 1_000_000 }), entry({ machine: 'web', sizeBytes: 2_000_000 })];
    expect(pruneSummary({ removed, kept: [], freedBytes: 3_000_000 })).toEqual(['2 state(s) removed, 3.0 MB freed']);
    const kept = [{ entry: entry({ prefix: 5 }), why: 'a container uses it' }];
    expect(pruneSummary({ removed: [], kept, freedBytes: 0, aptListsBytes: 84_000_000 })).toEqual([
      '0 state(s) removed, 0 B freed',
      '1 kept: shop-dev/db 5/5 (a container uses it)',
      'apt lists kept between runs removed, 84 MB freed',
    ]);
  });
});
