// Which of apt's files a saved state leaves out: the package lists only when nothing after the save
// point may need them (a command's `apt-get install` would fail from the cache and pass without it).
import { describe, expect, it } from 'vitest';
import { dropsAptLists, savedKey, usableKeys } from '../../../../../electron/engine/backends/docker/cache-session.js';
import { withAptLists } from '../../../../../electron/engine/cache/cache-key.js';
import { machineKeys } from '../../../../../electron/engine/cache/cache-key.js';
import type { ResourceSpec } from '../../../../../shared/profile.js';

const pkg = (name: string): ResourceSpec => ({ id: `package:${name}`, kind: 'package', name, state: 'present' });
const file = (name: string): ResourceSpec => ({ id: `file:${name}`, kind: 'file', name, content: 'x', state: 'present' }) as ResourceSpec;
const cmd = (name: string): ResourceSpec => ({ id: `command:${name}`, kind: 'command', name, env: {}, creates: '/done' });

describe('dropsAptLists', () => {
  it('drops them when only files and services follow', () => {
    expect(dropsAptLists([pkg('nginx'), file('/a'), file('/b')], 1)).toBe(true);
    expect(dropsAptLists([pkg('nginx')], 1)).toBe(true);
  });

  it('keeps them while a package or a command follows', () => {
    expect(dropsAptLists([pkg('build-essential'), cmd('apt-get install -y libpq-dev')], 1)).toBe(false);
    expect(dropsAptLists([pkg('a'), file('/a'), pkg('b')], 1)).toBe(false);
    expect(dropsAptLists([pkg('a'), cmd('x'), file('/a')], 2)).toBe(true);
  });
});

describe('the keys of states with and without apt lists', () => {
  const keysOf = (resources: ResourceSpec[]) => machineKeys({ baseImageId: 'sha256:base', docker: { env: {}, volumes: [], privileged: false }, machine: 'm', resources, isSecret: () => false });

  it('a state saved as the last of a shorter list (no lists) is not usable where a command follows; one with lists is', () => {
    const short = [pkg('hello')];
    const long = [pkg('hello'), cmd('apt-get install -y sl')];
    const a = keysOf(short);
    const b = keysOf(long);
    expect(a.keys[1]).toBe(b.keys[1]);
    // Saved without lists by the short list, under the plain key.
    expect(savedKey(a, short, 1)).toBe(a.keys[1]);
    // The long list needs them after 1: only the key with lists, which it also saves under.
    expect(usableKeys(b, long, 1)).toEqual([withAptLists(b.keys[1]!)]);
    expect(savedKey(b, long, 1)).toBe(withAptLists(b.keys[1]!));
    expect(usableKeys(b, long, 1)).not.toContain(savedKey(a, short, 1));
    // Where nothing after needs them, both serve, its own first.
    expect(usableKeys(a, short, 1)).toEqual([a.keys[1], withAptLists(a.keys[1]!)]);
    expect(usableKeys(a, short, 1)).toContain(savedKey(b, long, 1));
  });

  it('the key with lists is its own, and stable', () => {
    const k = keysOf([pkg('a')]).keys[1]!;
    expect(withAptLists(k)).toMatch(/^[0-9a-f]{64}$/);
    expect(withAptLists(k)).not.toBe(k);
    expect(withAptLists(k)).toBe(withAptLists(k));
  });
});
