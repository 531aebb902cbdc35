// One validated machine entry → MachineSpec: defaults applied, paths made absolute against the file
// that wrote them (a parent's `build: ./web` is relative to the parent).

import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import type * as z from 'zod/mini';
import type { DockerHealthcheck, DockerMachineSpec, MachineSpec, SshMachineSpec, VmMachineSpec } from '../../../shared/profile.js';
import { Problems } from '../schema/problems.js';
import type { dockerSchema, sshSchema, vmSchema } from './schema.js';
import { locate, type MapNode, type PNode } from '../schema/yaml-tree.js';

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
    if (d.build.target) spec.build.target = d.build.target;
  }
  if (d.command !== undefined) spec.command = typeof d.command === 'string' ? ['sh', '-c', d.command] : d.command;
  if (d.entrypoint !== undefined) spec.entrypoint = typeof d.entrypoint === 'string' ? ['sh', '-c', d.entrypoint] : d.entrypoint;
  if (d.keep_alive === false) spec.keepAlive = false;
  if (d.working_dir) spec.workingDir = d.working_dir;
  if (d.user) spec.user = d.user;
  if (d.healthcheck) spec.healthcheck = convertHealthcheck(d.healthcheck);
  if (d.depends_on) {
    spec.dependsOn = Object.entries(d.depends_on).map(([machine, v]) => ({ machine, condition: v.condition === 'service_healthy' ? ('healthy' as const) : ('started' as const) }));
  }
  if (d.aliases?.length) spec.aliases = d.aliases;
  if (d.hostname) spec.hostname = d.hostname;
  return spec;
}

function convertHealthcheck(h: NonNullable<DockerInput['healthcheck']>): DockerHealthcheck {
  if (h.disable) return { test: ['NONE'] };
  const out: DockerHealthcheck = {};
  if (h.test !== undefined) out.test = typeof h.test === 'string' ? ['CMD-SHELL', h.test] : h.test;
  if (h.interval) out.intervalMs = parseDuration(h.interval);
  if (h.timeout) out.timeoutMs = parseDuration(h.timeout);
  if (h.start_period) out.startPeriodMs = parseDuration(h.start_period);
  if (h.retries !== undefined) out.retries = h.retries;
  return out;
}

const DURATION_UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration as Compose writes them ("1m30s", "500ms") → milliseconds; NaN when it is not one. */
export function parseDuration(text: string): number {
  let ms = 0;
  let rest = text.trim();
  if (!rest) return NaN;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/.exec(rest);
    if (!m) return NaN;
    ms += Number(m[1]) * DURATION_UNITS_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return ms;
}

/**
 * `depends_on` across machines: each names another docker machine of the profile, and there is no
 * cycle (a cycle would wait forever).
 */
export function checkDependencies(machines: MachineSpec[], machinesNode: MapNode, problems: Problems): void {
  const docker = new Map(machines.filter((m) => m.docker).map((m) => [m.name, m.docker!]));
  const at = (name: string) => locate(machinesNode, [name, 'docker', 'depends_on']).node.pos;
  for (const [name, spec] of docker) {
    for (const dep of spec.dependsOn ?? []) {
      if (dep.machine === name) problems.add(at(name), `machines.${name}.docker.depends_on`, `"${name}" depends on itself`, 'remove it from its own depends_on');
      else if (!docker.has(dep.machine)) {
        const known = machines.some((m) => m.name === dep.machine);
        problems.add(at(name), `machines.${name}.docker.depends_on`, `expected the name of a docker machine of this profile, found "${dep.machine}"${known ? ' (not a docker machine)' : ''}`, `the docker machines are: ${[...docker.keys()].join(', ')}`);
      }
    }
  }
  // A cycle: depth-first search with colours.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): boolean => {
    if (state.get(name) === 'done') return false;
    if (state.get(name) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      problems.add(at(cycle[0]!), `machines.${cycle[0]}.docker.depends_on`, `depends_on makes a cycle: ${cycle.join(' → ')}`, 'a machine cannot wait for one that waits for it: remove one of these dependencies');
      return true;
    }
    state.set(name, 'visiting');
    for (const dep of docker.get(name)?.dependsOn ?? []) if (docker.has(dep.machine) && dep.machine !== name && visit(dep.machine, [...trail, name])) return true;
    state.set(name, 'done');
    return false;
  };
  for (const name of docker.keys()) if (visit(name, [])) break;
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
