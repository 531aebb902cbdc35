// Which of apt's files a saved state leaves out: the package lists only when nothing after the save
// point may need them (a command's `apt-get install` would fail from the cache and pass without it).
import { describe, expect, it } from 'vitest';
import { dropsAptLists } from '../../../../../electron/engine/backends/docker/cache-session.js';
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
