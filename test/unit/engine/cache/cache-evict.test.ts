// Least-recently-used eviction under a size cap: only states nothing else is built on, oldest use first.
import { describe, expect, it } from 'vitest';
import { PARENT_STAYS, builtOn, chooseEvictions, layersBegin, parseAge, removeChildrenFirst, type EvictionCandidate } from '../../../../electron/engine/cache/cache-evict.js';

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

describe('removeChildrenFirst (prune --all, --older-than, the size cap)', () => {
  // A chain base ← pkgs ← files ← last, each committed from the one before: layers grow by one.
  const s = (key: string, parent?: { id: string; layers: readonly string[] }, prefix = 1) => ({
    key,
    id: `id-${key}`,
    parent: parent?.id ?? 'base',
    layers: [...(parent?.layers ?? ['L-base']), `L-${key}`],
    prefix,
  });
  const pkgs = s('pkgs');
  const files = s('files', pkgs, 2);
  const last = s('last', files, 3);
  const other = s('other');
  const run = async (all: ReturnType<typeof s>[], chosen: ReturnType<typeof s>[], inUse = new Map<string, string>(), fail = new Map<string, string>()) => {
    const order: string[] = [];
    const out = await removeChildrenFirst(all, chosen, inUse, async (e) => {
      order.push(e.key);
      return fail.get(e.key) ?? true;
    });
    return { order, removed: out.removed.map((e) => e.key), kept: Object.fromEntries(out.kept.map((k) => [k.entry.key, k.why])) };
  };

  it('keeps an old state that a state which stays is built on, and what that one is built on', async () => {
    const out = await run([pkgs, files, last, other], [pkgs, files, other]);
    expect(out.removed).toEqual(['other']);
    expect(out.order).toEqual(['other']);
    expect(out.kept).toEqual({ files: PARENT_STAYS, pkgs: PARENT_STAYS });
  });

  it('removes a whole chain, children first, whatever order it was given in', async () => {
    const out = await run([pkgs, files, last], [pkgs, last, files]);
    expect(out.order).toEqual(['last', 'files', 'pkgs']);
    expect(out.removed).toEqual(['last', 'files', 'pkgs']);
    expect(out.kept).toEqual({});
  });

  it('keeps the parents of a state a container uses, and never asks the engine to remove it', async () => {
    const out = await run([pkgs, files, last], [pkgs, files, last], new Map([['id-last', 'a container uses it']]));
    expect(out.order).toEqual([]);
    expect(out.kept).toEqual({ last: 'a container uses it', files: PARENT_STAYS, pkgs: PARENT_STAYS });
  });

  it('keeps the parents of a child the engine would not remove, with the engine\'s reason for the child', async () => {
    const out = await run([pkgs, files, last], [pkgs, files, last], new Map(), new Map([['files', 'tagged by another repository']]));
    expect(out.order).toEqual(['last', 'files']);
    expect(out.removed).toEqual(['last']);
    expect(out.kept).toEqual({ files: 'tagged by another repository', pkgs: PARENT_STAYS });
  });

  it('sees a state built on another by its layers when its parent is not recorded (a pulled state)', async () => {
    const pulled = { ...s('pulled', pkgs, 2), parent: '' };
    const out = await run([pkgs, pulled], [pkgs]);
    expect(out.kept).toEqual({ pkgs: PARENT_STAYS });
    const both = await run([pkgs, pulled], [pkgs, pulled]);
    expect(both.order).toEqual(['pulled', 'pkgs']);
  });

  it('waits for a child whose layers could not be read (listed with none) before its parent', async () => {
    const unread = { ...s('unread', pkgs, 2), layers: [] as string[] };
    const out = await run([pkgs, unread], [pkgs, unread]);
    expect(out.order).toEqual(['unread', 'pkgs']);
    expect(out.kept).toEqual({});
  });

  it('two states with the same layers (a config-only difference) are not built on each other', async () => {
    const twin = { ...s('twin'), layers: pkgs.layers };
    const out = await run([pkgs, twin], [pkgs, twin]);
    expect(out.removed.sort()).toEqual(['pkgs', 'twin']);
    expect(builtOn(twin, pkgs)).toBe(false);
  });

  it('builtOn: by parent, or by layers that begin with the other\'s; never itself', () => {
    expect(builtOn(files, pkgs)).toBe(true);
    expect(builtOn(last, pkgs)).toBe(true);
    expect(builtOn(pkgs, files)).toBe(false);
    expect(builtOn(other, pkgs)).toBe(false);
    expect(builtOn(pkgs, pkgs)).toBe(false);
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
