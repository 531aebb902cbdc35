// The vm backend's pure decisions: what up does to a VM, which acceleration, QEMU's command line.
import { describe, expect, it } from 'vitest';
import type { VmMachineSpec } from '../../../../../shared/profile.js';
import { userData } from '../../../../../electron/engine/backends/vm/cloud-init.js';
import {
  chooseAccel,
  describeOperation,
  kernelAppend,
  mountScript,
  parseForward,
  planVm,
  qemuArgs,
  sshCommand,
  vmParts,
} from '../../../../../electron/engine/backends/vm/vm-plan.js';

const spec: VmMachineSpec = { image: '/img/base.qcow2', arch: 'x86_64', cpus: 2, memoryMiB: 1024, ports: ['127.0.0.1:8080:80'], folders: [], bootTimeoutMs: 60_000 };
const parts = vmParts(spec, 'sha512:aa');

describe('planVm', () => {
  it('creates a VM that has no state, and recreates one whose state file is gone but whose folder is not', () => {
    expect(planVm(parts, undefined, false)).toEqual({ op: 'create' });
    expect(planVm(parts, undefined, false, true)).toEqual({ op: 'recreate', cause: 'its state file was missing' });
  });

  it('keeps a running VM with the same configuration and starts a stopped one', () => {
    expect(planVm(parts, { parts }, true)).toEqual({ op: 'keep' });
    expect(planVm(parts, { parts }, false)).toEqual({ op: 'start' });
  });

  it('says a VM whose recorded qemu is gone was killed or crashed', () => {
    const op = planVm(parts, { parts, pid: 4242 }, false);
    expect(op).toEqual({ op: 'start', note: 'qemu (pid 4242) had stopped without Prodlike: it was killed or crashed' });
  });

  it('recreates on a changed image or disk size, naming the cause', () => {
    expect(planVm(vmParts(spec, 'sha512:bb'), { parts }, true)).toEqual({ op: 'recreate', cause: 'image changed' });
    expect(planVm(vmParts({ ...spec, diskBytes: 10 * 2 ** 30 }, 'sha512:aa'), { parts }, false)).toEqual({ op: 'recreate', cause: 'disk changed (image size → 10G)' });
  });

  it('restarts a running VM whose memory or CPUs changed, keeping its disk', () => {
    const more = vmParts({ ...spec, memoryMiB: 1536 }, 'sha512:aa');
    expect(planVm(more, { parts }, true)).toEqual({ op: 'restart', cause: 'memory changed (1024M → 1536M)' });
    expect(planVm(vmParts({ ...spec, cpus: 4 }, 'sha512:aa'), { parts }, true)).toEqual({ op: 'restart', cause: 'cpus changed (2 → 4)' });
    expect(planVm(more, { parts }, false)).toEqual({ op: 'start', note: 'memory changed (1024M → 1536M)' });
  });

  it('describes each operation for the run output', () => {
    expect(describeOperation({ op: 'restart', cause: 'memory changed (1024M → 1536M)' })).toBe('restarted (memory changed (1024M → 1536M))');
    expect(describeOperation({ op: 'keep' })).toBe('kept (running)');
  });
});

describe('chooseAccel', () => {
  it('uses the native hypervisor of each OS for a guest of the host architecture, else TCG', () => {
    expect(chooseAccel({ platform: 'linux', arch: 'x64', kvm: true }, 'x86_64')).toBe('kvm');
    expect(chooseAccel({ platform: 'linux', arch: 'x64', kvm: false }, 'x86_64')).toBe('tcg');
    expect(chooseAccel({ platform: 'darwin', arch: 'arm64', kvm: false }, 'aarch64')).toBe('hvf');
    expect(chooseAccel({ platform: 'darwin', arch: 'arm64', kvm: false }, 'x86_64')).toBe('tcg');
    expect(chooseAccel({ platform: 'win32', arch: 'x64', kvm: false }, 'x86_64')).toBe('whpx');
  });
});

describe('qemuArgs', () => {
  const base = { spec, accel: 'tcg' as const, name: 'prodlike-shop-web', overlay: '/s/disk.qcow2', seed: '/s/seed.iso', qmpSocket: '/s/qmp.sock', serialLog: '/s/serial.log', pidFile: '/s/qemu.pid', sshPort: 40022, folders: { mode: 'none' as const } };

  it('forwards SSH and the declared ports on 127.0.0.1, with QMP, serial log and daemonize', () => {
    const a = qemuArgs(base).join(' ');
    expect(a).toContain('-netdev user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:8080-:80');
    expect(a).toContain('-accel tcg -cpu max -smp 2 -m 1024M');
    expect(a).toContain('-qmp unix:/s/qmp.sock,server=on,wait=off');
    expect(a).toContain('-serial file:/s/serial.log');
    expect(a).toMatch(/-pidfile \/s\/qemu.pid -daemonize$/);
    expect(a).not.toContain('-kernel');
  });

  it('boots a kernel directly, adding the serial console when the command line names none', () => {
    const a = qemuArgs({ ...base, accel: 'kvm', spec: { ...spec, kernel: '/k/vmlinuz', initrd: '/k/initrd', append: 'root=/dev/vda rw' } });
    expect(a.slice(a.indexOf('-kernel'), a.indexOf('-kernel') + 6)).toEqual(['-kernel', '/k/vmlinuz', '-initrd', '/k/initrd', '-append', 'root=/dev/vda rw console=ttyS0']);
    expect(a.join(' ')).toContain('-accel kvm -cpu host');
    expect(kernelAppend('root=/dev/sda console=hvc0')).toBe('root=/dev/sda console=hvc0');
  });

  it('doubles commas inside option values', () => {
    expect(qemuArgs({ ...base, overlay: '/a,b/disk.qcow2' }).join(' ')).toContain('file=/a,,b/disk.qcow2,format=qcow2');
  });

  it('shares folders over virtiofs (shared memory) or 9p', () => {
    const withFolder = { ...spec, folders: ['/home/me/src:/srv/src'] };
    const v = qemuArgs({ ...base, spec: withFolder, folders: { mode: 'virtiofs', sockets: ['/s/fs0.sock'] } }).join(' ');
    expect(v).toContain('memory-backend-memfd,id=mem,size=1024M,share=on');
    expect(v).toContain('vhost-user-fs-pci,chardev=fs0,tag=prodlike0');
    const p = qemuArgs({ ...base, spec: withFolder, folders: { mode: '9p' } }).join(' ');
    expect(p).toContain('-virtfs local,path=/home/me/src,mount_tag=prodlike0');
    expect(mountScript(withFolder.folders, '9p')).toBe("mkdir -p '/srv/src' && { mountpoint -q '/srv/src' || mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 prodlike0 '/srv/src'; }");
  });
});

describe('ports, seed and ssh command', () => {
  it('parses host:guest forwards, defaulting to 127.0.0.1 and tcp', () => {
    expect(parseForward('8080:80')).toEqual({ proto: 'tcp', address: '127.0.0.1', host: 8080, guest: 80 });
    expect(parseForward('0.0.0.0:5353:53/udp')).toEqual({ proto: 'udp', address: '0.0.0.0', host: 5353, guest: 53 });
  });

  it('puts the per-VM key and the pre-generated host key in the user-data, and no password', () => {
    const text = userData({ instanceId: 'i-1', hostname: 'web', authorizedKey: 'ssh-ed25519 AAAAuser me\n', hostKey: { private: '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n', public: 'ssh-ed25519 AAAAhost\n' } });
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const cfg = JSON.parse(text.slice('#cloud-config\n'.length));
    expect(cfg.users[0]).toMatchObject({ name: 'prodlike', sudo: 'ALL=(ALL) NOPASSWD:ALL', lock_passwd: true, ssh_authorized_keys: ['ssh-ed25519 AAAAuser me'] });
    expect(cfg.ssh_keys).toEqual({ ed25519_private: '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n', ed25519_public: 'ssh-ed25519 AAAAhost' });
    expect(cfg.ssh_genkeytypes).toEqual([]);
    expect(cfg.ssh_pwauth).toBe(false);
  });

  it('quotes paths in the ssh command for people', () => {
    expect(sshCommand({ identity: '/d/My VMs/id', knownHosts: '/d/kh', port: 40022, user: 'prodlike' })).toBe(
      "ssh -i '/d/My VMs/id' -o UserKnownHostsFile=/d/kh -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -p 40022 prodlike@127.0.0.1",
    );
  });
});
