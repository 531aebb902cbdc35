// One validated machine entry → MachineSpec: defaults applied, paths made absolute against the file
// that wrote them (a parent's `build: ./web` is relative to the parent).

import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import type * as z from 'zod/mini';
import type { DockerMachineSpec, SshMachineSpec, VmMachineSpec } from '../../../shared/profile.js';
import { Problems } from './problems.js';
import type { dockerSchema, sshSchema, vmSchema } from './schema.js';
import { locate, type MapNode, type PNode } from './yaml-tree.js';

type DockerInput = z.output<typeof dockerSchema>;
type SshInput = z.output<typeof sshSchema>;
type VmInput = z.output<typeof vmSchema>;

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 600_000;

/** The folder of the file a value was written in. */
function folderOf(root: PNode, path: PropertyKey[]): string {
  return dirname(locate(root, path).node.pos.file);
}

export function convertDocker(
  d: DockerInput,
  machineNode: MapNode,
  names: { profile: string; machine: string; path: string },
  problems: Problems,
): DockerMachineSpec | undefined {
  if (!d.image && !d.build) {
    problems.add(
      locate(machineNode, ['docker']).node.pos,
      `${names.path}.docker`,
      '"image" is required: expected an image reference such as "debian:bookworm" (or build:)',
      'add image: debian:bookworm, or build: with a folder that holds a Dockerfile',
    );
    return undefined;
  }
  const spec: DockerMachineSpec = {
    image: d.image ?? `prodlike/${names.profile}-${names.machine}:latest`,
    ports: d.ports,
    env: d.env,
    volumes: d.volumes.map((v, i) => {
      // A relative bind mount is relative to the profile file, as in Compose.
      if (!v.startsWith('./') && !v.startsWith('../') && !v.startsWith('~/')) return v;
      const sep = v.indexOf(':');
      return `${expandPath(v.slice(0, sep), folderOf(machineNode, ['docker', 'volumes', i]))}${v.slice(sep)}`;
    }),
    privileged: d.privileged,
  };
  if (d.build) {
    spec.build = {
      context: resolve(folderOf(machineNode, ['docker', 'build']), d.build.context),
      args: d.build.args,
    };
    if (d.build.dockerfile) spec.build.dockerfile = d.build.dockerfile;
  }
  if (d.command !== undefined) spec.command = typeof d.command === 'string' ? ['sh', '-c', d.command] : d.command;
  if (d.hostname) spec.hostname = d.hostname;
  return spec;
}

export function convertSsh(s: SshInput, machineNode: MapNode): SshMachineSpec {
  const identity = s.identity === undefined ? undefined : expandPath(s.identity, folderOf(machineNode, ['ssh', 'identity']));
  const spec: SshMachineSpec = {
    host: s.host,
    port: s.port,
    user: s.user,
    agent: s.agent ?? identity === undefined,
    become: s.become,
    connectTimeoutMs: Math.round((s.connect_timeout ?? DEFAULT_CONNECT_TIMEOUT_MS / 1000) * 1000),
    commandTimeoutMs: Math.round((s.command_timeout ?? DEFAULT_COMMAND_TIMEOUT_MS / 1000) * 1000),
  };
  if (identity) spec.identity = identity;
  if (s.jump) {
    // A bastion usually takes the same login and key as the hosts behind it.
    const jumpIdentity = s.jump.identity === undefined ? identity : expandPath(s.jump.identity, folderOf(machineNode, ['ssh', 'jump', 'identity']));
    spec.jump = { host: s.jump.host, port: s.jump.port, user: s.jump.user ?? s.user };
    if (jumpIdentity) spec.jump.identity = jumpIdentity;
  }
  return spec;
}

const DEFAULT_BOOT_TIMEOUT_MS = 900_000;

/** "1G", "512M", "1.5GiB" → bytes (powers of 1024; a bare number is bytes). */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT])?(?:i?B)?$/i.exec(text.trim());
  if (!m) return NaN;
  const power = m[2] ? 'KMGT'.indexOf(m[2].toUpperCase()) + 1 : 0;
  return Math.round(Number(m[1]) * 1024 ** power);
}

export function convertVm(v: VmInput, machineNode: MapNode, path: string, problems: Problems): VmMachineSpec | undefined {
  const at = (key: string) => locate(machineNode, ['vm', key]).node.pos;
  const isUrl = /^https?:\/\//i.test(v.image);
  let ok = true;
  if (isUrl && !v.sha512 && !v.sha256) {
    problems.add(at('image'), `${path}.vm.image`, 'an image URL needs its checksum: expected sha512: (or sha256:) next to it', "copy the image's line from the SHA512SUMS file published next to it");
    ok = false;
  }
  if (!v.kernel && (v.initrd || v.append)) {
    problems.add(at(v.initrd ? 'initrd' : 'append'), `${path}.vm`, `${v.initrd ? 'initrd:' : 'append:'} is for direct kernel boot: expected kernel: too`, 'add kernel: with the path of the kernel image, or remove it');
    ok = false;
  }
  const memoryMiB = Math.floor(parseSize(v.memory) / 2 ** 20);
  if (memoryMiB < 64) {
    problems.add(at('memory'), `${path}.vm.memory`, `expected at least 64M of memory, found "${v.memory}"`, 'give a VM memory such as 1G');
    ok = false;
  }
  if (!ok) return undefined;
  const file = (key: string, p: string) => expandPath(p, folderOf(machineNode, ['vm', key]));
  const spec: VmMachineSpec = {
    image: isUrl ? v.image : file('image', v.image),
    arch: v.arch,
    cpus: v.cpus,
    memoryMiB,
    ports: v.ports,
    folders: v.folders.map((f, i) => {
      const sep = f.lastIndexOf(':');
      return `${expandPath(f.slice(0, sep), folderOf(machineNode, ['vm', 'folders', i]))}${f.slice(sep)}`;
    }),
    bootTimeoutMs: Math.round((v.boot_timeout ?? DEFAULT_BOOT_TIMEOUT_MS / 1000) * 1000),
  };
  if (v.sha512) spec.sha512 = v.sha512.toLowerCase();
  if (v.sha256) spec.sha256 = v.sha256.toLowerCase();
  if (v.disk) spec.diskBytes = parseSize(v.disk);
  if (v.kernel) spec.kernel = file('kernel', v.kernel);
  if (v.initrd) spec.initrd = file('initrd', v.initrd);
  if (v.append !== undefined) spec.append = v.append;
  return spec;
}

/** `~/x` → the home folder; a relative path → against the profile file's folder. */
export function expandPath(p: string, folder: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return resolve(homedir(), p.slice(2));
  return isAbsolute(p) ? p : resolve(folder, p);
}
