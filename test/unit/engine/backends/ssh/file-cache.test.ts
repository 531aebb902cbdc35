// known_hosts, the trusted store and identities are parsed once for a fleet's connections, and read
// again as soon as the file changes (a `prodlike trust` in between must be seen by the next connection).
import { mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileCache } from '../../../../../electron/engine/backends/ssh/file-cache.js';

describe('FileCache', () => {
  it('derives once while the file is unchanged, again when it changes or is replaced, and throws when it is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-filecache-'));
    const file = join(dir, 'known_hosts');
    let derived = 0;
    const cache = new FileCache((t) => (derived++, t.trim().split('\n')));
    writeFileSync(file, 'a\n');
    expect(await cache.get(file)).toEqual(['a']);
    expect(await cache.get(file)).toEqual(['a']);
    expect(derived).toBe(1);
    // Same size, other content, an mtime set back: ctime still moves.
    writeFileSync(file, 'b\n');
    utimesSync(file, 0, 0);
    expect(await cache.get(file)).toEqual(['b']);
    // Replaced by rename (as writeFileAtomic does).
    writeFileSync(join(dir, 'tmp'), 'c\n');
    renameSync(join(dir, 'tmp'), file);
    expect(await cache.get(file)).toEqual(['c']);
    expect(derived).toBe(3);
    rmSync(file);
    await expect(cache.get(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
