// Why a machine has no save point, as `bake` says it (cache-key.ts: noSavePointWhy).
import { describe, expect, it } from 'vitest';
import { noSavePointWhy } from '../../../../electron/engine/cache/cache-key.js';
import type { ResourceSpec } from '../../../../shared/profile.js';

const file = (name: string) => ({ kind: 'file', name, content: 'x' }) as unknown as ResourceSpec;
const why = () => 'holds a secret';

describe('noSavePointWhy', () => {
  it('a machine with a save point: nothing to say', () => {
    expect(noSavePointWhy([file('/a')], { savePoints: [1], limit: 1 }, why)).toBeUndefined();
  });
  it('no resources', () => {
    expect(noSavePointWhy([], { savePoints: [], limit: 0 }, why)).toBe('it has no resources: its base image is its converged state');
  });
  it('the first resource stops the saves', () => {
    expect(noSavePointWhy([file('/a')], { savePoints: [], limit: 0 }, why)).toBe('its first resource (file /a) holds a secret: there is nothing before it to save');
  });
  it('a later resource stops them, with no save point before it', () => {
    expect(noSavePointWhy([file('/a'), file('/b'), file('/c')], { savePoints: [], limit: 1 }, why)).toBe(
      'resource 2 (file /b) holds a secret, and a state is saved only after a package or a command, or after the last resource: none comes before it',
    );
  });
});
