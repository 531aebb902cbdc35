// The ports a profile publishes on a remote (ssh://) engine, forwarded to the same 127.0.0.1 ports here
// while the environment is up, so http://127.0.0.1:8080 works wherever the containers run.
//
// What keeps the forwards alive: one forwarder per profile, which polls the engine for the profile's
// running containers, listens on 127.0.0.1:<published port> for each and tunnels every connection
// over SSH (direct-tcpip) to the published address on the engine's host. It exits by itself when the
// profile has no running container left (down, destroy, or containers stopped by hand).
//   - the CLI starts it as a detached background process (`prodlike __forward`): `up` returns, the
//     forwards stay; `down`/`destroy` stop it;
//   - the app (Electron, browser mode) runs it inside its own long-lived process.
// Either way it writes <data>/forwards/<profile>.json (its pid and the ports), which `status` reads.

import { spawn } from 'node:child_process';
import { promises as fs, openSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { LABEL_MACHINE, profileFilter } from './labels.js';
import { parseSshEngine, SshEngineDial } from './ssh-dial.js';
import { processAlive } from '../../state/process.js';

/** One published TCP port to forward. */
export interface WantedForward {
  machine: string;
  /** The port: the same on 127.0.0.1 here and on the engine's host. */
  port: number;
  /** The address the engine published it on, as reached from the engine's host. */
  remoteHost: string;
}

export interface ForwardState {
  pid: number;
  profile: string;
  engine: string;
  forwards: { machine: string; local: string; remote: string }[];
  failed: { machine: string; port: number; error: string }[];
  /** The last error talking to the engine (the forwarder keeps trying). */
  error?: string;
  polls: number;
  updatedAt: string;
}

/** The TCP ports running containers publish, one per host port (IPv4 and IPv6 listings are one port). Pure. */
export function forwardsWanted(containers: Pick<Docker.ContainerInfo, 'State' | 'Labels' | 'Ports'>[]): WantedForward[] {
  const byPort = new Map<number, WantedForward>();
  for (const c of containers) {
    if (c.State !== 'running') continue;
    const machine = c.Labels?.[LABEL_MACHINE] ?? '';
    for (const p of c.Ports ?? []) {
      if (!p.PublicPort || p.Type !== 'tcp' || byPort.has(p.PublicPort)) continue;
      const ip = p.IP ?? '';
      // Published on every address: the engine's host reaches it on its loopback.
      const remoteHost = ip === '' || ip === '0.0.0.0' || ip === '::' ? '127.0.0.1' : ip;
      byPort.set(p.PublicPort, { machine, port: p.PublicPort, remoteHost });
    }
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

export function forwardStateFile(dataDir: string, profile: string): string {
  return path.join(dataDir, 'forwards', `${profile}.json`);
}

/** The forwarder's state, if one runs for the profile. */
export async function readForwardState(dataDir: string, profile: string): Promise<ForwardState | undefined> {
  try {
    const st = JSON.parse(await fs.readFile(forwardStateFile(dataDir, profile), 'utf8')) as ForwardState;
    return processAlive(st.pid) ? st : undefined;
  } catch {
    return undefined;
  }
}

async function writeState(file: string, st: ForwardState): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(st, null, 2));
  await fs.rename(tmp, file);
}

/** Listens on 127.0.0.1:<port> for each wanted forward; each connection is a direct-tcpip channel. */
export class PortForwarder {
  private readonly servers = new Map<number, { server: net.Server; want: WantedForward }>();
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly dial: SshEngineDial) {}

  /** Makes the listeners match `wanted`; returns the ports that could not be listened on, and why. */
  async set(wanted: WantedForward[]): Promise<{ machine: string; port: number; error: string }[]> {
    const keep = new Set(wanted.map((w) => `${w.port} ${w.remoteHost}`));
    for (const [port, s] of this.servers) {
      if (!keep.has(`${port} ${s.want.remoteHost}`)) {
        s.server.close();
        this.servers.delete(port);
      }
    }
    const failed: { machine: string; port: number; error: string }[] = [];
    for (const w of wanted) {
      if (this.servers.has(w.port)) continue;
      try {
        this.servers.set(w.port, { server: await this.listen(w), want: w });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        failed.push({ machine: w.machine, port: w.port, error: code === 'EADDRINUSE' ? `127.0.0.1:${w.port} is already in use on this computer` : (err as Error).message });
      }
    }
    return failed;
  }

  get active(): WantedForward[] {
    return [...this.servers.values()].map((s) => s.want);
  }

  private listen(w: WantedForward): Promise<net.Server> {
    const server = net.createServer((sock) => this.tunnel(sock, w));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(w.port, '127.0.0.1', () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        resolve(server);
      });
    });
  }

  private tunnel(sock: net.Socket, w: WantedForward): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.pause();
    this.dial.connection().then(
      (conn) =>
        conn.client.forwardOut('127.0.0.1', sock.remotePort ?? 0, w.remoteHost, w.port, (err, ch) => {
          if (err) {
            sock.destroy();
            return;
          }
          ch.on('error', () => sock.destroy());
          ch.on('close', () => sock.destroy());
          sock.on('close', () => ch.close());
          sock.pipe(ch).pipe(sock);
          sock.resume();
        }),
      () => sock.destroy(),
    );
  }

  async close(): Promise<void> {
    for (const s of this.servers.values()) s.server.close();
    this.servers.clear();
    for (const s of this.sockets) s.destroy();
    await this.dial.close();
  }
}

export interface ForwarderSpec {
  profile: string;
  /** The ssh:// engine address. */
  engine: string;
  dataDir: string;
  identity?: string;
  /** Between looks at the engine (default 2 s). */
  pollMs?: number;
  /** Looks with nothing to forward before it ends (default 3). */
  idlePolls?: number;
}

/**
 * The forwarder: until `signal` aborts, or the profile has had nothing running for a few looks.
 * `refresh` (SIGUSR2 in the background process) makes it look at once.
 */
export async function runForwarder(spec: ForwarderSpec, signal: AbortSignal, onRefresh?: (look: () => void) => void): Promise<void> {
  const { default: DockerCtor } = await import('dockerode');
  const dial = new SshEngineDial(parseSshEngine(spec.engine, os.userInfo().username), { dataDir: spec.dataDir, ...(spec.identity ? { identity: spec.identity } : {}) });
  const docker = new DockerCtor({ protocol: 'http', host: 'docker', port: 80, agent: dial.agent() } as Docker.DockerOptions);
  const fwd = new PortForwarder(dial);
  const file = forwardStateFile(spec.dataDir, spec.profile);
  const pollMs = spec.pollMs ?? 2000;
  let wake: (() => void) | undefined;
  onRefresh?.(() => wake?.());
  signal.addEventListener('abort', () => wake?.());
  let idle = 0;
  let polls = 0;
  let failures = 0;
  try {
    while (!signal.aborted) {
      const st: ForwardState = { pid: process.pid, profile: spec.profile, engine: spec.engine, forwards: [], failed: [], polls: ++polls, updatedAt: '' };
      try {
        const running = await docker.listContainers({ filters: { label: [profileFilter(spec.profile)], status: ['running'] } });
        const wanted = forwardsWanted(running);
        st.failed = await fwd.set(wanted);
        idle = running.length ? 0 : idle + 1;
        failures = 0;
      } catch (err) {
        st.error = (err as Error).message;
        // An engine that stays unreachable for minutes: the environment is gone with it.
        if (++failures > 90) break;
      }
      st.forwards = fwd.active.map((w) => ({ machine: w.machine, local: `127.0.0.1:${w.port}`, remote: `${w.remoteHost}:${w.port}` }));
      st.updatedAt = new Date().toISOString();
      await writeState(file, st);
      if (idle >= (spec.idlePolls ?? 3)) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    await fwd.close();
    // Only our own state: a newer forwarder may have taken over the file.
    const now = await fs.readFile(file, 'utf8').catch(() => '');
    if (now.includes(`"pid": ${process.pid},`)) await fs.rm(file, { force: true });
  }
}

/** `prodlike __forward`: the background process (its spec in PRODLIKE_FORWARD). */
export async function forwarderMain(): Promise<number> {
  const spec = JSON.parse(process.env.PRODLIKE_FORWARD ?? '{}') as ForwarderSpec;
  if (!spec.profile || !spec.engine || !spec.dataDir) {
    process.stderr.write('prodlike __forward is started by `prodlike up`, not by hand\n');
    return 1;
  }
  const ac = new AbortController();
  process.on('SIGTERM', () => ac.abort());
  process.on('SIGINT', () => ac.abort());
  await runForwarder(spec, ac.signal, (look) => process.on('SIGUSR2', look));
  return 0;
}

const inProcess = new Map<string, { ac: AbortController; done: Promise<void> }>();

export interface EnsureForwardOptions {
  spec: ForwarderSpec;
  /** The background process's command (the CLI: node, its script, `__forward`); none: run in this process. */
  command?: string[];
  /** How long to wait for the first look (default 20 s). */
  waitMs?: number;
}

/**
 * Makes a forwarder run for the profile (starting one, or telling the running one to look again) and
 * returns its state after it has looked at the engine.
 */
export async function ensureForwarder(o: EnsureForwardOptions): Promise<ForwardState | undefined> {
  const { spec } = o;
  const since = Date.now();
  const current = await readForwardState(spec.dataDir, spec.profile);
  if (current && current.engine === spec.engine) {
    if (current.pid === process.pid) inProcessRefresh.get(spec.profile)?.();
    else process.kill(current.pid, 'SIGUSR2');
  } else {
    if (current) await stopForwarder(spec.dataDir, spec.profile);
    if (o.command?.length) {
      await fs.mkdir(path.join(spec.dataDir, 'forwards'), { recursive: true });
      const log = openSync(path.join(spec.dataDir, 'forwards', `${spec.profile}.log`), 'a');
      const child = spawn(o.command[0]!, o.command.slice(1), {
        detached: true,
        stdio: ['ignore', log, log],
        env: { ...process.env, PRODLIKE_FORWARD: JSON.stringify(spec), ELECTRON_RUN_AS_NODE: '1' },
      });
      child.unref();
    } else {
      const ac = new AbortController();
      const done = runForwarder(spec, ac.signal, (look) => inProcessRefresh.set(spec.profile, look))
        .catch(() => undefined)
        .finally(() => {
          inProcess.delete(spec.profile);
          inProcessRefresh.delete(spec.profile);
        });
      inProcess.set(spec.profile, { ac, done });
    }
  }
  const deadline = since + (o.waitMs ?? 20_000);
  while (Date.now() < deadline) {
    const st = await readForwardState(spec.dataDir, spec.profile);
    if (st && st.engine === spec.engine && Date.parse(st.updatedAt) >= since) return st;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

const inProcessRefresh = new Map<string, () => void>();

/** Stops the profile's forwarder (background or in this process) and waits for its ports to close. */
export async function stopForwarder(dataDir: string, profile: string): Promise<void> {
  const mine = inProcess.get(profile);
  if (mine) {
    mine.ac.abort();
    await mine.done;
    return;
  }
  const st = await readForwardState(dataDir, profile);
  if (!st) return;
  try {
    process.kill(st.pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50 && processAlive(st.pid); i++) await new Promise((r) => setTimeout(r, 100));
}

/** Stops every forwarder this process runs (the app quitting). */
export async function stopInProcessForwarders(): Promise<void> {
  await Promise.all([...inProcess.values()].map((f) => (f.ac.abort(), f.done)));
}
