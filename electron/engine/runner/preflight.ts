// The preflight of `use`: everything that would make the switch fail, found before anything is stopped.
// The target profile's host ports are free (or held only by what the switch stops), its images can be
// had, its SSH hosts answer with a trusted key. The pure parts (which ports clash, who holds them, what
// /proc/net says) are separate from the look-ups, and unit-tested.

import dgram from 'node:dgram';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import type { Profile } from '../../../shared/profile.js';
import type { PreflightProblem, UsePlan, UsePlanStart, UsePlanStop } from '../../../shared/use-plan.js';
import { parsePort } from '../profile/docker-values.js';
import { LABEL_MACHINE, LABEL_PROFILE, LABEL_PROFILE_FILE } from '../backends/docker/labels.js';
import type { ImageAvailability } from '../backends/docker/image.js';
import type { EngineSnapshot, RunningContainer } from '../backends/docker/provider.js';
import type { ProviderSet } from './backends.js';

export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';

/** A host port the target profile publishes. */
export interface WantedPort {
  machine: string;
  ip: string;
  port: number;
  proto: string;
}

export function formatPort(p: { ip: string; port: number; proto: string }): string {
  return `${p.ip.includes(':') ? `[${p.ip}]` : p.ip}:${p.port}/${p.proto}`;
}

/** The host ports of the profile's Docker machines; a port two machines both publish is a problem. */
export function wantedPorts(profile: Profile): { ports: WantedPort[]; problems: PreflightProblem[] } {
  const ports: WantedPort[] = [];
  const problems: PreflightProblem[] = [];
  for (const m of profile.machines) {
    for (const spec of m.docker?.ports ?? []) {
      let bindings;
      try {
        bindings = parsePort(spec);
      } catch (err) {
        problems.push({ kind: 'port', machine: m.name, message: `machine ${m.name}: ${(err as Error).message}`, hint: (err as { hint?: string }).hint ?? '' });
        continue;
      }
      for (const b of bindings) {
        if (!b.hostPort) continue;
        const want: WantedPort = { machine: m.name, ip: b.hostIp, port: Number(b.hostPort), proto: b.proto };
        const twin = ports.find((p) => p.port === want.port && p.proto === want.proto && addressesOverlap(p.ip, want.ip));
        if (twin) {
          problems.push({
            kind: 'port',
            machine: m.name,
            message: `host port ${formatPort(want)} is published by both ${twin.machine} and ${m.name}`,
            hint: 'give one of them another host port in the profile',
          });
        } else ports.push(want);
      }
    }
  }
  return { ports, problems };
}

const WILDCARDS = new Set(['', '0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

/** Whether two bind addresses conflict on one port: the same address, or either is a wildcard. */
export function addressesOverlap(a: string, b: string): boolean {
  const norm = (ip: string) => ip.replace(/^\[|\]$/g, '').replace(/^::ffff:/i, '').toLowerCase();
  const x = norm(a);
  const y = norm(b);
  return x === y || WILDCARDS.has(x) || WILDCARDS.has(y);
}

/** Who a container is, for a message: its name, and its Prodlike profile or Compose project when it has one. */
export function describeContainer(c: RunningContainer): string {
  const profile = c.labels[LABEL_PROFILE];
  if (profile) return `container ${c.name} (Prodlike profile ${profile}${c.labels[LABEL_MACHINE] ? `, machine ${c.labels[LABEL_MACHINE]}` : ''})`;
  const project = c.labels[COMPOSE_PROJECT_LABEL];
  if (project) return `container ${c.name} (Compose project ${project})`;
  return `container ${c.name}`;
}

/** The running Prodlike profiles other than the target: what `use` stops. */
export function profilesToStop(containers: RunningContainer[], target: string): UsePlanStop[] {
  const byProfile = new Map<string, UsePlanStop>();
  for (const c of containers) {
    const name = c.labels[LABEL_PROFILE];
    if (!name || name === target) continue;
    let stop = byProfile.get(name);
    if (!stop) {
      stop = { profile: name, machines: [], ports: [] };
      const file = c.labels[LABEL_PROFILE_FILE];
      if (file) stop.file = file;
      byProfile.set(name, stop);
    }
    stop.machines.push(c.labels[LABEL_MACHINE] ?? c.name);
    for (const p of c.ports) if (!stop.ports.includes(`${p.port}/${p.proto}`)) stop.ports.push(`${p.port}/${p.proto}`);
  }
  const out = [...byProfile.values()].sort((a, b) => (a.profile < b.profile ? -1 : 1));
  for (const s of out) {
    s.machines.sort();
    s.ports.sort();
  }
  return out;
}

/**
 * Who holds each wanted port among the running containers: the target's own containers (kept or
 * recreated by up: `own`), a profile the switch stops (`released`), or a container the switch leaves
 * alone (a clash). Ports no container holds are not listed.
 */
export function containerClashes(wanted: WantedPort[], containers: RunningContainer[], target: string, released: ReadonlySet<string>): { port: WantedPort; holder: RunningContainer | 'own' | 'released' }[] {
  const out: { port: WantedPort; holder: RunningContainer | 'own' | 'released' }[] = [];
  for (const w of wanted) {
    const holders = containers.filter((c) => c.ports.some((p) => p.port === w.port && p.proto === w.proto && addressesOverlap(p.ip, w.ip)));
    if (!holders.length) continue;
    const foreign = holders.find((c) => {
      const profile = c.labels[LABEL_PROFILE];
      return profile !== target && !(profile && released.has(profile));
    });
    if (foreign) out.push({ port: w, holder: foreign });
    else out.push({ port: w, holder: holders.some((c) => c.labels[LABEL_PROFILE] !== target) ? 'released' : 'own' });
  }
  return out;
}

/** One listening (tcp) or bound (udp) socket from /proc/net/{tcp,udp}[6]. */
export interface ProcSocket {
  ip: string;
  port: number;
  inode: number;
}

function hexToIpv4(hex: string): string {
  // The kernel prints the address as a host-order (little-endian here) 32-bit number.
  const bytes = hex.match(/../g)!.map((b) => parseInt(b, 16));
  return bytes.reverse().join('.');
}

function hexToIpv6(hex: string): string {
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const bytes = hex
      .slice(i, i + 8)
      .match(/../g)!
      .reverse();
    words.push(bytes[0]! + bytes[1]!, bytes[2]! + bytes[3]!);
  }
  const groups = words.map((w) => parseInt(w, 16).toString(16));
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const v4 = words.slice(6).join('');
    return `::ffff:${hexToIpv4(v4.match(/../g)!.reverse().join(''))}`;
  }
  // The URL parser writes IPv6 addresses in their canonical (compressed) form, as the engine lists them.
  return new URL(`http://[${groups.join(':')}]`).hostname.replace(/^\[|\]$/g, '');
}

/**
 * Parses /proc/net/tcp, tcp6, udp or udp6: the listening TCP sockets (state 0A), or every bound UDP
 * socket (state 07).
 */
export function parseProcNet(text: string, proto: 'tcp' | 'udp'): ProcSocket[] {
  const out: ProcSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [addr, portHex] = f[1]!.split(':');
    const state = f[3];
    if (!addr || !portHex) continue;
    if ((proto === 'tcp' && state !== '0A') || (proto === 'udp' && state !== '07')) continue;
    const ip = addr.length === 8 ? hexToIpv4(addr) : addr.length === 32 ? hexToIpv6(addr) : undefined;
    if (!ip) continue;
    out.push({ ip, port: parseInt(portHex, 16), inode: Number(f[9]) });
  }
  return out;
}

/** Tries to bind the port as the engine would: free, in use, or a reason it cannot be tested. */
export function bindTest(ip: string, port: number, proto: string): Promise<'free' | 'in-use' | { error: string; code?: string }> {
  return new Promise((resolve) => {
    const fail = (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' ? 'in-use' : { error: err.message, ...(err.code ? { code: err.code } : {}) });
    if (proto === 'udp') {
      const sock = dgram.createSocket(ip.includes(':') ? 'udp6' : 'udp4');
      sock.once('error', (err) => {
        sock.close();
        fail(err);
      });
      sock.bind({ address: ip, port, exclusive: true }, () => sock.close(() => resolve('free')));
      return;
    }
    if (proto !== 'tcp') return resolve({ error: `${proto} is not tested` });
    const server = net.createServer();
    server.once('error', fail);
    server.listen({ host: ip, port, exclusive: true }, () => server.close(() => resolve('free')));
  });
}

/**
 * The process that holds a port, best effort: the socket's inode from /proc/net, then the process
 * whose /proc/<pid>/fd links to it. Only processes whose fds we may read are found (all, as root).
 */
export async function processHolding(ip: string, port: number, proto: string, procRoot = '/proc'): Promise<string | undefined> {
  if (proto !== 'tcp' && proto !== 'udp') return undefined;
  const inodes = new Set<number>();
  for (const file of [proto, `${proto}6`]) {
    const text = await fs.readFile(`${procRoot}/net/${file}`, 'utf8').catch(() => '');
    for (const s of parseProcNet(text, proto)) if (s.port === port && s.inode && addressesOverlap(s.ip, ip)) inodes.add(s.inode);
  }
  if (inodes.size === 0) return undefined;
  const pids = (await fs.readdir(procRoot).catch(() => [] as string[])).filter((p) => /^\d+$/.test(p));
  for (const pid of pids) {
    const fds = await fs.readdir(`${procRoot}/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await fs.readlink(`${procRoot}/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(Number(m[1]))) {
        const comm = (await fs.readFile(`${procRoot}/${pid}/comm`, 'utf8').catch(() => '')).trim();
        return `process ${comm || '?'} (pid ${pid})`;
      }
    }
  }
  return undefined;
}

/** The multi-line message of a refused switch: every problem, and that nothing was stopped. */
export function preflightMessage(profile: string, problems: PreflightProblem[]): string {
  const lines = problems.map((p) => `  - ${p.message}${p.hint ? `\n    → ${p.hint}` : ''}`);
  return `cannot switch to ${profile}: ${problems.length} problem${problems.length === 1 ? '' : 's'} found before stopping anything (nothing was stopped):\n${lines.join('\n')}`;
}

export interface PreflightOptions {
  active?: { name: string; file: string };
  /** For SSH hosts: at most this long to connect (default 5 s). */
  sshTimeoutMs?: number;
  /** For images that are not present: at most this long to ask the registry (default 5 s). */
  registryTimeoutMs?: number;
}

export interface Preflight {
  plan: UsePlan;
  /** The target's Docker machines that ran before the switch (a rollback leaves them running). */
  runningBefore: Set<string>;
}

/** Everything `use` checks and decides before it stops anything. Never throws for a problem: it lists it. */
export async function preflightUse(providers: ProviderSet, profile: Profile, opts: PreflightOptions = {}): Promise<Preflight> {
  const started = Date.now();
  const problems: PreflightProblem[] = [];
  const start: UsePlanStart[] = [];
  const dockerMachines = profile.machines.filter((m) => m.docker);
  const sshMachines = profile.machines.filter((m) => m.ssh);
  const runningBefore = new Set<string>();
  let stop: UsePlanStop[] = [];
  let order: UsePlan['order'] = 'parallel';

  if (profile.role === 'production') {
    problems.push({ kind: 'profile', message: `profile ${profile.name} has role: production, and Prodlike never writes to production` });
  }

  const dockerPart = async () => {
    let docker;
    let running: RunningContainer[];
    let seen: EngineSnapshot;
    // The image checks do not depend on the container list: both at once.
    let images: Promise<Map<string, ImageAvailability> | Error> | undefined;
    try {
      docker = await providers.docker();
      const d = docker;
      images = dockerMachines.length ? d.images(dockerMachines, opts.registryTimeoutMs ?? 5000).catch((err: unknown) => err as Error) : undefined;
      seen = await docker.snapshot(profile.name);
      running = seen.running;
    } catch (err) {
      await images;
      // With no Docker machine, an engine that is not there has nothing running to stop.
      if (dockerMachines.length) problems.push({ kind: 'engine', message: (err as Error).message, hint: (err as { hint?: string }).hint ?? '' });
      return;
    }
    stop = profilesToStop(running, profile.name);
    for (const c of running) if (c.labels[LABEL_PROFILE] === profile.name && c.labels[LABEL_MACHINE]) runningBefore.add(c.labels[LABEL_MACHINE]);
    const released = new Set(stop.map((s) => s.profile));
    const wanted = wantedPorts(profile);
    problems.push(...wanted.problems);
    const clashes = containerClashes(wanted.ports, running, profile.name, released);
    if (clashes.some((c) => c.holder === 'released')) order = 'stop-first';
    for (const c of clashes) {
      if (c.holder === 'released' || c.holder === 'own') continue;
      problems.push({
        kind: 'port',
        machine: c.port.machine,
        message: `host port ${formatPort(c.port)} (machine ${c.port.machine}) is held by ${describeContainer(c.holder)}`,
        hint: `stop it (\`docker stop ${c.holder.name}\`) or give ${c.port.machine} another host port`,
      });
    }
    // A port no container publishes can still be held by a process (or by a container whose engine
    // publishes without a proxy, which the list above already covers). Only an engine on this machine
    // binds this machine's ports, so only then is a bind test meaningful.
    const local = docker.local;
    const d = docker;
    const bindPart = async () => {
      if (!local) return;
      const unknown = wanted.ports.filter((w) => !clashes.some((c) => c.port === w));
      await Promise.all(
        unknown.map(async (w) => {
          const r = await bindTest(w.ip, w.port, w.proto);
          if (r === 'free') return;
          if (r === 'in-use') {
            const holder = await processHolding(w.ip, w.port, w.proto);
            problems.push({
              kind: 'port',
              machine: w.machine,
              message: `host port ${formatPort(w)} (machine ${w.machine}) is held by ${holder ?? 'another program (not a container; its process could not be read)'}`,
              hint: holder ? `stop that program or give ${w.machine} another host port` : `\`ss -ltnp\` (as root) shows who listens; or give ${w.machine} another host port`,
            });
          } else if (r.code === 'EADDRNOTAVAIL') {
            problems.push({ kind: 'port', machine: w.machine, message: `host address ${w.ip} (machine ${w.machine}, port ${w.port}) is not an address of this machine`, hint: 'publish on 127.0.0.1 or 0.0.0.0' });
          }
          // EACCES (a low port for a non-root user) and the like: the engine binds as itself; not ours to judge.
        }),
      );
    };
    const machinesPart = async () => {
      const availability = await images;
      if (!availability) return;
      if (availability instanceof Error) {
        problems.push({ kind: 'engine', message: availability.message });
        return;
      }
      const ids = new Map<string, string | undefined>();
      for (const m of dockerMachines) {
        const a = availability.get(m.name);
        if (a && !a.ok) problems.push({ kind: 'image', machine: m.name, message: `machine ${m.name}: ${a.message}`, hint: a.hint });
        ids.set(m.name, a?.ok ? a.id : undefined);
      }
      const planned = await d.planUp(profile, dockerMachines, ids, seen);
      for (const p of planned) {
        const how = availability.get(p.machine);
        const detail = p.detail ?? (p.action === 'create' && how?.ok && how.how !== 'present' ? (how.how === 'build' ? 'image will be built' : 'image will be pulled') : undefined);
        start.push({ machine: p.machine, provider: 'docker', action: p.action, ...(detail ? { detail } : {}) });
      }
    };
    await Promise.all([bindPart(), machinesPart()]);
  };

  const sshPart = async () => {
    if (!sshMachines.length) return;
    const ssh = await providers.ssh();
    const limit = opts.sshTimeoutMs ?? 5000;
    await Promise.all(
      sshMachines.map(async (m) => {
        const spec = m.ssh!;
        const where = `${spec.user}@${spec.host}:${spec.port}`;
        start.push({ machine: m.name, provider: 'ssh', action: 'connect', detail: where });
        try {
          // The run's own pool: the connection opened here is the one `up` uses next.
          await ssh.transport({ ...m, ssh: { ...spec, connectTimeoutMs: Math.min(spec.connectTimeoutMs, limit) } }).connect();
        } catch (err) {
          problems.push({ kind: 'ssh', machine: m.name, message: `machine ${m.name} (${where}): ${(err as Error).message}`, hint: (err as { hint?: string }).hint ?? '' });
        }
      }),
    );
  };

  await Promise.all([dockerPart(), sshPart()]);
  const rank = new Map(profile.machines.map((m, i) => [m.name, i]));
  start.sort((a, b) => (rank.get(a.machine) ?? 0) - (rank.get(b.machine) ?? 0));
  // Checks ran in parallel: list problems in a stable order (the profile's, machines in order).
  const kinds = ['profile', 'engine', 'port', 'image', 'ssh'];
  problems.sort((a, b) => (rank.get(a.machine ?? '') ?? -1) - (rank.get(b.machine ?? '') ?? -1) || kinds.indexOf(a.kind) - kinds.indexOf(b.kind));
  for (const p of problems) if (p.hint === '') delete p.hint;
  const plan: UsePlan = { profile: profile.name, file: profile.file, stop, start, order, problems, durationMs: Date.now() - started };
  if (opts.active) plan.active = opts.active;
  return { plan, runningBefore };
}
