// `cache rm <key>...`: a key or its start names exactly one state, or nothing is removed.
import { describe, expect, it } from 'vitest';
import { namedKeys } from '../../../../electron/engine/cache/cache-named.js';

const entries = [
  { key: 'ab12cd34ef56aa', name: 'shop/web' },
  { key: 'ab12cd34ef56bb', name: 'shop/db' },
  { key: 'ff00ee11dd22cc', name: 'shop/web (vm)' },
];
const names = (given: string[], unlisted?: string) => [...namedKeys(given, entries, unlisted)].sort();

describe('namedKeys', () => {
  it('a whole key, the 12 characters cache ls prints plus one, or fewer: the one state they start', () => {
    expect(names(['ab12cd34ef56aa'])).toEqual(['ab12cd34ef56aa']);
    expect(names(['ab12cd34ef56b'])).toEqual(['ab12cd34ef56bb']);
    expect(names(['ff'])).toEqual(['ff00ee11dd22cc']);
  });

  it('reads a key as typed: case and surrounding spaces do not matter; the same state twice is one', () => {
    expect(names([' FF00 ', 'ff00ee11dd22cc'])).toEqual(['ff00ee11dd22cc']);
    expect(names(['ab12cd34ef56aa', 'ff'])).toEqual(['ab12cd34ef56aa', 'ff00ee11dd22cc']);
  });

  it('a start shared by several states names none of them, and says which they are', () => {
    expect(() => names(['ab12cd34ef56'])).toThrow('"ab12cd34ef56" is the start of 2 cached states\' keys (ab12cd34ef56 shop/web, ab12cd34ef56 shop/db): nothing removed');
    // One bad key among good ones: nothing is named.
    expect(() => names(['ff', 'ab'])).toThrow(/"ab" is the start of 2/);
  });

  it('a key no state has, or an empty one, is an error that says where the keys are', () => {
    expect(() => names(['abc9'])).toThrow('no cached state has the key "abc9"');
    expect(() => names(['  '])).toThrow('no cached state has the key "  "');
    expect(() => names(['abc9'], 'Docker engine not running at unix:///x.sock')).toThrow("no cached state has the key \"abc9\" (the containers' states could not be listed: Docker engine not running at unix:///x.sock)");
    let caught: unknown;
    try {
      names(['abc9']);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ hint: 'prodlike cache ls lists the keys' });
  });
});
