// A VM booted from a cached base must not keep the saved VM's identity: its seed's per-instance bootcmd
// removes the old login key before users-groups writes the new one, and gives it a new machine-id.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshIdentityScript, userData, type SeedInput } from '../../../../../electron/engine/backends/vm/cloud-init.js';
import { vmSnapshotWay } from '../../../../../electron/engine/backends/vm/vm-plan.js';

const seed: SeedInput = { instanceId: 'i-2', hostname: 'web', authorizedKey: 'ssh-ed25519 AAAAnew me\n', hostKey: { private: 'k', public: 'ssh-ed25519 AAAAhost\n' } };
const config = (s: SeedInput) => JSON.parse(userData(s).slice('#cloud-config\n'.length)) as Record<string, unknown>;

describe('the seed of a VM from a cached base', () => {
  it('a fresh VM has no bootcmd; one from cache runs the identity script once per instance', () => {
    expect(config(seed).bootcmd).toBeUndefined();
    const cmd = config({ ...seed, fromCache: true }).bootcmd as string[][];
    expect(cmd).toEqual([['cloud-init-per', 'instance', 'prodlike-fresh-identity', 'sh', '-c', freshIdentityScript()]]);
    // The host keys are replaced by the ssh module (new instance-id), with only this VM's key.
    expect(config({ ...seed, fromCache: true })).toMatchObject({ ssh_deletekeys: true, ssh_genkeytypes: [], users: [expect.objectContaining({ ssh_authorized_keys: ['ssh-ed25519 AAAAnew me'] })] });
  });

  it('the identity script removes the user\'s old authorized_keys and the old instance\'s records, and writes a new random machine-id', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'pl-seed-'));
    const home = path.join(root, 'home/prodlike');
    mkdirSync(path.join(home, '.ssh'), { recursive: true });
    writeFileSync(path.join(home, '.ssh/authorized_keys'), 'ssh-ed25519 AAAAold old\n');
    writeFileSync(path.join(home, '.ssh/other'), 'kept\n');
    const bin = path.join(root, 'bin');
    mkdirSync(bin);
    // getent answers for the prodlike user with a home under the sandbox.
    writeFileSync(path.join(bin, 'getent'), `#!/bin/sh\n[ "$2" = prodlike ] && echo "prodlike:x:1000:1000::${home}:/bin/bash"\n`);
    chmodSync(path.join(bin, 'getent'), 0o755);
    const etc = path.join(root, 'etc');
    mkdirSync(etc);
    writeFileSync(path.join(etc, 'machine-id'), 'a'.repeat(32) + '\n');
    // cloud-init's folder: the current instance (a link) and the saved VM's, which holds its user-data.
    const cloud = path.join(root, 'cloud');
    mkdirSync(path.join(cloud, 'instances/i-old'), { recursive: true });
    mkdirSync(path.join(cloud, 'instances/i-new'), { recursive: true });
    writeFileSync(path.join(cloud, 'instances/i-old/user-data.txt'), 'old host key\n');
    symlinkSync(path.join(cloud, 'instances/i-new'), path.join(cloud, 'instance'));
    const script = freshIdentityScript().replaceAll('/etc/machine-id', path.join(etc, 'machine-id')).replaceAll('/var/lib/dbus', path.join(root, 'dbus')).replaceAll('/var/lib/cloud', cloud);
    expect(script).not.toMatch(/ \/(etc|var)\//);
    const runOnce = () => {
      execFileSync('sh', ['-c', script], { env: { PATH: `${bin}:${process.env.PATH}` } });
      return readFileSync(path.join(etc, 'machine-id'), 'utf8');
    };
    const first = runOnce();
    expect(existsSync(path.join(home, '.ssh/authorized_keys'))).toBe(false);
    expect(readFileSync(path.join(home, '.ssh/other'), 'utf8')).toBe('kept\n');
    expect(readdirSync(path.join(cloud, 'instances'))).toEqual(['i-new']);
    expect(first).toMatch(/^[0-9a-f]{32}\n$/);
    expect(first).not.toBe('a'.repeat(32) + '\n');
    expect(runOnce()).not.toBe(first);
  });
});

describe('vmSnapshotWay', () => {
  it('a running VM goes through the monitor (with its memory), a stopped one through qemu-img', () => {
    expect(vmSnapshotWay('save', 'web', { running: true, folders: false })).toEqual({ way: 'monitor' });
    expect(vmSnapshotWay('save', 'web', { running: false, folders: true })).toEqual({ way: 'qemu-img' });
    expect(vmSnapshotWay('restore', 'web', { running: false, folders: false }, { withMemory: true })).toEqual({ way: 'qemu-img' });
    expect(vmSnapshotWay('rm', 'web', { running: true, folders: true })).toEqual({ way: 'monitor' });
  });

  it('refuses a running VM with synced folders, naming it and saying what to do', () => {
    const w = vmSnapshotWay('save', 'web', { running: true, folders: true });
    expect(w).toMatchObject({ way: 'refuse', why: expect.stringMatching(/^web: a running VM with synced folders cannot be snapshotted/), hint: expect.stringContaining('prodlike down') });
  });

  it('does not put a disk-only snapshot back under a running guest', () => {
    expect(vmSnapshotWay('restore', 'db', { running: true, folders: false }, { withMemory: false })).toMatchObject({ way: 'refuse', why: expect.stringMatching(/^db: .*disk only/) });
    expect(vmSnapshotWay('restore', 'db', { running: true, folders: false }, { withMemory: true })).toEqual({ way: 'monitor' });
  });

  it("puts memory back only into a running VM of the snapshot's memory and cpus, naming what differs", () => {
    const vm = (cpus: string, memory: string) => ({ running: true, folders: false, shape: { cpus, memory } });
    const snap = { withMemory: true, shape: { cpus: '2', memory: '1024M' } };
    expect(vmSnapshotWay('restore', 'db', vm('2', '1024M'), snap)).toEqual({ way: 'monitor' });
    const mem = vmSnapshotWay('restore', 'db', vm('2', '2048M'), snap);
    expect(mem).toMatchObject({ way: 'refuse', hint: expect.stringContaining('prodlike down') });
    expect(mem.way === 'refuse' && mem.why).toBe("db: this snapshot holds the memory of a VM with memory 1024M, and the VM runs with memory 2048M now; QEMU can put memory back only into the same machine");
    const cpus = vmSnapshotWay('restore', 'db', vm('1', '1024M'), snap);
    expect(cpus.way === 'refuse' && cpus.why).toMatch(/^db: .* with 2 cpus, and the VM runs with 1 cpu now/);
    expect(vmSnapshotWay('restore', 'db', vm('1', '512M'), snap)).toMatchObject({ why: expect.stringContaining('memory 1024M, 2 cpus') });
    // Stopped: its disk only is put back and it boots as the profile says; no shape recorded: QEMU decides.
    expect(vmSnapshotWay('restore', 'db', { ...vm('1', '512M'), running: false }, snap)).toEqual({ way: 'qemu-img' });
    expect(vmSnapshotWay('restore', 'db', vm('1', '512M'), { withMemory: true })).toEqual({ way: 'monitor' });
  });
});
