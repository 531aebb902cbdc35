import { describe, expect, it } from 'vitest';
import { distinguishingPaths } from '../../../renderer/src/state/profile-names';

const p = (file: string, name: string) => ({ file, folder: '/x', name, machines: 1 });

describe('profiles with the same name', () => {
  it('are told apart by the shortest part of their path that differs', () => {
    const m = distinguishingPaths([p('/home/a/shop/dev.yaml', 'shop'), p('/home/a/shop/prod.yaml', 'shop'), p('/home/a/other.yaml', 'other')]);
    expect(m.get('/home/a/shop/dev.yaml')).toBe('dev.yaml');
    expect(m.get('/home/a/shop/prod.yaml')).toBe('prod.yaml');
    expect(m.has('/home/a/other.yaml')).toBe(false);
    const n = distinguishingPaths([p('/one/shop/dev.yaml', 'shop'), p('/two/shop/dev.yaml', 'shop')]);
    expect(n.get('/one/shop/dev.yaml')).toBe('one/shop/dev.yaml');
    expect(n.get('/two/shop/dev.yaml')).toBe('two/shop/dev.yaml');
  });
});
