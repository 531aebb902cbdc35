// Doctor's decisions: facts → checks, each with what is wrong and the exact fix, and for the fixes
// doctor can do, the action that does it. Pure: no I/O here, so every message is unit-tested.

import type { CheckFix, DoctorCheck } from '../../../shared/doctor.js';
import type { DoctorFacts, ImageUse } from './facts.js';
import { describeStale, type PidFile } from './pid-files.js';

/** What `doctor --fix` does for a check; carried out by fixes.ts, never sent by a client. */
export type FixAction =
  | { kind: 'install-docker'; sudo: boolean }
  | { kind: 'start-engine'; how: 'systemctl'; sudo: boolean; pidFiles: PidFile[] }
  | { kind: 'start-engine'; how: 'dockerd'; sudo: boolean; dockerd: string; args: string[]; log: string; pidFiles: PidFile[] }
  | { kind: 'get-image'; image: string; suite?: string; sudo: boolean; installMmdebstrap: boolean };

export interface Decided {
  check: DoctorCheck;
  action?: FixAction;
}

export const GiB = 1024 ** 3;
/** Below this a base image and a few containers do not fit; below WARN_BYTES, soon they will not. */
export const FAIL_BYTES = 2 * GiB;
export const WARN_BYTES = 10 * GiB;

/** The packages the locally built Debian image gets: what the profiles and the tests' sshd machines use. */
export const MMDEBSTRAP_INCLUDE = ['openssh-server', 'python3', 'procps', 'ca-certificates', 'sudo'];

const DEBIAN_RELEASES: Record<string, string> = { '11': 'bullseye', '12': 'bookworm', '13': 'trixie' };
const DEBIAN_SUITES = new Set(['bullseye', 'bookworm', 'trixie', 'forky', 'sid', 'stable', 'testing', 'unstable']);

/** The Debian suite an image name stands for ("debian:bookworm" → "bookworm"), if mmdebstrap can build it. */
export function debianSuiteFor(image: string): string | undefined {
  const m = /^(?:(?:docker\.io|index\.docker\.io)\/)?(?:library\/)?debian:([a-z0-9]+)$/.exec(image);
  if (!m) return undefined;
  const tag = m[1]!;
  const suite = DEBIAN_RELEASES[tag] ?? tag;
  return DEBIAN_SUITES.has(suite) ? suite : undefined;
}

export function mmdebstrapCommand(suite: string, image: string): string {
  return `mmdebstrap --variant=apt --include=${MMDEBSTRAP_INCLUDE.join(',')} ${suite} - | docker import - ${image}`;
}

/** Splits PRODLIKE_DOCKERD_ARGS on whitespace (no quoting: paths with spaces are not supported there). */
export function splitArgs(s: string | undefined): string[] {
  return (s ?? '').trim().split(/\s+/).filter(Boolean);
}

function sudoPrefix(f: DoctorFacts): string {
  return f.uid === 0 ? '' : 'sudo ';
}

/** Root is at hand for a fix: this process is root, or sudo works (with a password only at a terminal). */
function canBeRoot(f: DoctorFacts): boolean {
  return f.root === 'root' || f.root === 'sudo' || (f.root === 'sudo-password' && f.interactive);
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** How to start the engine doctor talks to: systemd's unit for the default socket, else dockerd itself. */
export function engineStart(f: DoctorFacts): { fix: CheckFix; action?: FixAction } | undefined {
  if (!f.socketPath) {
    return {
      fix: {
        description: `Start the Docker engine at ${f.engineAddress} (a remote engine: doctor cannot start it from here)`,
        command: `ssh to that host and run: sudo systemctl start docker`,
        automatic: false,
      },
    };
  }
  const sudo = f.uid !== 0;
  const root = canBeRoot(f);
  // The stale pid files go first (they stop the engine starting); fixes.ts checks them again just before.
  const pidFiles = f.enginePidFiles ?? [];
  const stale = f.stalePidFiles ?? [];
  const unstale = stale.length ? `${sudoPrefix(f)}rm -f ${stale.map((p) => shellQuote(p.path)).join(' ')} && ` : '';
  if (f.defaultSocket && f.systemd && f.bin.systemctl) {
    return {
      fix: { description: 'Start the Docker engine (systemd)', command: `${unstale}${sudoPrefix(f)}systemctl start docker`, automatic: root },
      ...(root ? { action: { kind: 'start-engine', how: 'systemctl', sudo, pidFiles } as const } : {}),
    };
  }
  const dockerd = f.bin.dockerd ?? 'dockerd';
  const args = [...(f.defaultSocket ? [] : ['--host', `unix://${f.socketPath}`]), ...f.dockerdArgs];
  const command = `${unstale}${sudoPrefix(f)}${[dockerd, ...args].map(shellQuote).join(' ')} >>${shellQuote(f.dockerdLog)} 2>&1 &`;
  const automatic = root && !!f.bin.dockerd;
  return {
    fix: { description: `Start the Docker engine in the background (its log: ${f.dockerdLog})`, command, automatic },
    ...(automatic ? { action: { kind: 'start-engine', how: 'dockerd', sudo, dockerd, args, log: f.dockerdLog, pidFiles } as const } : {}),
  };
}

function installed(f: DoctorFacts): Decided {
  const id = 'docker-installed';
  const title = 'Docker engine installed';
  if (f.engine.state === 'ok') return { check: { id, title, status: 'ok', detail: `Docker ${f.engine.version} answers at ${f.engineAddress}` } };
  if (f.bin.dockerd) return { check: { id, title, status: 'ok', detail: `dockerd is installed (${f.bin.dockerd})` } };
  if (f.engine.state !== 'down' || !f.socketPath) return { check: { id, title, status: 'ok', detail: `an engine is configured at ${f.engineAddress}` } };
  const detail = 'No Docker engine is installed here (dockerd is not on the PATH) and none answers';
  if (f.platform === 'linux' && f.bin.aptGet) {
    const automatic = canBeRoot(f);
    const s = sudoPrefix(f);
    const fix: CheckFix = { description: "Install Debian/Ubuntu's Docker engine (the docker.io package)", command: `${s}apt-get update && ${s}apt-get install -y docker.io`, automatic };
    return { check: { id, title, status: 'fail', detail, fix }, ...(automatic ? { action: { kind: 'install-docker', sudo: f.uid !== 0 } } : {}) };
  }
  const what = f.platform === 'linux' ? "your distribution's Docker engine package (e.g. `dnf install moby-engine`)" : f.platform === 'darwin' ? 'Docker Desktop, Colima or OrbStack' : 'Docker Desktop';
  return { check: { id, title, status: 'fail', detail, fix: { description: `Install ${what}`, command: f.platform === 'darwin' ? 'brew install colima docker && colima start' : 'install Docker Engine for your system', automatic: false } } };
}

function permissionFix(f: DoctorFacts): { detail: string; fix: CheckFix } {
  const s = f.socket;
  const owner = s ? `${s.uid === 0 ? 'root' : String(s.uid)}:${s.group ?? s.gid} mode ${(s.mode & 0o777).toString(8).padStart(4, '0')}` : 'unknown owner';
  const inGroupFile = !!f.dockerGroup?.members.includes(f.user);
  const inProcess = f.dockerGroup !== undefined && f.processGids.includes(f.dockerGroup.gid);
  const socketIsDockers = f.dockerGroup !== undefined && s?.gid === f.dockerGroup.gid;
  let detail = `The engine's socket ${f.socketPath} (${owner}) refuses user ${f.user}: permission denied.`;
  if (!socketIsDockers) {
    detail += ` Its group is not docker: the engine gives its socket to the docker group when that group exists as it starts (dockerd's default, --group docker), so after adding the group restart the engine.`;
  }
  if (inGroupFile && !inProcess) {
    detail += ` ${f.user} is in the docker group already, but this session started before that: log out and in again (or run \`newgrp docker\`).`;
    return { detail, fix: { description: 'Use the docker group in this session', command: 'newgrp docker', automatic: false } };
  }
  const group = f.dockerGroup ? '' : 'sudo groupadd docker && ';
  return {
    detail: `${detail} Members of the docker group may use the engine (that is root-equivalent: only for your own machine).`,
    fix: { description: `Add ${f.user} to the docker group, then log out and in again`, command: `${group}sudo usermod -aG docker ${f.user}`, automatic: false },
  };
}

function engineCheck(f: DoctorFacts): Decided {
  const id = 'docker-engine';
  const title = 'Docker engine running and reachable';
  switch (f.engine.state) {
    case 'ok':
      return { check: { id, title, status: 'ok', detail: `${f.engine.product ?? 'Docker'} ${f.engine.version} at ${f.engineAddress}${f.engineWhy ? `, from ${f.engineWhy}` : ''}` } };
    case 'denied': {
      const { detail, fix } = permissionFix(f);
      return { check: { id, title, status: 'fail', detail, fix } };
    }
    case 'error':
      return { check: { id, title, status: 'fail', detail: `The engine at ${f.engineAddress}${f.engineWhy ? ` (from ${f.engineWhy})` : ''} did not answer: ${f.engine.message}`, fix: { description: 'Check the address (DOCKER_HOST or Settings → Docker engine) and that the engine runs there', command: 'docker version', automatic: false } } };
    case 'down': {
      if (f.socketPath && !f.bin.dockerd) {
        return { check: { id, title, status: 'fail', detail: `No engine answers at ${f.engineAddress}: install one first (see above)` } };
      }
      const start = engineStart(f)!;
      const where = f.socketPath && !f.socket ? `there is no socket at ${f.socketPath}` : `nothing answers at ${f.engineAddress} (${f.engine.message})`;
      const n = f.stalePidFiles?.length ?? 0;
      const stale = n
        ? `. An engine that did not stop cleanly left ${n === 1 ? 'a pid file' : 'pid files'} behind (${f.stalePidFiles!.map(describeStale).join('; ')}); dockerd will not start while its pid file names a running process, so the fix removes ${n === 1 ? 'it' : 'them'} first`
        : '';
      return { check: { id, title, status: 'fail', detail: `The Docker engine is installed but not running: ${where}${stale}`, fix: start.fix }, ...(start.action ? { action: start.action } : {}) };
    }
  }
}

function imageCheck(f: DoctorFacts, use: ImageUse): Decided {
  const id = `image:${use.image}`;
  const title = `Base image ${use.image}`;
  const who = `used by ${use.profiles.join(', ')}`;
  if (f.engine.state !== 'ok' || use.present === undefined) return { check: { id, title, status: 'warn', detail: `${who}; not checked until the Docker engine answers` } };
  if (use.present) return { check: { id, title, status: 'ok', detail: `present (${who})` } };
  const suite = debianSuiteFor(use.image);
  const pull = `docker pull ${use.image}`;
  if (!suite) {
    return { check: { id, title, status: 'fail', detail: `missing locally (${who})`, fix: { description: `Pull ${use.image}`, command: pull, automatic: true } }, action: { kind: 'get-image', image: use.image, sudo: false, installMmdebstrap: false } };
  }
  // Where no registry answers, the Debian image is built from Debian's own packages.
  const canBuild = (!!f.bin.mmdebstrap || !!f.bin.aptGet) && canBeRoot(f);
  const s = sudoPrefix(f);
  const install = f.bin.mmdebstrap ? '' : `${s}apt-get install -y mmdebstrap && `;
  const build = `${install}${s}${mmdebstrapCommand(suite, use.image)}`;
  const sudo = f.uid !== 0;
  return {
    check: {
      id,
      title,
      status: 'fail',
      detail: `missing locally (${who})`,
      fix: { description: `Pull ${use.image}; where no registry answers, build it from Debian's packages with mmdebstrap (a few minutes, once)`, command: `${pull} || { ${build}; }`, automatic: true },
    },
    action: { kind: 'get-image', image: use.image, suite: canBuild ? suite : undefined, sudo, installMmdebstrap: canBuild && !f.bin.mmdebstrap } as FixAction,
  };
}

export function formatBytes(n: number): string {
  return n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : `${Math.round(n / 1024 ** 2)} MiB`;
}

function diskCheck(f: DoctorFacts): Decided {
  const id = 'disk-space';
  const title = 'Disk space';
  if (!f.socketPath) return { check: { id, title, status: 'ok', detail: `not measured here: the engine at ${f.engineAddress} is remote` } };
  if (f.disks.length === 0) return { check: { id, title, status: 'warn', detail: 'could not be measured' } };
  const worst = f.disks.reduce((a, b) => (b.freeBytes < a.freeBytes ? b : a));
  const all = f.disks.map((d) => `${formatBytes(d.freeBytes)} free at ${d.path}`).join('; ');
  if (worst.freeBytes >= WARN_BYTES) return { check: { id, title, status: 'ok', detail: all } };
  const status = worst.freeBytes < FAIL_BYTES ? 'fail' : 'warn';
  const need = status === 'fail' ? `at least ${formatBytes(FAIL_BYTES)} are needed for a base image and its containers` : `below ${formatBytes(WARN_BYTES)} images and containers soon fill it`;
  return {
    check: { id, title, status, detail: `${all}: ${need}`, fix: { description: 'Free space: remove unused images, stopped containers and build cache (see what first with `docker system df`)', command: 'docker system df && docker image prune', automatic: false } },
  };
}

function sshCheck(f: DoctorFacts): Decided | undefined {
  if (f.ssh.length === 0) return undefined;
  const id = 'ssh-keys';
  const title = 'SSH keys for SSH profiles';
  const missing = f.ssh.filter((u) => u.identity && !u.identityExists);
  const needAgent = f.ssh.filter((u) => !u.identity);
  const problems: string[] = [];
  const byKey = new Map<string, Map<string, string[]>>();
  for (const u of missing) {
    const profiles = byKey.get(u.identity!) ?? new Map<string, string[]>();
    profiles.set(u.profile, [...(profiles.get(u.profile) ?? []), u.machine]);
    byKey.set(u.identity!, profiles);
  }
  for (const [key, profiles] of byKey) problems.push(`key ${key} does not exist (${[...profiles].map(([p, ms]) => `${p}: ${ms.join(', ')}`).join('; ')})`);
  if (needAgent.length && !f.agentSocket) problems.push(`${needAgent.map((u) => `${u.profile}/${u.machine}`).join(', ')}: no key given and no ssh-agent (SSH_AUTH_SOCK is not set)`);
  if (problems.length === 0) {
    const agent = needAgent.length ? `; ssh-agent at ${f.agentSocket}` : '';
    return { check: { id, title, status: 'ok', detail: `keys found for ${f.ssh.length} SSH machine(s)${agent}` } };
  }
  const key = missing[0]?.identity ?? '~/.ssh/id_ed25519';
  const command = missing.length ? `ssh-keygen -t ed25519 -f ${key} && ssh-copy-id -i ${key} <user>@<host>` : 'eval "$(ssh-agent)" && ssh-add';
  // Only SSH profiles need this: Docker profiles run without it, so it is a warning.
  return { check: { id, title, status: 'warn', detail: problems.join('; '), fix: { description: missing.length ? 'Create the key and authorize it on the host (or point the profile at your key)' : 'Start an ssh-agent and add your key', command, automatic: false } } };
}

export function decideChecks(f: DoctorFacts): Decided[] {
  const out: Decided[] = [installed(f), engineCheck(f)];
  const seen = new Set<string>();
  for (const use of f.images) {
    if (seen.has(use.image)) continue;
    seen.add(use.image);
    out.push(imageCheck(f, use));
  }
  out.push(diskCheck(f));
  const ssh = sshCheck(f);
  if (ssh) out.push(ssh);
  for (const c of f.vm ?? []) {
    const status = !c.ok ? 'fail' : c.warn ? 'warn' : 'ok';
    const check: DoctorCheck = { id: `vm:${c.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, title: `VMs: ${c.name}`, status, detail: c.detail };
    const packages = f.platform === 'linux' && ['QEMU', 'qemu-img', 'cloud-init seed'].includes(c.name);
    if (status !== 'ok' && c.hint) check.fix = { description: c.hint, command: packages ? 'sudo apt-get install -y qemu-system-x86 qemu-utils cloud-image-utils' : c.hint, automatic: false };
    out.push({ check });
  }
  if (f.profileErrors.length) {
    out.push({ check: { id: 'profiles', title: 'Profiles load', status: 'warn', detail: `not checked (they do not load): ${f.profileErrors.join('; ')}`, fix: { description: 'See the error', command: 'prodlike validate <profile>', automatic: false } } });
  }
  return out;
}
