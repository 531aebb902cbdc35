// `cache prune` against an `up` choosing a cached VM base: the up's choice and its new overlay are one
// section of the VM cache's lock, so a prune waits for it and then sees the new disk backing onto the
// base (kept), instead of removing a base an overlay is about to use. Real qemu-img and files; no boot.
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VmBaseStore } from '../../../../electron/engine/backends/vm/vm-cache.js';
import { missingQemu } from '../../../support/qemu.js';

const missing = missingQemu('vm base lock test');

describe.skipIf(missing.length > 0)('the VM cache lock between an up choosing a base and a prune', () => {
  let dir: string;
  let store: VmBaseStore;
  const img = () => path.join(dir, 'image.qcow2');
  const disk = () => path.join(dir, 'vms', 'p', 'web', 'disk.qcow2');

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pl-vmlock-'));
    store = new VmBaseStore(path.join(dir, 'vm-cache'), path.join(dir, 'vms'));
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', img(), '64M']);
    const overlay = path.join(dir, 'converged.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', img(), overlay]);
    await store.save({ overlay, backing: img(), backingFormat: 'qcow2', key: 'k1', prefix: 3, total: 3, profile: 'p', machine: 'web', imageId: 'test' });
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a prune waits for the section, then keeps the base the new disk backs onto; once nothing does, it goes', async () => {
    const [base] = await store.list();
    expect(base?.key).toBe('k1');
    let pruned: Awaited<ReturnType<VmBaseStore['remove']>> | undefined;
    let prune: Promise<void> | undefined;
    await store.exclusive('a test choosing a base', async () => {
      prune = store.remove(new Set(['k1'])).then((o) => {
        pruned = o;
      });
      await new Promise((r) => setTimeout(r, 800));
      // Still waiting: without the lock it would have found no disk on the base and removed it by now.
      expect(pruned).toBeUndefined();
      expect(existsSync(base!.file)).toBe(true);
      await fs.mkdir(path.dirname(disk()), { recursive: true });
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base!.file, disk()]);
    });
    await prune;
    expect(pruned?.removed).toEqual([]);
    expect(pruned?.kept.map((k) => [k.entry.key, k.why])).toEqual([['k1', expect.stringContaining('VM p/web')]]);
    expect(existsSync(base!.file)).toBe(true);
    expect(existsSync(path.join(dir, 'vm-cache', '.lock'))).toBe(false);

    await fs.rm(disk());
    const again = await store.remove(new Set(['k1']));
    expect(again.removed.map((e) => e.key)).toEqual(['k1']);
    expect(existsSync(base!.file)).toBe(false);
  });
});
