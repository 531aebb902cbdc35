// Where a VM's saved bases stop, as planVmCacheStart plans them: a command may read a synced folder
// (`folders:`), whose files the key cannot see, so on a VM with folders no base is saved past the first
// command (a container with a bind mount is treated the same, cache-session.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunContext } from '../../../../electron/engine/backends/backend.js';
import type { BaseImage } from '../../../../electron/engine/backends/vm/images.js';
import { planVmCacheStart } from '../../../../electron/engine/backends/vm/vm-cache-session.js';
import { VmBaseStore } from '../../../../electron/engine/backends/vm/vm-cache.js';
import type { MachineSpec, ResourceSpec, VmMachineSpec } from '../../../../shared/profile.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const image: BaseImage = { path: '/images/debian.qcow2', format: 'qcow2', virtualSize: 3 * 2 ** 30, id: 'sha512:abc', how: 'cached' };
const ctx = { cache: { enabled: true, secrets: [] } } as unknown as RunContext;
const resources: ResourceSpec[] = [
  { id: 'package:build-essential', kind: 'package', name: 'build-essential', state: 'present' },
  { id: 'command:make -C /srv/app install', kind: 'command', name: 'make -C /srv/app install', creates: '/usr/local/bin/app', env: {} },
  { id: 'package:tree', kind: 'package', name: 'tree', state: 'present' },
  { id: 'file:/etc/app.conf', kind: 'file', name: '/etc/app.conf', content: 'x', state: 'present' } as ResourceSpec,
];

function vm(folders: string[]): MachineSpec & { vm: VmMachineSpec } {
  return { name: 'app', resources, vm: { image: image.path, arch: 'x86_64', cpus: 1, memoryMiB: 512, ports: [], folders, bootTimeoutMs: 60_000 } };
}

async function plan(folders: string[]) {
  const dir = await mkdtemp(path.join(tmpdir(), 'pl-vm-plan-'));
  dirs.push(dir);
  return planVmCacheStart(new VmBaseStore(path.join(dir, 'vm-cache'), path.join(dir, 'vms')), vm(folders), image, ctx);
}

describe('planVmCacheStart', () => {
  it('on a VM with synced folders, saves no base past the first command (it may read the folder)', async () => {
    const { keys } = await plan(['/home/me/app:/srv/app']);
    expect(keys.limit).toBe(1);
    expect(keys.savePoints).toEqual([1]);
  });

  it('on a VM without folders, a guarded command is saved past as any resource', async () => {
    const { keys } = await plan([]);
    expect(keys.limit).toBe(resources.length);
    expect(keys.savePoints.at(-1)).toBe(resources.length);
    expect(keys.savePoints.some((p) => p > 1)).toBe(true);
  });
});
