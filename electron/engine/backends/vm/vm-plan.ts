// The pure part of the vm backend: what a VM's configuration is (the parts recorded in its state
// folder), what `up` will do to it (create / start / keep / restart / recreate, with the cause), the
// acceleration to use, and QEMU's command line. No I/O here: unit-tested in test/unit/engine/backends/vm/.

import type { VmMachineSpec } from '../../../../shared/profile.js';

export type Accel = 'kvm' | 'hvf' | 'whpx' | 'tcg';

/**
 * What decided a VM, as text. A change in a `disk` part recreates the VM (its disk came from the
 * image); a change in a `boot` part restarts it with the new command line, keeping its disk.
 */
export interface VmParts {
  disk: Record<string, string>;
  boot: Record<string, string>;
}

export function vmParts(spec: VmMachineSpec, imageId: string): VmParts {
  return {
    disk: {
      image: imageId,
      arch: spec.arch,
      disk: spec.diskBytes === undefined ? 'image size' : formatSize(spec.diskBytes),
    },
    boot: {
      cpus: String(spec.cpus),
      memory: `${spec.memoryMiB}M`,
      ports: spec.ports.join(' '),
      folders: spec.folders.join(' '),
      kernel: spec.kernel ?? '',
      initrd: spec.initrd ?? '',
      append: spec.append ?? '',
    },
  };
}

/** 10737418240 → "10G", 1610612736 → "1536M": the largest unit that divides it. */
export function formatSize(bytes: number): string {
  for (const [unit, power] of [['T', 4], ['G', 3], ['M', 2], ['K', 1]] as const) {
    if (bytes % 1024 ** power === 0) return `${bytes / 1024 ** power}${unit}`;
  }
  return String(bytes);
}

/** What the state folder says about a VM (state.json), as far as the plan needs it. */
export interface RecordedVm {
  parts: VmParts;
  /** The qemu process recorded at the last start, if any. */
  pid?: number;
}

export type VmOperation =
  | { op: 'create' }
  | { op: 'recreate'; cause: string }
  | { op: 'start'; note?: string }
  | { op: 'restart'; cause: string }
  | { op: 'keep' };

/**
 * `recorded` is undefined when the VM has no state file; `leftovers` says its folder still holds
 * files (a state file deleted by hand: the disk cannot be trusted to be the one of this profile).
 */
export function planVm(want: VmParts, recorded: RecordedVm | undefined, running: boolean, leftovers = false): VmOperation {
  if (!recorded) return leftovers ? { op: 'recreate', cause: 'its state file was missing' } : { op: 'create' };
  const diskChange = changed(recorded.parts.disk, want.disk);
  if (diskChange) return { op: 'recreate', cause: diskChange };
  const bootChange = changed(recorded.parts.boot, want.boot);
  if (running) return bootChange ? { op: 'restart', cause: bootChange } : { op: 'keep' };
  if (recorded.pid !== undefined) return { op: 'start', note: `qemu (pid ${recorded.pid}) had stopped without Prodlike: it was killed or crashed` };
  return bootChange ? { op: 'start', note: bootChange } : { op: 'start' };
}

/** "memory changed (1024M → 1536M)", "image changed", ... or undefined when nothing did. */
export function changed(was: Record<string, string>, now: Record<string, string>): string | undefined {
  const keys = [...new Set([...Object.keys(now), ...Object.keys(was)])];
  const diffs = keys.filter((k) => (was[k] ?? '') !== (now[k] ?? ''));
  if (diffs.length === 0) return undefined;
  return diffs
    .map((k) => {
      const a = was[k] ?? '';
      const b = now[k] ?? '';
      // Image ids are long hashes: name the change, not the hashes.
      return k === 'image' || a.length > 40 || b.length > 40 || !a || !b ? `${k} changed` : `${k} changed (${a} → ${b})`;
    })
    .join(', ');
}

export function describeOperation(op: VmOperation): string {
  switch (op.op) {
    case 'create':
      return 'created';
    case 'recreate':
      return `recreated (${op.cause})`;
    case 'restart':
      return `restarted (${op.cause})`;
    case 'start':
      return op.note ? `started (${op.note})` : 'started';
    case 'keep':
      return 'kept (running)';
  }
}

/** The acceleration QEMU can use here: KVM on Linux, HVF on macOS, WHPX on Windows, else TCG. */
export function chooseAccel(host: { platform: string; arch: string; kvm: boolean }, guestArch: VmMachineSpec['arch']): Accel {
  const native = (host.arch === 'x64' && guestArch === 'x86_64') || (host.arch === 'arm64' && guestArch === 'aarch64');
  if (!native) return 'tcg';
  if (host.platform === 'linux') return host.kvm ? 'kvm' : 'tcg';
  if (host.platform === 'darwin') return 'hvf';
  if (host.platform === 'win32') return 'whpx';
  return 'tcg';
}

export interface Forward {
  proto: 'tcp' | 'udp';
  address: string;
  host: number;
  guest: number;
}

/** "127.0.0.1:8080:80", "8080:80/udp" → forwards; without an address, 127.0.0.1. */
export function parseForward(spec: string): Forward {
  const [body = '', proto = 'tcp'] = spec.split('/');
  const parts = body.split(':');
  const guest = Number(parts.pop());
  const host = Number(parts.pop());
  const address = parts.length ? parts.join(':') : '127.0.0.1';
  return { proto: proto === 'udp' ? 'udp' : 'tcp', address, host, guest };
}

export function hostfwd(f: Forward): string {
  return `hostfwd=${f.proto}:${f.address}:${f.host}-:${f.guest}`;
}

export interface QemuLaunch {
  spec: VmMachineSpec;
  accel: Accel;
  name: string;
  overlay: string;
  seed: string;
  qmpSocket: string;
  serialLog: string;
  pidFile: string;
  sshPort: number;
  /** Synced folders: virtiofs (a virtiofsd socket each) or 9p. */
  folders: { mode: 'virtiofs'; sockets: string[] } | { mode: '9p' } | { mode: 'none' };
  /** Extra firmware for aarch64 disk boot. */
  bios?: string;
}

/** The kernel command line: the profile's, with the serial console added when it names none. */
export function kernelAppend(append: string | undefined): string {
  const line = append ?? 'root=/dev/vda rw';
  return /(^|\s)console=/.test(line) ? line : `${line} console=ttyS0`;
}

/** A value inside QEMU's comma-separated options: commas are doubled. */
function opt(v: string): string {
  return v.replace(/,/g, ',,');
}

export function qemuArgs(l: QemuLaunch): string[] {
  const s = l.spec;
  const args: string[] = ['-name', opt(l.name), '-nodefaults', '-no-user-config', '-display', 'none'];
  args.push('-machine', s.arch === 'aarch64' ? 'virt' : 'q35');
  args.push('-accel', l.accel, '-cpu', l.accel === 'tcg' ? 'max' : 'host');
  args.push('-smp', String(s.cpus));
  if (l.folders.mode === 'virtiofs') {
    // vhost-user devices need the guest's memory shared with virtiofsd.
    args.push('-object', `memory-backend-memfd,id=mem,size=${s.memoryMiB}M,share=on`, '-numa', 'node,memdev=mem', '-m', `${s.memoryMiB}M`);
  } else {
    args.push('-m', `${s.memoryMiB}M`);
  }
  if (l.bios) args.push('-bios', l.bios);
  if (s.kernel) {
    args.push('-kernel', s.kernel);
    if (s.initrd) args.push('-initrd', s.initrd);
    args.push('-append', kernelAppend(s.append));
  }
  args.push('-drive', `file=${opt(l.overlay)},format=qcow2,if=virtio,discard=unmap`);
  args.push('-drive', `file=${opt(l.seed)},format=raw,if=virtio,readonly=on`);
  const fwd = [hostfwd({ proto: 'tcp', address: '127.0.0.1', host: l.sshPort, guest: 22 }), ...s.ports.map((p) => hostfwd(parseForward(p)))];
  args.push('-netdev', `user,id=net0,${fwd.join(',')}`, '-device', 'virtio-net-pci,netdev=net0');
  args.push('-device', 'virtio-rng-pci');
  s.folders.forEach((f, i) => {
    const host = f.slice(0, f.lastIndexOf(':'));
    if (l.folders.mode === 'virtiofs') {
      args.push('-chardev', `socket,id=fs${i},path=${opt(l.folders.sockets[i]!)}`, '-device', `vhost-user-fs-pci,chardev=fs${i},tag=prodlike${i}`);
    } else if (l.folders.mode === '9p') {
      args.push('-virtfs', `local,path=${opt(host)},mount_tag=prodlike${i},security_model=none,id=fs${i}`);
    }
  });
  args.push('-serial', `file:${l.serialLog}`);
  args.push('-qmp', `unix:${opt(l.qmpSocket)},server=on,wait=off`);
  args.push('-pidfile', l.pidFile, '-daemonize');
  return args;
}

/** The guest commands that mount the synced folders (idempotent). */
export function mountScript(folders: string[], mode: 'virtiofs' | '9p' | 'none'): string {
  if (mode === 'none' || folders.length === 0) return '';
  return folders
    .map((f, i) => {
      const guest = f.slice(f.lastIndexOf(':') + 1);
      const q = `'${guest.replace(/'/g, `'\\''`)}'`;
      const how = mode === 'virtiofs' ? `mount -t virtiofs prodlike${i} ${q}` : `mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 prodlike${i} ${q}`;
      return `mkdir -p ${q} && { mountpoint -q ${q} || ${how}; }`;
    })
    .join('\n');
}

/** `ssh` for people, as `status` shows it. */
export function sshCommand(o: { identity: string; knownHosts: string; port: number; user: string }): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `ssh -i ${q(o.identity)} -o UserKnownHostsFile=${q(o.knownHosts)} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -p ${o.port} ${o.user}@127.0.0.1`;
}

/** How a VM's snapshot is taken, put back or removed, or why it cannot be (with what to do). */
/** The machine a snapshot with memory was saved on, as a VM's state names it (VmParts.boot: "2", "1024M"). */
export interface VmShape {
  cpus: string;
  memory: string;
}

export type VmSnapshotWay = { way: 'monitor' } | { way: 'qemu-img' } | { way: 'refuse'; why: string; hint: string };

/**
 * A running VM: QEMU's savevm/loadvm/delvm (an internal qcow2 snapshot of the overlay with the guest's
 * memory: a restore is seconds, no boot). Synced folders block savevm (virtiofs and a mounted 9p
 * export cannot be migrated), so such a VM is saved stopped. A stopped VM: qemu-img snapshot (its disk
 * only; it boots from it at the next up). A disk-only snapshot is not put back under a running guest.
 */
export function vmSnapshotWay(op: 'save' | 'restore' | 'rm', machine: string, vm: { running: boolean; folders: boolean; shape?: VmShape }, snap?: { withMemory: boolean; shape?: VmShape }): VmSnapshotWay {
  if (!vm.running) return { way: 'qemu-img' };
  if (op === 'save' && vm.folders) {
    return {
      way: 'refuse',
      why: `${machine}: a running VM with synced folders cannot be snapshotted (QEMU's savevm refuses: virtiofs and 9p folders cannot be saved with the guest's memory)`,
      hint: 'stop the environment first (prodlike down), then snapshot save takes its disk only; or remove folders: from that machine',
    };
  }
  if (op === 'restore' && snap && !snap.withMemory) {
    return { way: 'refuse', why: `${machine}: this snapshot was taken while the VM was stopped and holds its disk only, which cannot be put back under a running guest`, hint: 'stop the environment first (prodlike down), then restore it and run up' };
  }
  // loadvm puts the memory back only into a machine of the same shape; otherwise QEMU fails part-way,
  // with the running guest's memory already overwritten.
  if (op === 'restore' && snap?.withMemory && snap.shape && vm.shape) {
    const diff = (['memory', 'cpus'] as const).filter((k) => snap.shape![k] !== vm.shape![k]);
    if (diff.length) {
      const say = (s: VmShape) => diff.map((k) => (k === 'memory' ? `memory ${s.memory}` : `${s.cpus} cpu${s.cpus === '1' ? '' : 's'}`)).join(', ');
      return {
        way: 'refuse',
        why: `${machine}: this snapshot holds the memory of a VM with ${say(snap.shape)}, and the VM runs with ${say(vm.shape)} now; QEMU can put memory back only into the same machine`,
        hint: 'stop the environment first (prodlike down), then restore: its disk is put back, and the next up boots it as the profile says; or set the profile back and run up, then restore',
      };
    }
  }
  return { way: 'monitor' };
}
