// The cache's environment variables as a user writes them (cache-env.ts).
import { describe, expect, it } from 'vitest';
import { noCacheSet, stackMinBytes } from '../../../../electron/engine/cache/cache-env.js';

const MB = 1_000_000;

describe('PRODLIKE_CACHE_STACK_MIN_MB', () => {
  it.each([
    [undefined, 64 * MB],
    ['', 64 * MB],
    ['0', 0],
    ['16', 16 * MB],
    [' 0.5 ', 0.5 * MB],
    // In units of 1000, as docker images and cache ls print sizes: 64 MB is not 64 MiB.
    ['64', 64_000_000],
  ])('%j: %d bytes', (v, bytes) => expect(stackMinBytes(v)).toBe(bytes));

  it.each(['lots', '-1', '64MB', 'Infinity'])('%j: not a size', (v) => expect(stackMinBytes(v)).toBeUndefined());
});

describe('PRODLIKE_NO_CACHE', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['1', true],
    ['yes', true],
  ])('%j: cache off %s', (v, off) => expect(noCacheSet(v)).toBe(off));
});
