// The NoCloud seed of a VM's first boot: hostname, the `prodlike` user with passwordless sudo and the
// VM's own public key, and the pre-generated SSH host key, so the host key is known before the first
// connection (no trust on first use). The seed is an ISO 9660 image labelled `cidata`.

import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { VmError } from './vm-error.js';

const run = promisify(execFile);

export const VM_USER = 'prodlike';
/** Printed on the serial console when cloud-init's last stage is done, at every boot. */
export const READY_MARK = 'prodlike-vm-ready';

export interface SeedInput {
  instanceId: string;
  hostname: string;
  authorizedKey: string;
  hostKey: { private: string; public: string };
  /**
   * The disk is a cached base saved from another VM: its previous identity goes at this instance's
   * first boot (see freshIdentityScript).
   */
  fromCache?: boolean;
}

/**
 * Run once per instance by bootcmd, which cloud-init runs before users-groups and ssh: the login keys
 * the saved VM had for the `prodlike` user are removed (users-groups then writes only this VM's key,
 * where it would otherwise add it to the old one), /etc/machine-id gets a new random value (and
 * D-Bus's copy, when it is a file of its own), and cloud-init's records of earlier instances go (the
 * saved VM's user-data holds its private host key). The host keys need nothing here: a new instance-id
 * makes the ssh module delete them (ssh_deletekeys) and write this VM's pre-generated one.
 */
export function freshIdentityScript(): string {
  return [
    `home=$(getent passwd ${VM_USER} | cut -d: -f6)`,
    'if [ -n "$home" ]; then rm -f "$home/.ssh/authorized_keys"; fi',
    "id=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')",
    'printf "%s\\n" "$id" > /etc/machine-id',
    'if [ -f /var/lib/dbus/machine-id ] && [ ! -L /var/lib/dbus/machine-id ]; then cp /etc/machine-id /var/lib/dbus/machine-id; fi',
    'for d in /var/lib/cloud/instances/*; do if [ -d "$d" ] && [ ! "$d" -ef /var/lib/cloud/instance ]; then rm -rf "$d"; fi; done',
  ].join('\n');
}

/**
 * user-data as JSON (which is YAML): no quoting to get wrong. Only the stages Prodlike needs run:
 * the init stage (users, keys, host name, disk growth); the config and final stages are reduced to
 * the ready mark, since Prodlike configures the machine itself over SSH afterwards (and the config
 * stage would restart sshd under a first connection).
 */
export function userData(s: SeedInput): string {
  const config = {
    hostname: s.hostname,
    preserve_hostname: false,
    users: [
      {
        name: VM_USER,
        gecos: 'Prodlike',
        shell: '/bin/bash',
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        lock_passwd: true,
        ssh_authorized_keys: [s.authorizedKey.trim()],
      },
    ],
    disable_root: true,
    ssh_pwauth: false,
    ssh_deletekeys: true,
    ssh_genkeytypes: [],
    ssh_keys: { ed25519_private: s.hostKey.private, ed25519_public: s.hostKey.public.trim() },
    ...(s.fromCache ? { bootcmd: [['cloud-init-per', 'instance', 'prodlike-fresh-identity', 'sh', '-c', freshIdentityScript()]] } : {}),
    cloud_config_modules: [],
    cloud_final_modules: ['final_message'],
    final_message: `${READY_MARK} $UPTIME`,
  };
  return `#cloud-config\n${JSON.stringify(config, null, 2)}\n`;
}

export function metaData(s: SeedInput): string {
  return `instance-id: ${s.instanceId}\nlocal-hostname: ${s.hostname}\n`;
}

/** Writes `out` (the seed ISO) with the first ISO tool found: cloud-localds, genisoimage, mkisofs, xorriso. */
export async function writeSeed(out: string, s: SeedInput): Promise<void> {
  const dir = `${out}.d`;
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const ud = path.join(dir, 'user-data');
  const md = path.join(dir, 'meta-data');
  await fs.writeFile(ud, userData(s), { mode: 0o600 });
  await fs.writeFile(md, metaData(s), { mode: 0o600 });
  const tries: [string, string[]][] = [
    ['cloud-localds', [out, ud, md]],
    ['genisoimage', ['-quiet', '-output', out, '-volid', 'cidata', '-joliet', '-rock', ud, md]],
    ['mkisofs', ['-quiet', '-output', out, '-volid', 'cidata', '-joliet', '-rock', ud, md]],
    ['xorriso', ['-as', 'mkisofs', '-quiet', '-output', out, '-volid', 'cidata', '-joliet', '-rock', ud, md]],
  ];
  try {
    for (const [tool, args] of tries) {
      try {
        await run(tool, args);
        await fs.chmod(out, 0o600);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new VmError(`could not write the cloud-init seed with ${tool}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`, { where: out });
      }
    }
    throw new VmError('no tool to write a cloud-init seed image was found (cloud-localds, genisoimage, mkisofs or xorriso)', {
      hint: 'install cloud-image-utils (Debian, Ubuntu), cdrtools or xorriso (Homebrew); `prodlike doctor` checks it',
    });
  } finally {
    // The seed holds the host's private key: keep only the ISO (mode 0600).
    await fs.rm(dir, { recursive: true, force: true });
  }
}
