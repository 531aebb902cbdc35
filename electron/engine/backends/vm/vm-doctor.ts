// What `prodlike doctor` checks for vm: machines: QEMU and qemu-img, a cloud-init seed writer, the
// acceleration this host gives, and free disk in the data folder. Each check says what to do.

import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { chooseAccel, type Accel } from './vm-plan.js';

const run = promisify(execFile);

export interface VmCheck {
  name: string;
  ok: boolean;
  /** A warning only (the VMs work, slower or with less room). */
  warn?: boolean;
  detail: string;
  hint?: string;
}

const INSTALL = 'install QEMU (Debian/Ubuntu: apt install qemu-system-x86 qemu-utils cloud-image-utils; macOS: brew install qemu cdrtools)';

async function version(cmd: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(cmd, ['--version'], { timeout: 10_000 });
    return stdout.split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
}

async function onPath(cmd: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    if (await fs.access(`${dir}/${cmd}`, constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

/**
 * KVM needs /dev/kvm (writable) and hardware virtualization (vmx or svm): some hosts offer a /dev/kvm
 * that runs only paravirtualized guests (kvm-pvm), where a normal kernel stops at its first instruction.
 */
export async function kvmFacts(): Promise<{ dev: boolean; virt: boolean }> {
  if (process.platform !== 'linux') return { dev: false, virt: false };
  const dev = await fs.access('/dev/kvm', constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
  const virt = dev && /^flags\s*:.*\b(vmx|svm)\b/m.test(await fs.readFile('/proc/cpuinfo', 'utf8').catch(() => ''));
  return { dev, virt };
}

export async function vmChecks(dataDir: string, arch: 'x86_64' | 'aarch64' = process.arch === 'arm64' ? 'aarch64' : 'x86_64'): Promise<VmCheck[]> {
  const checks: VmCheck[] = [];
  const qemu = `qemu-system-${arch}`;
  const [qv, iv] = await Promise.all([version(qemu), version('qemu-img')]);
  checks.push(qv ? { name: 'QEMU', ok: true, detail: qv } : { name: 'QEMU', ok: false, detail: `${qemu} not found`, hint: INSTALL });
  checks.push(iv ? { name: 'qemu-img', ok: true, detail: iv } : { name: 'qemu-img', ok: false, detail: 'qemu-img not found', hint: INSTALL });

  const seeders = ['cloud-localds', 'genisoimage', 'mkisofs', 'xorriso'];
  const found: string[] = [];
  for (const s of seeders) if (await onPath(s)) found.push(s);
  checks.push(
    found.length
      ? { name: 'cloud-init seed', ok: true, detail: `${found[0]}` }
      : { name: 'cloud-init seed', ok: false, detail: `none of ${seeders.join(', ')} found`, hint: INSTALL },
  );

  const { dev, virt } = await kvmFacts();
  const accel: Accel = chooseAccel({ platform: process.platform, arch: process.arch, kvm: virt }, arch);
  if (accel === 'tcg') {
    const why = process.platform !== 'linux' ? 'no hypervisor for this guest architecture' : !dev ? '/dev/kvm is missing or not writable' : 'the CPU shows no hardware virtualization (vmx/svm)';
    checks.push({ name: 'acceleration', ok: true, warn: true, detail: `none: plain emulation (TCG), slow (${why})`, hint: process.platform === 'linux' ? 'enable virtualization in the firmware, load kvm, and add yourself to the kvm group' : undefined });
  } else {
    checks.push({ name: 'acceleration', ok: true, detail: accel });
  }

  const st = await fs.statfs(dataDir).catch(() => fs.statfs('/'));
  const free = st.bavail * st.bsize;
  const gib = Math.round((free / 2 ** 30) * 10) / 10;
  checks.push(gib < 5 ? { name: 'free disk', ok: true, warn: true, detail: `${gib} GiB free in ${dataDir}`, hint: 'a cloud image takes about 0.5 GiB, and each VM grows its own disk: free some space' } : { name: 'free disk', ok: true, detail: `${gib} GiB free in ${dataDir}` });
  return checks;
}
