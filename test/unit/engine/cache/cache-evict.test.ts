// Least-recently-used eviction under a size cap: only states nothing else is built on, oldest use first.
import { describe, expect, it } from 'vitest';
import { chooseEvictions, layersBegin, parseAge, sparingParents, type EvictionCandidate } from '../../../../electron/engine/cache/cache-evict.js';

const e = (key: string, ownBytes: number, lastUsed: number, parent = 'base'): EvictionCandidate => ({ key, id: `id-${key}`, parent, ownBytes, lastUsed });

describe('chooseEvictions', () => {
  it('removes nothing when the cache fits', () => {
    expect(chooseEvictions([e('a', 10, 1), e('b', 10, 2)], 20)).toEqual([]);
  });

  it('removes the least recently used first, only as many as needed', () => {
    expect(chooseEvictions([e('a', 10, 3), e('b', 10, 1), e('c', 10, 2)], 20)).toEqual(['b']);
    expect(chooseEvictions([e('a', 10, 3), e('b', 10, 1), e('c', 10, 2)], 10)).toEqual(['b', 'c']);
  });

  it('never removes a state another cached state was built on while that one stays', () => {
    const parent = e('p', 100, 1);
    const child = e('c', 10, 5, 'id-p');
    const other = e('o', 10, 3);
    // p is the oldest but c depends on it: o goes first, then c, then p.
    expect(chooseEvictions([parent, child, other], 105)).toEqual(['o', 'c']);
    expect(chooseEvictions([parent, child, other], 95)).toEqual(['o', 'c', 'p']);
    expect(chooseEvictions([parent, child, other], 115)).toEqual(['o']);
  });

  it('never chooses a state a container uses: the next least recently used go instead, until the rest fits', () => {
    const used = { ...e('a', 10, 1), pinned: true };
    expect(chooseEvictions([used, e('b', 10, 2), e('c', 10, 3)], 25)).toEqual(['b']);
    expect(chooseEvictions([used, e('b', 10, 2), e('c', 10, 3)], 0)).toEqual(['b', 'c']);
    // What it is built on stays with it.
    const parent = e('p', 10, 0);
    expect(chooseEvictions([parent, { ...e('u', 10, 1, 'id-p'), pinned: true }, e('o', 10, 5)], 0)).toEqual(['o']);
  });

  it('empties the cache with a cap of 0', () => {
    expect(chooseEvictions([e('a', 1, 1), e('b', 1, 2)], 0).sort()).toEqual(['a', 'b']);
  });
});

describe('parseAge', () => {
  it('reads m, h, d and w', () => {
    expect(parseAge('90m')).toBe(90 * 60_000);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    expect(parseAge('7d')).toBe(7 * 86_400_000);
    expect(parseAge('2w')).toBe(14 * 86_400_000);
  });
  it('rejects anything else', () => {
    expect(parseAge('7')).toBeUndefined();
    expect(parseAge('7y')).toBeUndefined();
    expect(parseAge('-1d')).toBeUndefined();
  });
});

describe('sparingParents (prune --older-than)', () => {
  const s = (key: string, parent = 'base') => ({ key, id: `id-${key}`, parent });
  it('keeps an old state that a state which stays is built on, and what that one is built on', () => {
    const [pkgs, files, last, other] = [s('pkgs'), s('files', 'id-pkgs'), s('last', 'id-files'), s('other')];
    const all = [pkgs, files, last, other];
    const out = sparingParents(all, [pkgs, files, other]);
    expect(out.remove.map((e) => e.key)).toEqual(['other']);
    expect(out.keep.map((e) => e.key).sort()).toEqual(['files', 'pkgs']);
  });

  it('removes a whole chain when all of it is chosen', () => {
    const all = [s('pkgs'), s('files', 'id-pkgs')];
    expect(sparingParents(all, all)).toEqual({ remove: all, keep: [] });
  });
});

describe('layersBegin', () => {
  it('is true when the first image\'s layers begin the second\'s (or are them)', () => {
    expect(layersBegin(['a', 'b'], ['a', 'b', 'c'])).toBe(true);
    expect(layersBegin(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(layersBegin(['a', 'x'], ['a', 'b', 'c'])).toBe(false);
    expect(layersBegin(['a', 'b', 'c'], ['a', 'b'])).toBe(false);
    expect(layersBegin([], ['a'])).toBe(false);
  });
});
