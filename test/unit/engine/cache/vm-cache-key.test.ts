// A VM's cache keys: the container cache's chain over the VM's own base (image identity, arch, disk
// size, synced folders, host name), so the same rules hold (prefixes, save points, secrets).
import { describe, expect, it } from 'vitest';
import { longestMatch, machineKeys, vmMachineKeys, type VmKeyInput } from '../../../../electron/engine/cache/cache-key.js';
import type { ResourceSpec } from '../../../../shared/profile.js';

const pkg = (name: string): ResourceSpec => ({ id: `package:${name}`, kind: 'package', name, state: 'present' });
const file = (name: string, content: string): ResourceSpec => ({ id: `file:${name}`, kind: 'file', name, content, state: 'present' }) as ResourceSpec;
const resources = [pkg('tree'), file('/etc/a', 'a'), file('/etc/b', 'b')];
const input = (over: Partial<VmKeyInput> = {}): VmKeyInput => ({ baseImageId: 'sha512:abc', vm: { arch: 'x86_64', diskBytes: 3 * 2 ** 30, folders: [] }, machine: 'web', resources, isSecret: () => false, ...over });

describe('vmMachineKeys', () => {
  it('is stable, and each base part changes every key', () => {
    const a = vmMachineKeys(input());
    expect(vmMachineKeys(input()).keys).toEqual(a.keys);
    for (const over of [
      { baseImageId: 'sha512:other' },
      { vm: { arch: 'aarch64' as const, diskBytes: 3 * 2 ** 30, folders: [] } },
      { vm: { arch: 'x86_64' as const, diskBytes: 4 * 2 ** 30, folders: [] } },
      { vm: { arch: 'x86_64' as const, folders: [] } },
      { vm: { arch: 'x86_64' as const, diskBytes: 3 * 2 ** 30, folders: ['/h:/srv'] } },
      { machine: 'db' },
      { bootFilesId: '/k/vmlinuz:100:1' },
      { vm: { arch: 'x86_64' as const, diskBytes: 3 * 2 ** 30, folders: [], append: 'console=ttyS0' } },
    ]) {
      const b = vmMachineKeys(input(over)).keys;
      b.forEach((k, i) => expect(k).not.toBe(a.keys[i]));
    }
  });

  it('a synced folder counts by its guest path, not where it is on this computer', () => {
    const a = vmMachineKeys(input({ vm: { arch: 'x86_64', folders: ['/home/me/app:/srv/app'] } })).keys;
    expect(vmMachineKeys(input({ vm: { arch: 'x86_64', folders: ['/work/app:/srv/app'] } })).keys).toEqual(a);
  });

  it('never equals a container key of the same image and resources', () => {
    const docker = machineKeys({ baseImageId: 'sha512:abc', docker: { env: {}, volumes: [], privileged: false }, machine: 'web', resources, isSecret: () => false });
    expect(vmMachineKeys(input()).keys[0]).not.toBe(docker.keys[0]);
  });

  it('a changed file keeps the prefix before it; the save stops before a secret-bearing resource', () => {
    const a = vmMachineKeys(input());
    const changed = vmMachineKeys(input({ resources: [resources[0]!, resources[1]!, file('/etc/b', 'B')] }));
    expect(changed.keys.slice(0, 3)).toEqual(a.keys.slice(0, 3));
    expect(changed.keys[3]).not.toBe(a.keys[3]);
    // What a's run saved: its save points' states.
    const saved = new Set(a.savePoints.map((p) => a.keys[p]));
    expect(longestMatch(changed, (k) => saved.has(k))).toBe(1);
    const secret = vmMachineKeys(input({ isSecret: (r) => r.name === '/etc/b' }));
    expect(secret.limit).toBe(2);
    expect(secret.savePoints.at(-1)).toBeLessThanOrEqual(2);
  });
});
