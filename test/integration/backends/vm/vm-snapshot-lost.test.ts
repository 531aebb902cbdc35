// A VM's snapshots live inside its overlay (qcow2 internal snapshots), so they go when the VM is
// destroyed: `destroy` says so, by name, before the overlay is removed. No boot: a stopped VM's state
// folder as Prodlike leaves it (an overlay over a base image), with a snapshot taken by qemu-img itself.
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../../../support/cli.js';
import { missingQemu } from '../../../support/qemu.js';

const missing = missingQemu('vm snapshot loss test');

describe.skipIf(missing.length > 0)('a destroyed VM takes its snapshots with it, and says so', () => {
  let ws: Workspace;
  const profile = `pl-it-vmlost-${process.pid}`;
  const env = { DOCKER_HOST: 'unix:///nonexistent/prodlike-test-docker.sock' };

  beforeAll(async () => {
    ws = await workspace();
  });

  it('names the snapshots that go with the disk, and removes the VM', async () => {
    const base = path.join(ws.dir, 'base.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '64M']);
    const file = await ws.write('profiles/vm.yaml', `name: ${profile}\nmachines:\n  web:\n    vm: { image: ${base} }\n`);
    const dir = path.join(ws.dataDir, 'vms', profile, 'web');
    await fs.mkdir(dir, { recursive: true });
    const overlay = path.join(dir, 'disk.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, overlay]);
    for (const name of ['before', 'after']) execFileSync('qemu-img', ['snapshot', '-c', `prodlike-${name}`, overlay]);
    // One of qemu-img's own (not Prodlike's): not named.
    execFileSync('qemu-img', ['snapshot', '-c', 'mine', overlay]);

    const destroy = await ws.run(['destroy', file], { env });
    expect(destroy.code, destroy.stderr).toBe(0);
    expect(destroy.stdout + destroy.stderr).toContain('web: its snapshots before, after go with its disk as the VM is destroyed');
    expect(destroy.stdout + destroy.stderr).not.toContain('mine');
    expect(existsSync(dir)).toBe(false);
  });
});
