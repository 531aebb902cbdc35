// vm: machines with real QEMU (TCG where there is no usable KVM), end to end through the CLI, checked
// independently: the qemu processes from `ps`, the guest with the system `ssh` (trusting only the host
// key Prodlike pre-generated), the state folder with `ls`. The image is a small Debian built by
// scripts/vm-test-image.sh (mmdebstrap, direct kernel boot), cached between runs; it is served from a
// local HTTP server so the download, checksum and cache path are the real ones. Five boots in all,
// two of them in parallel.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, workspace, type Workspace } from '../../../support/cli.js';
import { missingQemu } from '../../../support/qemu.js';

const run = promisify(execFile);
const BOOT_MS = 900_000;

const missing = missingQemu('vm tests');

describe.skipIf(missing.length > 0)('vm machines with real QEMU', () => {
  let ws: Workspace;
  let image: string;
  let server: http.Server;
  let base: string;
  let sha512: string;
  let file: string;
  const profile = `pl-it-vm-${process.pid}`;

  const profileText = (o: { webMemory?: string; sum?: string; url?: string; db?: boolean } = {}) => `
name: ${profile}
machines:
  web:
    vm:
      image: ${o.url ?? `${base}/disk.qcow2`}
      sha512: ${o.sum ?? sha512}
      kernel: ${image}/vmlinuz
      initrd: ${image}/initrd.img
      append: root=/dev/vda rw
      cpus: 2
      memory: ${o.webMemory ?? '1G'}
      disk: 3G
      ports: ["127.0.0.1:${28000 + (process.pid % 1000)}:80"]
      folders: ["./shared:/srv/shared"]
    resources:
      - package: tree
      - file: /etc/prodlike-test.txt
        content: "hello from prodlike\\n"
        mode: "0644"
      - file: /etc/systemd/system/pl-demo.service
        content: |
          [Unit]
          Description=Prodlike demo
          [Service]
          ExecStart=/bin/sleep infinity
          [Install]
          WantedBy=multi-user.target
      - service: pl-demo
        state: running
        enabled: true
${
  o.db === false
    ? ''
    : `  db:
    vm:
      image: ${base}/disk.qcow2
      sha512: ${sha512}
      kernel: ${image}/vmlinuz
      initrd: ${image}/initrd.img
      cpus: 1
      memory: 512M
    resources:
      - file: /etc/db.txt
        content: "db\\n"
`
}`;

  const stateDir = (machine: string) => path.join(ws.dataDir, 'vms', profile, machine);

  /** The qemu processes running on this test's VMs, from `ps`: pid, machine, SSH port, memory. */
  function qemus(): { pid: number; machine: string; sshPort: number; memory: string }[] {
    const out = execFileSync('ps', ['-eo', 'pid=,stat=,args=', '-ww'], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((l) => /^\s*(\d+)\s+(\S+)\s+(qemu-system-\S+ .*)$/.exec(l))
      .filter((m): m is RegExpExecArray => !!m && !m[2]!.startsWith('Z') && m[3]!.includes(path.join(ws.dataDir, 'vms', profile)))
      .map((m) => ({
        pid: Number(m[1]),
        machine: /-name prodlike-[\w-]+?-(\w+) /.exec(m[3]!)![1]!,
        sshPort: Number(/hostfwd=tcp:127\.0\.0\.1:(\d+)-:22/.exec(m[3]!)![1]),
        memory: / -m (\S+)/.exec(m[3]!)![1]!,
      }));
  }

  /** Other processes serving this test's VMs (virtiofsd), from `ps`. */
  function helpers(): string[] {
    return execFileSync('ps', ['-eo', 'stat=,args=', '-ww'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => !/^\s*Z/.test(l) && l.includes('virtiofsd') && l.includes(path.join(ws.dataDir, 'vms', profile)));
  }

  /** Runs a command in the guest with the system ssh, trusting only the pre-generated host key. */
  async function ssh(machine: string, command: string): Promise<string> {
    const q = qemus().find((x) => x.machine === machine);
    if (!q) throw new Error(`no qemu runs for ${machine}`);
    const dir = stateDir(machine);
    const kh = path.join(ws.dir, `known_hosts_${machine}`);
    await fs.writeFile(kh, `[127.0.0.1]:${q.sshPort} ${readFileSync(path.join(dir, 'ssh_host_ed25519_key.pub'), 'utf8')}`);
    const args = ['-i', path.join(dir, 'id_ed25519'), '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=60', '-p', String(q.sshPort), 'prodlike@127.0.0.1', command];
    return (await run('ssh', args, { timeout: 120_000 })).stdout.trim();
  }

  async function up(): Promise<{ code: number; out: string; ms: number }> {
    const r = await ws.run(['up', file], { timeoutMs: BOOT_MS * 2 });
    return { code: r.code, out: r.stdout + r.stderr, ms: r.ms };
  }

  beforeAll(async () => {
    image = execFileSync('bash', [path.join(ROOT, 'scripts/vm-test-image.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 3_000_000 }).trim().split('\n').pop()!;
    const digest = path.join(image, 'disk.qcow2.sha512');
    if (!existsSync(digest)) {
      const h = createHash('sha512');
      for await (const c of createReadStream(path.join(image, 'disk.qcow2'))) h.update(c as Buffer);
      await fs.writeFile(digest, h.digest('hex'));
    }
    sha512 = readFileSync(digest, 'utf8').trim();
    server = http.createServer((req, res) => {
      const f = path.join(image, path.basename(req.url ?? ''));
      if (!req.url?.endsWith('.qcow2') || !existsSync(f)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': statSync(f).size });
      createReadStream(f).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ws = await workspace();
    file = await ws.write('profiles/vm.yaml', profileText());
  }, 3_000_000);

  afterAll(async () => {
    if (ws) {
      await ws.run(['destroy', file], { timeoutMs: 120_000 }).catch(() => undefined);
      for (const q of qemus()) process.kill(q.pid, 'SIGKILL');
      await fs.rm(ws.dir, { recursive: true, force: true });
    }
    server?.close();
  }, 180_000);

  it('a wrong checksum and an unreachable URL are clear errors that leave nothing written', async () => {
    const wrong = 'f'.repeat(128);
    const bad = await ws.write('profiles/bad.yaml', profileText({ sum: wrong, db: false }).replace(`name: ${profile}`, `name: ${profile}-bad`));
    const r = await ws.run(['up', bad], { timeoutMs: 300_000 });
    expect(r.code).not.toBe(0);
    const text = r.stdout + r.stderr;
    expect(text).toContain(`the image downloaded from ${base}/disk.qcow2 has the wrong sha512: expected ${wrong}, got ${sha512}`);
    expect(text).not.toMatch(/\n\s+at /);

    const closed = await new Promise<number>((resolve) => {
      const s = http.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const url = `http://127.0.0.1:${closed}/nothing.qcow2`;
    const gone = await ws.write('profiles/gone.yaml', profileText({ url, db: false }).replace(`name: ${profile}`, `name: ${profile}-gone`));
    const r2 = await ws.run(['up', gone], { timeoutMs: 300_000 });
    expect(r2.code).not.toBe(0);
    expect(r2.stdout + r2.stderr).toContain(`cannot download the image ${url}: ECONNREFUSED`);

    // Nothing half-written: no file in the image cache, no VM state, no process.
    const cache = path.join(ws.dataDir, 'vm-images');
    const files = existsSync(cache) ? execFileSync('find', [cache, '-type', 'f'], { encoding: 'utf8' }).trim() : '';
    expect(files).toBe('');
    expect(existsSync(path.join(ws.dataDir, 'vms', `${profile}-bad`, 'web', 'disk.qcow2'))).toBe(false);
    expect(existsSync(path.join(ws.dataDir, 'vms', `${profile}-gone`, 'web'))).toBe(false);
    expect(qemus()).toEqual([]);
  }, BOOT_MS);

  it('up boots two VMs in parallel, runs cloud-init with the pre-generated host key, and applies the resources', async () => {
    const r = await up();
    console.log(`vm: up of two VMs (download, create, boot under ${r.out.includes('tcg') ? 'TCG' : 'KVM'}, configure) took ${(r.ms / 1000).toFixed(1)} s`);
    expect(r.code, r.out).toBe(0);
    const procs = qemus();
    expect(procs.map((p) => p.machine).sort()).toEqual(['db', 'web']);

    // The host key the VM presents is the one Prodlike generated (ssh with StrictHostKeyChecking=yes
    // against it succeeded), and it is the VM's only host key.
    const pregenerated = readFileSync(path.join(stateDir('web'), 'ssh_host_ed25519_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    expect(await ssh('web', "sudo cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub")).toBe(pregenerated);
    expect(await ssh('web', 'ls /etc/ssh/ | grep -c "^ssh_host_.*_key$"')).toBe('1');
    expect(await ssh('web', 'cloud-init status --wait')).toContain('status: done');
    expect(await ssh('web', 'hostname')).toBe('web');
    expect(await ssh('db', 'hostname; cat /etc/db.txt')).toBe('db\ndb');

    expect(await ssh('web', 'dpkg-query -W -f=\'${Status}\' tree')).toBe('install ok installed');
    expect(await ssh('web', 'cat /etc/prodlike-test.txt')).toBe('hello from prodlike');
    expect(await ssh('web', 'systemctl is-enabled pl-demo; systemctl is-active pl-demo')).toBe('enabled\nactive');

    // The synced folder (virtiofs as root on Linux, else 9p) works both ways.
    await fs.writeFile(path.join(ws.dir, 'profiles/shared/from-host.txt'), 'host\n');
    expect(await ssh('web', 'cat /srv/shared/from-host.txt')).toBe('host');
    await ssh('web', 'echo guest | sudo tee /srv/shared/from-guest.txt >/dev/null');
    expect(readFileSync(path.join(ws.dir, 'profiles/shared/from-guest.txt'), 'utf8')).toBe('guest\n');

    // The key files are the VM's own, readable only by their owner.
    for (const f of ['id_ed25519', 'ssh_host_ed25519_key', 'state.json']) expect(statSync(path.join(stateDir('web'), f)).mode & 0o077).toBe(0);
    expect(readFileSync(path.join(stateDir('web'), 'id_ed25519.pub'), 'utf8')).not.toBe(readFileSync(path.join(stateDir('db'), 'id_ed25519.pub'), 'utf8'));
  }, BOOT_MS);

  it('up again changes nothing and keeps both VMs running', async () => {
    const before = qemus();
    const r = await up();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/web: provision kept/);
    expect(r.out).toMatch(/0 changed/);
    expect(qemus()).toEqual(before);
    console.log(`vm: a no-op up of two running VMs took ${(r.ms / 1000).toFixed(1)} s`);
  }, BOOT_MS);

  it('a changed memory size restarts only that VM, and status shows state, ports, accel and the ssh command', async () => {
    const before = qemus();
    await fs.writeFile(file, profileText({ webMemory: '1536M' }));
    const r = await up();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('restarted (memory changed (1024M → 1536M))');
    const after = qemus();
    expect(after.find((q) => q.machine === 'db')).toEqual(before.find((q) => q.machine === 'db'));
    const web = after.find((q) => q.machine === 'web')!;
    expect(web.pid).not.toBe(before.find((q) => q.machine === 'web')!.pid);
    expect(web.memory).toBe('1536M');
    expect(Number(await ssh('web', "awk '/MemTotal/ {print $2}' /proc/meminfo"))).toBeGreaterThan(1200 * 1024);
    expect(await ssh('web', 'cat /etc/prodlike-test.txt')).toBe('hello from prodlike');

    const st = await ws.run(['status', file, '--json']);
    const machines = (JSON.parse(st.stdout) as { machines: { machine: string; state: string; accel?: string; ports: string[]; sshCommand?: string }[] }).machines;
    const w = machines.find((m) => m.machine === 'web')!;
    expect(w).toMatchObject({ state: 'running', accel: expect.stringMatching(/^(kvm|tcg)$/) });
    expect(w.ports).toEqual([`127.0.0.1:${28000 + (process.pid % 1000)}:80`]);
    // The command status prints works as it is.
    const out = (await run('sh', ['-c', `${w.sshCommand} hostname`], { timeout: 120_000 })).stdout.trim();
    expect(out).toBe('web');
  }, BOOT_MS);

  it('down shuts both VMs down cleanly and leaves no qemu process', async () => {
    const r = await ws.run(['down', file], { timeoutMs: 600_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/stopped \(ACPI shutdown\)/);
    expect(qemus()).toEqual([]);
    expect(helpers()).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(stateDir('web'), 'state.json'), 'utf8')).pid).toBeUndefined();
  }, BOOT_MS);

  it('up boots it again with its disk kept, and removes the VM that left the profile', async () => {
    await fs.writeFile(file, profileText({ webMemory: '1536M', db: false }));
    const r = await up();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/web: provision started/);
    expect(r.out).toMatch(/db: remove removed \(no longer in the profile\)/);
    expect(await ssh('web', 'cat /etc/prodlike-test.txt')).toBe('hello from prodlike');
    expect(existsSync(stateDir('db'))).toBe(false);
    expect(qemus().map((q) => q.machine)).toEqual(['web']);
  }, BOOT_MS);

  it('a VM killed from outside is reported as stopped, and up starts it again', async () => {
    const [web] = qemus();
    process.kill(web!.pid, 'SIGKILL');
    await waitFor(() => qemus().length === 0);
    const st = await ws.run(['status', file, '--json']);
    const w = (JSON.parse(st.stdout) as { machines: { machine: string; state: string; error?: { message: string } }[] }).machines.find((m) => m.machine === 'web')!;
    expect(w.state).toBe('stopped');
    expect(w.error?.message).toBe(`qemu (pid ${web!.pid}) is not running: it was killed or crashed`);
    const r = await up();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`started (qemu (pid ${web!.pid}) had stopped without Prodlike: it was killed or crashed)`);
    expect(await ssh('web', 'systemctl is-active pl-demo')).toBe('active');
  }, BOOT_MS);

  it('destroy leaves no process and no file in the state folder', async () => {
    const r = await ws.run(['destroy', file], { timeoutMs: 300_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(qemus()).toEqual([]);
    expect(helpers()).toEqual([]);
    expect(existsSync(stateDir('web'))).toBe(false);
    expect(existsSync(path.join(ws.dataDir, 'vms', profile)) ? readdirSync(path.join(ws.dataDir, 'vms', profile)) : []).toEqual([]);
    // The cached base stays for the next VM: one download per image.
    expect(execFileSync('find', [path.join(ws.dataDir, 'vm-images'), '-name', 'disk.qcow2'], { encoding: 'utf8' }).trim()).not.toBe('');
  }, BOOT_MS);
});

async function waitFor(fn: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
