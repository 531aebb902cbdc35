// `cache ls` says which states a container uses (a prune keeps them, whatever it is asked), as the app's
// Settings → Environment cache does, and how long ago each was saved and used.
import { stripVTControlCharacters } from 'node:util';
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import type { CacheEntryInfo, CacheListing } from '../../../shared/api.js';
import { cacheCommand } from '../../../electron/cli/cache-commands.js';
import type { Engine } from '../../../electron/engine/engine.js';
import type { CliIo } from '../../../electron/cli/io.js';

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const entry = (machine: string, prefix: number, extra: Partial<CacheEntryInfo> = {}): CacheEntryInfo => ({
  key: `${machine}${prefix}`.padEnd(64, '0'),
  profile: 'shop',
  machine,
  prefix,
  total: 3,
  savedAt: ago(3 * HOUR),
  lastUsed: ago(2 * HOUR),
  sizeBytes: 5_000_000,
  ...extra,
});

async function ls(listing: CacheListing): Promise<string[]> {
  const lines: string[] = [];
  const io: CliIo = { out: (t) => void lines.push(t), err: () => undefined, tty: false, colors: pc.createColors(false) };
  const engine = { cacheList: async () => listing } as unknown as Engine;
  expect(await cacheCommand(engine, ['ls'], {}, io)).toBe(0);
  return lines.map((l) => stripVTControlCharacters(l));
}

describe('cache ls', () => {
  it('marks the states a container uses, with why; the others as before', async () => {
    const lines = await ls({
      entries: [entry('web', 3, { inUse: 'a container uses it' }), entry('web', 1, { inUse: 'a container uses a state built on it' }), entry('db', 3)],
      totalBytes: 15_000_000,
      capBytes: 20e9,
    });
    expect(lines[1]).toMatch(/^web3000000\d*\s+shop\/web\s+3\/3\s+5\.0 MB\s+3h ago\s+2h ago {2}\(a container uses it\)$/);
    expect(lines[2]).toMatch(/shop\/web\s+1\/3 .* 2h ago {2}\(a container uses a state built on it\)$/);
    expect(lines[3]).toMatch(/shop\/db\s+3\/3 .* 2h ago$/);
    expect(lines[4]).toBe('3 state(s), 15 MB of 20 GB');
  });
});
