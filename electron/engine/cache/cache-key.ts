// The environment cache's keys, decided without an engine. A machine's state after its first k resources
// is decided by the base image, the container settings that commands see (env, hostname, volumes,
// privileged, working directory, the container's own process), and those k resources as loaded
// (interpolated, `src:` files read). Key k chains key k-1 with resource k, so a change to resource j
// leaves keys 0..j-1 valid: the longest unchanged prefix is reused, as Docker's build cache reuses layers.

import { createHash } from 'node:crypto';
import type { DockerMachineSpec, ResourceSpec, VmMachineSpec } from '../../../shared/profile.js';
import { kindOf } from '../resources/registry.js';

/** Bump when what a key covers (or how a cached image is made) changes: old entries stop matching. */
export const CACHE_FORMAT_VERSION = 1;

export interface MachineKeyInput {
  /** The ID of the machine's base image (what `image:` resolved or was built to). */
  baseImageId: string;
  docker: Pick<DockerMachineSpec, 'env' | 'volumes' | 'privileged' | 'hostname' | 'workingDir' | 'user' | 'command' | 'entrypoint' | 'keepAlive'>;
  machine: string;
  resources: ResourceSpec[];
  /**
   * Whether no saved state may include the resource: its value came from a secret, or what it leaves
   * depends on something the key cannot see (a command on a machine with a bind mount, or a VM with synced folders).
   */
  isSecret: (spec: ResourceSpec) => boolean;
}

export interface MachineKeys {
  /** keys[k]: the state after the first k resources (keys[0]: the base container). */
  keys: string[];
  /** Prefix lengths a state is saved at, ascending. */
  savePoints: number[];
  /** Resources before this index may be saved; the first secret-bearing one stops it. */
  limit: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A state saved with apt's lists has a key of its own (keys[n] is the state that may lack them): so a
 * state saved without them, as the last of a shorter list, is never where a machine carries on that has
 * a package or command after it.
 */
export function withAptLists(key: string): string {
  return sha256(`${key}\napt lists`);
}

/** Stable JSON: keys sorted at every level, so the same resource always hashes the same. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What of a resource decides the state it leaves: everything but where it was written (`pos`), or what
 * its kind says (a file: its content hashed, not where a `src:` file lives on this computer).
 */
export function resourceFingerprint(spec: ResourceSpec): string {
  const { pos: _pos, ...rest } = (kindOf(spec).fingerprint?.(spec) ?? spec) as ResourceSpec;
  return sha256(stable(rest));
}

export function machineKeys(input: MachineKeyInput): MachineKeys {
  const base = stable({
    v: CACHE_FORMAT_VERSION,
    image: input.baseImageId,
    env: input.docker.env,
    volumes: [...input.docker.volumes].sort(),
    privileged: input.docker.privileged,
    hostname: input.docker.hostname ?? input.machine,
    // Where commands run without a `cwd:`, and the container's own process (it runs while the machine
    // converges, and what it writes is saved with the rest). Absent when not set: keys made before
    // these were covered stay valid for the machines without them.
    workingDir: input.docker.workingDir,
    // The user the container's own process runs as, when that process is not Prodlike's keep-alive
    // (commands run as root either way): what it writes while the machine converges is saved.
    user: input.docker.keepAlive === false || input.docker.command || input.docker.entrypoint ? input.docker.user : undefined,
    command: input.docker.command,
    entrypoint: input.docker.entrypoint,
    keepAlive: input.docker.keepAlive === false ? false : undefined,
  });
  return keysFrom(sha256(base), input.resources, input.isSecret);
}

/** What decides a VM's disk before its first resource (the VM backend's counterpart of the Docker settings). */
export interface VmKeyInput {
  /** The base image's identity (a download's checksum, a local file's path + size + mtime). */
  baseImageId: string;
  vm: Pick<VmMachineSpec, 'arch' | 'diskBytes' | 'folders' | 'append'>;
  /** With direct kernel boot: the kernel's and initrd's identity (path + size + mtime), as the image's. */
  bootFilesId?: string;
  machine: string;
  resources: ResourceSpec[];
  isSecret: (spec: ResourceSpec) => boolean;
}

/**
 * A VM's keys: the same chain as a container's, over a base of the image's identity, the guest
 * architecture, the disk size (the file system is grown to it), the synced folders' guest paths (what
 * commands may write to outside the disk) and, with direct kernel boot, the kernel booted. The host
 * name is the machine's, as cloud-init sets it.
 */
export function vmMachineKeys(input: VmKeyInput): MachineKeys {
  const base = stable({
    v: CACHE_FORMAT_VERSION,
    backend: 'vm',
    image: input.baseImageId,
    arch: input.vm.arch,
    disk: input.vm.diskBytes ?? 'image size',
    folders: input.vm.folders.map((f) => f.slice(f.lastIndexOf(':') + 1)).sort(),
    hostname: input.machine,
    // What a package built against the running kernel (headers, DKMS) depends on; absent without one.
    boot: input.bootFilesId,
    append: input.vm.append,
  });
  return keysFrom(sha256(base), input.resources, input.isSecret);
}

function keysFrom(baseKey: string, resources: ResourceSpec[], isSecret: (spec: ResourceSpec) => boolean): MachineKeys {
  const input = { resources, isSecret };
  const keys = [baseKey];
  for (const r of input.resources) keys.push(sha256(`${keys[keys.length - 1]!}\n${resourceFingerprint(r)}`));
  // A saved state stops before the first secret-bearing resource, and before the first action (a command
  // without a guard): such a command runs on every up, so a machine started past it would run it twice
  // (`useradd app` fails the second time; `echo x >> f` leaves two lines).
  const stopAt = input.resources.findIndex((r) => input.isSecret(r) || kindOf(r).action?.(r) === true);
  const limit = stopAt < 0 ? input.resources.length : stopAt;
  return { keys, savePoints: savePoints(input.resources, limit), limit };
}

/** After each resource whose kind is a save point (expensive), and after the last one, never past `limit`. */
export function savePoints(resources: ResourceSpec[], limit: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= limit; k++) {
    if (k === resources.length || kindOf(resources[k - 1]!).savePoint === true) out.push(k);
  }
  return out;
}

/** The last save point that only packages come before (0: none). */
export function leadingPackagesSavePoint(resources: readonly ResourceSpec[], savePoints: readonly number[]): number {
  const leading = resources.findIndex((r) => r.kind !== 'package');
  const end = leading < 0 ? resources.length : leading;
  return savePoints.filter((p) => p <= end).pop() ?? 0;
}

/**
 * The longest prefix whose state is available, or 0 (start from the base image). Any prefix up to
 * `limit`, not only today's save points: a state saved as the last of a shorter resource list is the
 * same state when resources were added after it.
 */
export function longestMatch(keys: MachineKeys, available: (key: string, k: number) => boolean): number {
  for (let k = keys.limit; k > 0; k--) {
    if (available(keys.keys[k]!, k)) return k;
  }
  return 0;
}

/** Whether any string in the value (a resource, a machine's settings) contains one of the secret values. */
export function containsSecret(spec: unknown, secrets: readonly string[]): boolean {
  if (secrets.length === 0) return false;
  const walk = (v: unknown): boolean => {
    if (typeof v === 'string') return secrets.some((s) => v.includes(s));
    if (Array.isArray(v)) return v.some(walk);
    if (v && typeof v === 'object') return Object.values(v).some(walk);
    return false;
  };
  return walk(spec);
}

/** The image tag of a cached state: the key's first 32 hex digits (128 bits). */
export function cacheTag(key: string): string {
  return key.slice(0, 32);
}

/**
 * Why a machine with these keys has no save point, for `bake` to say (undefined: it has one). `why` says
 * what stops the saves at a resource (a secret, a command without a guard, one on a machine with a bind mount).
 */
export function noSavePointWhy(resources: readonly ResourceSpec[], keys: Pick<MachineKeys, 'savePoints' | 'limit'>, why: (r: ResourceSpec) => string): string | undefined {
  if (keys.savePoints.length) return undefined;
  if (!resources.length) return 'it has no resources: its base image is its converged state';
  const r = resources[keys.limit]!;
  const what = `${r.kind} ${r.name}`;
  if (keys.limit === 0) return `its first resource (${what}) ${why(r)}: there is nothing before it to save`;
  return `resource ${keys.limit + 1} (${what}) ${why(r)}, and a state is saved only after a package or a command, or after the last resource: none comes before it`;
}
