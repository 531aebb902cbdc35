// Sizes in units of 1000, as `docker images` prints an image's: a cached state's size reads the same here.
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../shared/bytes.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [1536, '1.5 kB'],
    [9_949, '9.9 kB'],
    // Not "10.0 kB": one decimal only below ten.
    [9_960, '10 kB'],
    [999_400, '999 kB'],
    // Not "1000 kB".
    [999_600, '1.0 MB'],
    [224_000_000, '224 MB'],
    [3 * 1024 * 1024, '3.1 MB'],
    [20e9, '20 GB'],
    [1.23e12, '1.2 TB'],
    [5e15, '5000 TB'],
  ])('%d → %s', (n, text) => expect(formatBytes(n)).toBe(text));
});
