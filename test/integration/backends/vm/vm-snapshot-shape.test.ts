// A snapshot of an environment with a container and a running VM, restored after the VM's memory
// changed: QEMU's loadvm cannot put memory back into a machine of another size (it fails part-way, the
// guest's memory already overwritten), so the restore is refused before anything is changed — the
// container included, whose backend comes first. With the VM's memory as it was, both are put back.
//
// No boot: the VM is a real qemu paused before its first instruction (-S) on an overlay in the VM's
// state folder, as Prodlike leaves a running VM (state.json, its QMP socket); savevm and loadvm are
// QEMU's own. The container is checked with docker itself.
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VmStateFile } from '../../../../electron/engine/backends/vm/vm-provider.js';
import { docker, exec, purge, unique, workspace, type Workspace } from '../../../support/cli.js';
import { missingQemu } from '../../../support/qemu.js';

const missing = missingQemu('vm snapshot shape test');
const NAME = unique('pl-it-vmshape');
const ENV = { PRODLIKE_NO_CACHE: '1' };

describe.skipIf(missing.length > 0)('a snapshot with a VM’s memory is put back only into a VM of the same shape', () => {
  let ws: Workspace;
  let file: string;
  let dir: string;
  let qemu: ChildProcess | undefined;

  /** A paused qemu of `memory` on the overlay, recorded in state.json as Prodlike records a running VM. */
  async function startVm(memory: string): Promise<void> {
    await stopVm();
    const sock = path.join(dir, 'qmp.sock');
    await fs.rm(sock, { force: true });
    qemu = spawn('qemu-system-x86_64', ['-S', '-display', 'none', '-nodefaults', '-m', memory, '-smp', '1', '-drive', `file=${path.join(dir, 'disk.qcow2')},if=virtio`, '-qmp', `unix:${sock},server=on,wait=off`], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await fs.stat(sock).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 100));
    const state: VmStateFile = {
      version: 1,
      profile: NAME,
      machine: 'web',
      parts: { disk: { image: 'test', arch: 'x86_64', disk: 'image size' }, boot: { cpus: '1', memory, ports: '', folders: '', kernel: '', initrd: '', append: '' } },
      createdAt: new Date().toISOString(),
      pid: qemu.pid!,
      ports: [],
      qmpSocket: sock,
      folders: 'none',
      startedAt: new Date().toISOString(),
    };
    await fs.writeFile(path.join(dir, 'state.json'), JSON.stringify(state));
  }

  async function stopVm(): Promise<void> {
    if (!qemu || qemu.exitCode !== null) return;
    const p = qemu;
    await new Promise((r) => {
      p.once('exit', r);
      p.kill('SIGKILL');
    });
  }

  const snapshotsIn = () => execFileSync('qemu-img', ['snapshot', '-U', '-l', path.join(dir, 'disk.qcow2')], { encoding: 'utf8' });

  beforeAll(async () => {
    ws = await workspace();
    const base = path.join(ws.dir, 'base.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '64M']);
    // The container first, on its own; then the profile gains the VM (which is never booted here).
    file = await ws.write('profiles/p.yaml', `name: ${NAME}\nmachines:\n  app:\n    docker: { image: debian:bookworm }\n    resources:\n      - file: /srv/x.txt\n        content: "one\\n"\n`);
    const up = await ws.run(['up', file], { env: ENV });
    expect(up.code, up.stderr).toBe(0);
    await ws.write('profiles/p.yaml', `${await fs.readFile(file, 'utf8')}  web:\n    vm: { image: ${base}, memory: 64M, cpus: 1 }\n`);
    dir = path.join(ws.dataDir, 'vms', NAME, 'web');
    await fs.mkdir(dir, { recursive: true });
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, path.join(dir, 'disk.qcow2')]);
    await startVm('64M');
  }, 180_000);

  afterAll(async () => {
    await stopVm();
    purge(NAME);
    const imgs = docker('images', '-a', '--filter', `label=prodlike.snapshot-profile=${NAME}`, '-q');
    if (imgs) execFileSync('docker', ['rmi', '-f', ...new Set(imgs.split('\n'))], { stdio: 'ignore' });
  });

  it('refuses before the container is touched when the VM runs with other memory, and restores both when it does not', async () => {
    const save = await ws.run(['snapshot', 'save', file, 'before'], { env: ENV });
    expect(save.code, save.stdout + save.stderr).toBe(0);
    expect(save.stdout).toMatch(/web: saved \(running, with its memory/);
    expect(snapshotsIn()).toContain('prodlike-before');

    exec(`${NAME}-app`, 'echo two > /srv/x.txt');
    const app = docker('inspect', '-f', '{{.Id}}', `${NAME}-app`);
    // As after `up` with `memory: 128M`: the VM runs again, with more memory.
    await startVm('128M');
    const refused = await ws.run(['snapshot', 'restore', file, 'before'], { env: ENV });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('web: this snapshot holds the memory of a VM with memory 64M, and the VM runs with memory 128M now');
    expect(refused.stderr).toContain('nothing was changed');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    // Nothing was changed: the same container, with the file as it was changed after the save.
    expect(docker('inspect', '-f', '{{.Id}}', `${NAME}-app`)).toBe(app);
    expect(exec(`${NAME}-app`, 'cat /srv/x.txt')).toBe('two');

    await startVm('64M');
    const restore = await ws.run(['snapshot', 'restore', file, 'before'], { env: ENV });
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/web: restored \(running, with its memory/);
    expect(restore.stdout).toMatch(/^restored snapshot before of \S+: app, web$/m);
    expect(exec(`${NAME}-app`, 'cat /srv/x.txt')).toBe('one');
    expect(qemu?.exitCode).toBeNull();

    const rm = await ws.run(['snapshot', 'rm', file, 'before'], { env: ENV });
    expect(rm.code, rm.stderr).toBe(0);
    expect(snapshotsIn()).not.toContain('prodlike-before');
    expect(JSON.parse(await fs.readFile(path.join(dir, 'snapshots.json'), 'utf8'))).toEqual({});
  }, 300_000);
});
