// A machine's image tag in a snapshot: Docker's 128 characters, and never the same for two machines.
import { describe, expect, it } from 'vitest';
import { imageTag } from '../../../../../electron/engine/backends/docker/snapshot.js';

describe('snapshot image tag', () => {
  it('is profile.name.machine, with characters a tag cannot hold replaced', () => {
    expect(imageTag('shop-dev', 'before', 'db')).toBe('shop-dev.before.db');
    expect(imageTag('shop dev', 'a+b', 'db')).toBe('shop-dev.a-b.db');
  });

  it('keeps 128 characters at most, and two machines of a long-named profile apart', () => {
    const profile = 'p'.repeat(62);
    const name = 'n'.repeat(64);
    const web = imageTag(profile, name, 'web');
    const db = imageTag(profile, name, 'db');
    expect(web.length).toBe(128);
    expect(db.length).toBe(128);
    expect(web).not.toBe(db);
    expect(web.startsWith(`${profile}.${name.slice(0, 20)}`)).toBe(true);
    expect(web).toMatch(/-[0-9a-f]{16}$/);
    // The same inputs, the same tag (a restore finds what the save wrote).
    expect(imageTag(profile, name, 'web')).toBe(web);
    // Exactly 128 is kept as it is.
    const exact = imageTag('a'.repeat(128 - 5), 'x', 'db');
    expect(exact).toBe(`${'a'.repeat(123)}.x.db`);
  });
});
