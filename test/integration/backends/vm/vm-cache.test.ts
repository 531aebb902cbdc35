// VM snapshots and cached VM bases with real QEMU, in two boots: a converged VM is snapshotted with its
// memory, changed and restored (checked over ssh, not through Prodlike); its disk, saved to the cache
// as it converged, is what the next VM of the same machine boots from after a destroy — with a new host
// key, without the old login key, with a new machine-id, and with the profile's package and file; and
// `up` resumes that VM once paused behind its back. The cache is on for this file only (the CLI helper
// turns it off), and DOCKER_HOST points nowhere so that `cache prune` never touches the shared engine's
// cached containers.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, workspace, type Workspace } from '../../../support/cli.js';
import { missingQemu } from '../../../support/qemu.js';

const run = promisify(execFile);
const BOOT_MS = 900_000;

const missing = missingQemu('vm cache tests');

describe.skipIf(missing.length > 0)('vm snapshots and cached bases with real QEMU', () => {
  let ws: Workspace;
  let image: string;
  let file: string;
  const profile = `pl-it-vmc-${process.pid}`;
  const env = { PRODLIKE_NO_CACHE: '', DOCKER_HOST: 'unix:///nonexistent/prodlike-test-docker.sock' };
  const stateDir = () => path.join(ws.dataDir, 'vms', profile, 'web');
  const cacheDir = () => path.join(ws.dataDir, 'vm-cache');

  const profileText = () => `
name: ${profile}
machines:
  web:
    vm:
      image: ${image}/disk.qcow2
      kernel: ${image}/vmlinuz
      initrd: ${image}/initrd.img
      append: root=/dev/vda rw
      cpus: 2
      memory: 768M
      disk: 3G
    resources:
      - package: tree
      - file: /etc/prodlike-cache.txt
        content: "converged\\n"
        mode: "0644"
`;

  function qemus(): number[] {
    const out = execFileSync('ps', ['-eo', 'pid=,stat=,args=', '-ww'], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((l) => /^\s*(\d+)\s+(\S+)\s+(qemu-system-\S+ .*)$/.exec(l))
      .filter((m): m is RegExpExecArray => !!m && !m[2]!.startsWith('Z') && m[3]!.includes(path.join(ws.dataDir, 'vms', profile)))
      .map((m) => Number(m[1]));
  }

  function sshPort(): number {
    return (JSON.parse(readFileSync(path.join(stateDir(), 'state.json'), 'utf8')) as { sshPort: number }).sshPort;
  }

  /** The system ssh with a given identity, trusting only the host key Prodlike generated for this VM. */
  async function ssh(command: string, identity = path.join(stateDir(), 'id_ed25519')): Promise<string> {
    const kh = path.join(ws.dir, 'known_hosts_web');
    await fs.writeFile(kh, `[127.0.0.1]:${sshPort()} ${readFileSync(path.join(stateDir(), 'ssh_host_ed25519_key.pub'), 'utf8')}`);
    const args = ['-i', identity, '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=60', '-p', String(sshPort()), 'prodlike@127.0.0.1', command];
    return (await run('ssh', args, { timeout: 180_000 })).stdout.trim();
  }

  async function cli(args: string[], timeoutMs = 600_000): Promise<{ code: number; out: string; stdout: string; ms: number }> {
    const r = await ws.run(args, { env, timeoutMs });
    return { code: r.code, out: r.stdout + r.stderr, stdout: r.stdout, ms: r.ms };
  }
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

  const bases = () => (existsSync(cacheDir()) ? readdirSync(cacheDir()).filter((f) => f.endsWith('.qcow2') && !f.startsWith('.')) : []);

  async function backingChain(disk: string): Promise<{ filename: string; 'backing-filename'?: string; format: string }[]> {
    return JSON.parse((await run('qemu-img', ['info', '-U', '--backing-chain', '--output=json', disk])).stdout) as { filename: string; 'backing-filename'?: string; format: string }[];
  }

  /** One QMP command on QEMU's socket, written here rather than through Prodlike's client. */
  function rawQmp(socket: string, command: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const conn = net.createConnection(socket);
      const lines: string[] = [];
      let buf = '';
      conn.on('error', reject);
      conn.on('data', (d) => {
        buf += d.toString();
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const msg = JSON.parse(buf.slice(0, nl)) as { QMP?: unknown; event?: string; return?: unknown; error?: { desc: string } };
          buf = buf.slice(nl + 1);
          if (msg.event) continue;
          lines.push(JSON.stringify(msg));
          if (msg.QMP) conn.write('{"execute":"qmp_capabilities"}\n');
          else if (lines.length === 2) conn.write(`${JSON.stringify({ execute: command })}\n`);
          else {
            conn.end();
            if (msg.error) reject(new Error(msg.error.desc));
            else resolve(msg.return);
          }
        }
      });
    });
  }

  let oldIdentity: string;
  let oldHostKey: string;
  let oldMachineId: string;

  beforeAll(async () => {
    image = execFileSync('bash', [path.join(ROOT, 'scripts/vm-test-image.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 3_000_000 }).trim().split('\n').pop()!;
    ws = await workspace();
    file = await ws.write('profiles/vmc.yaml', profileText());
  }, 3_000_000);

  afterAll(async () => {
    if (ws) {
      await ws.run(['destroy', file], { env, timeoutMs: 120_000 }).catch(() => undefined);
      for (const pid of qemus()) process.kill(pid, 'SIGKILL');
      await fs.rm(ws.dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('up converges a VM and saves its disk as a thin qcow2 on the base image', async () => {
    const r = await cli(['up', file], BOOT_MS);
    expect(r.code, r.out).toBe(0);
    const saved = bases();
    expect(saved, r.out).toHaveLength(1);
    console.log(`vm cache: cold up (boot, converge, save the disk) took ${secs(r.ms)}; the base is ${(statSync(path.join(cacheDir(), saved[0]!)).blocks / 2048).toFixed(0)} MiB; load ${os.loadavg()[0]!.toFixed(1)}`);
    const chain = await backingChain(path.join(cacheDir(), saved[0]!));
    expect(chain.map((c) => c.format)).toEqual(['qcow2', 'qcow2']);
    expect(chain[0]!['backing-filename']).toBe(`${image}/disk.qcow2`);
    expect(chain[1]!.filename).toBe(`${image}/disk.qcow2`);
    // The VM was paused only while its disk was copied: it answers, converged.
    expect(await ssh('cat /etc/prodlike-cache.txt')).toBe('converged');

    oldIdentity = path.join(ws.dir, 'old_id_ed25519');
    await fs.copyFile(path.join(stateDir(), 'id_ed25519'), oldIdentity);
    await fs.chmod(oldIdentity, 0o600);
    oldHostKey = readFileSync(path.join(stateDir(), 'ssh_host_ed25519_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    oldMachineId = await ssh('cat /etc/machine-id');
    expect(oldMachineId).toMatch(/^[0-9a-f]{32}$/);

    const ls = await cli(['cache', 'ls', '--json']);
    expect(ls.code, ls.out).toBe(0);
    const listing = JSON.parse(ls.stdout) as { entries: { backend?: string; profile: string; machine: string; prefix: number; total: number }[] };
    expect(listing.entries.filter((e) => e.backend === 'vm')).toEqual([expect.objectContaining({ profile, machine: 'web', prefix: 2, total: 2 })]);
  }, BOOT_MS);

  it('snapshot save, a changed file, package and user, snapshot restore: all three are back, without a boot', async () => {
    const bootId = await ssh('cat /proc/sys/kernel/random/boot_id');
    const save = await cli(['snapshot', 'save', file, 'before']);
    expect(save.code, save.out).toBe(0);
    expect(save.out).toContain(`saved snapshot before of ${profile}: web`);

    await ssh('echo changed | sudo tee /etc/prodlike-cache.txt >/dev/null && sudo apt-get remove -y -q tree >/dev/null 2>&1 && sudo useradd plsnap');
    const installed = "dpkg -s tree 2>/dev/null | grep -q '^Status: install ok installed' && echo installed || echo removed";
    expect(await ssh(`cat /etc/prodlike-cache.txt; ${installed}; id -u plsnap >/dev/null && echo has-user`)).toBe('changed\nremoved\nhas-user');

    const restore = await cli(['snapshot', 'restore', file, 'before']);
    expect(restore.code, restore.out).toBe(0);
    console.log(`vm cache: snapshot save (savevm) took ${secs(save.ms)}, restore (loadvm) ${secs(restore.ms)}; load ${os.loadavg()[0]!.toFixed(1)}`);
    expect(await ssh('cat /etc/prodlike-cache.txt')).toBe('converged');
    expect(await ssh(installed)).toBe('installed');
    expect(await ssh('id plsnap >/dev/null 2>&1 && echo has-user || echo no-user')).toBe('no-user');
    // Its memory came back with it: the same boot, not a new one.
    expect(await ssh('cat /proc/sys/kernel/random/boot_id')).toBe(bootId);

    const ls = await cli(['snapshot', 'ls', file, '--json']);
    expect(JSON.parse(ls.stdout) as unknown).toEqual([expect.objectContaining({ name: 'before', machines: ['web'] })]);
    const rm = await cli(['snapshot', 'rm', file, 'before']);
    expect(rm.code, rm.out).toBe(0);
    expect((await run('qemu-img', ['snapshot', '-U', '-l', path.join(stateDir(), 'disk.qcow2')])).stdout).not.toContain('prodlike-before');
  }, BOOT_MS);

  it('after destroy, up boots from the cached base with a new identity and the converged state', async () => {
    const d = await cli(['destroy', file]);
    expect(d.code, d.out).toBe(0);
    expect(bases()).toHaveLength(1);

    const r = await cli(['up', file], BOOT_MS);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/web: provision created from cache \(saved \d{4}-\d\d-\d\d \d\d:\d\d, 2 of 2 resources\)/);
    expect(r.out).toMatch(/0 changed/);
    console.log(`vm cache: up from the cached base (boot, probe) took ${secs(r.ms)}; load ${os.loadavg()[0]!.toFixed(1)}`);

    // Its overlay backs onto the cached base, which backs onto the image.
    const base = path.join(cacheDir(), bases()[0]!);
    const chain = await backingChain(path.join(stateDir(), 'disk.qcow2'));
    expect(chain.map((c) => c.filename)).toEqual([path.join(stateDir(), 'disk.qcow2'), base, `${image}/disk.qcow2`]);

    // A new host key (ssh above trusts only the new one) that differs from the old VM's.
    const newHostKey = readFileSync(path.join(stateDir(), 'ssh_host_ed25519_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    expect(newHostKey).not.toBe(oldHostKey);
    expect(await ssh("sudo cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub")).toBe(newHostKey);
    expect(await ssh('ls /etc/ssh/ | grep -c "^ssh_host_.*_key$"')).toBe('1');
    // The old VM's login key no longer logs in; the new one is the only authorized key.
    await expect(ssh('true', oldIdentity)).rejects.toThrow(/Permission denied/);
    expect(await ssh('wc -l < ~/.ssh/authorized_keys')).toBe('1');
    const machineId = await ssh('cat /etc/machine-id');
    expect(machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(machineId).not.toBe(oldMachineId);
    expect(await ssh('hostname')).toBe('web');
    // The saved VM's cloud-init records (its user-data held its private host key) are gone.
    expect(await ssh('sudo ls /var/lib/cloud/instances | wc -l')).toBe('1');
    // What the profile asked for is there.
    expect(await ssh("dpkg-query -W -f='${Status}' tree")).toBe('install ok installed');
    expect(await ssh('cat /etc/prodlike-cache.txt; stat -c %a /etc/prodlike-cache.txt')).toBe('converged\n644');
  }, BOOT_MS);

  it('up resumes a VM left paused (as a save whose cont never came through would leave it)', async () => {
    const socket = (JSON.parse(readFileSync(path.join(stateDir(), 'state.json'), 'utf8')) as { qmpSocket: string }).qmpSocket;
    expect(await rawQmp(socket, 'stop')).toEqual({});
    expect(await rawQmp(socket, 'query-status')).toMatchObject({ status: 'paused' });
    const r = await cli(['up', file]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('web: the VM was paused; resuming it');
    expect(await rawQmp(socket, 'query-status')).toMatchObject({ status: 'running', running: true });
    expect(await ssh('cat /etc/prodlike-cache.txt')).toBe('converged');
  }, BOOT_MS);

  it('cache prune keeps a base a VM disk is built on, and removes it once the VM is gone', async () => {
    const kept = await cli(['cache', 'prune', '--all', '--json']);
    expect(kept.code, kept.out).toBe(0);
    const res = JSON.parse(kept.stdout) as { removed: unknown[]; kept: { entry: { machine: string }; why: string }[]; warnings?: string[] };
    expect(res.removed).toEqual([]);
    expect(res.kept).toEqual([{ entry: expect.objectContaining({ machine: 'web', backend: 'vm' }), why: `the disk of VM ${profile}/web is built on it: destroy that VM first` }]);
    expect(res.warnings?.[0]).toMatch(/cached container states not pruned/);
    expect(bases()).toHaveLength(1);
    expect(await ssh('cat /etc/prodlike-cache.txt')).toBe('converged');

    expect((await cli(['destroy', file])).code).toBe(0);
    const gone = await cli(['cache', 'prune', '--all', '--json']);
    expect(gone.code, gone.out).toBe(0);
    expect((JSON.parse(gone.stdout) as { removed: { machine: string }[] }).removed).toEqual([expect.objectContaining({ machine: 'web' })]);
    expect(bases()).toEqual([]);
  }, BOOT_MS);
});
