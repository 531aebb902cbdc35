// Reads the facts doctor decides on: programs on the PATH, the engine's socket and answer, the images
// the profiles use, disk space, SSH keys. Read-only; quick (one ping, one image list, a few stats).

import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Profile } from '../../../shared/profile.js';
import { engineMessage } from '../backends/docker/client.js';
import { listProfiles, loadProfile } from '../profile/index.js';
import { splitArgs } from './checks.js';
import type { DiskFacts, DoctorFacts, EngineAnswer, ImageUse, SocketFacts, SshUse } from './facts.js';
import { vmChecks } from '../backends/vm/vm-doctor.js';
import { enginePidFiles, stalePidFiles } from './pid-files.js';
import { fsReader } from '../backends/docker/engine-context.js';

export interface GatherOptions {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  profileFolders: string[];
  /** The engine doctor checks (the app's setting or DOCKER_HOST), and a client for it. */
  engineAddress: string;
  /** Why that engine: "context build-box (DOCKER_CONTEXT)". */
  engineWhy?: string;
  /** The choice did not resolve (a missing context): the engine check fails with this. */
  engineError?: string;
  socketPath?: string;
  docker: Docker;
  sshIdentity?: string;
  interactive: boolean;
}

const DEFAULT_SOCKETS = new Set(['/var/run/docker.sock', '/run/docker.sock']);

/** A program on the PATH, or in the sbin folders a user's PATH often lacks (dockerd lives in /usr/sbin). */
export function which(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [...(env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = path.join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function run(cmd: string, args: string[], timeoutMs = 5000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, out: String(stdout) });
    });
  });
}

async function rootAccess(uid: number, env: NodeJS.ProcessEnv): Promise<DoctorFacts['root']> {
  if (uid === 0) return 'root';
  const sudo = which('sudo', env);
  if (!sudo) return 'none';
  return (await run(sudo, ['-n', 'true'])).code === 0 ? 'sudo' : 'sudo-password';
}

async function groups(): Promise<Map<number, { name: string; members: string[] }>> {
  const out = new Map<number, { name: string; members: string[] }>();
  const text = await fs.readFile('/etc/group', 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [name, , gid, members] = line.split(':');
    if (name && gid) out.set(Number(gid), { name, members: (members ?? '').split(',').filter(Boolean) });
  }
  return out;
}

async function socketFacts(socketPath: string, names: Map<number, { name: string }>): Promise<SocketFacts | undefined> {
  try {
    const st = await fs.stat(socketPath);
    const s: SocketFacts = { path: socketPath, uid: st.uid, gid: st.gid, mode: st.mode };
    const group = names.get(st.gid)?.name;
    if (group) s.group = group;
    return s;
  } catch {
    return undefined;
  }
}

export async function askEngine(docker: Docker, timeoutMs = 5000): Promise<EngineAnswer> {
  try {
    const v = (await Promise.race([docker.version(), new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error(`no answer in ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })), timeoutMs).unref())])) as { Version?: string; Components?: { Name?: string }[] };
    const podman = (v.Components ?? []).some((c) => /podman/i.test(c.Name ?? ''));
    let rootDir: string | undefined;
    try {
      rootDir = ((await docker.info()) as { DockerRootDir?: string }).DockerRootDir;
    } catch {
      // The version is enough to say the engine answers.
    }
    return { state: 'ok', version: v.Version ?? 'unknown', ...(rootDir ? { rootDir } : {}), ...(podman ? { product: 'Podman' } : {}) };
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message = code ? `${code}: ${engineMessage(err)}` : engineMessage(err);
    if (code === 'EACCES' || code === 'EPERM') return { state: 'denied', message };
    if (code === 'ENOENT' || code === 'ECONNREFUSED') return { state: 'down', message };
    return { state: 'error', message };
  }
}

async function loadAll(folders: string[], env: NodeJS.ProcessEnv): Promise<{ profiles: Profile[]; errors: string[] }> {
  const profiles: Profile[] = [];
  const errors: string[] = [];
  for (const s of await listProfiles(folders)) {
    if (s.error) {
      errors.push(`${s.name}: ${s.error.message.split('\n')[0]}`);
      continue;
    }
    try {
      profiles.push(await loadProfile(s.file, { env }));
    } catch (err) {
      errors.push(`${s.name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return { profiles, errors };
}

function imageUses(profiles: Profile[]): ImageUse[] {
  const byImage = new Map<string, Set<string>>();
  for (const p of profiles) {
    for (const m of p.machines) {
      // A machine with `build:` makes its own image at `up`: nothing to have beforehand.
      if (!m.docker || m.docker.build) continue;
      const set = byImage.get(m.docker.image) ?? new Set<string>();
      set.add(p.name);
      byImage.set(m.docker.image, set);
    }
  }
  return [...byImage].map(([image, names]) => ({ image, profiles: [...names].sort() }));
}

const expandHome = (p: string) => p.replace(/^~(?=$|\/)/, os.homedir());

function sshUses(profiles: Profile[], defaultIdentity: string | undefined): SshUse[] {
  const out: SshUse[] = [];
  for (const p of profiles) {
    for (const m of p.machines) {
      if (!m.ssh) continue;
      const identity = m.ssh.identity ?? (defaultIdentity ? expandHome(defaultIdentity) : undefined);
      out.push({ profile: p.name, machine: m.name, ...(identity ? { identity, identityExists: existsSync(identity) } : {}) });
    }
  }
  return out;
}

/** Free space where it matters: the engine's data root (or the nearest folder of it this user may read). */
async function disks(paths: string[]): Promise<DiskFacts[]> {
  const out: DiskFacts[] = [];
  for (const start of paths) {
    let p = start;
    for (;;) {
      try {
        const st = await fs.statfs(p);
        out.push({ path: p, freeBytes: st.bavail * st.bsize });
        break;
      } catch {
        const parent = path.dirname(p);
        if (parent === p) break;
        p = parent;
      }
    }
  }
  return out;
}

export async function gatherFacts(o: GatherOptions): Promise<DoctorFacts> {
  const uid = process.getuid?.() ?? 1000;
  const user = os.userInfo().username;
  const [root, groupMap, engine, loaded] = await Promise.all([rootAccess(uid, o.env), groups(), o.engineError ? ({ state: 'error', message: o.engineError } as const) : askEngine(o.docker), loadAll(o.profileFolders, o.env)]);
  const dockerGroupEntry = [...groupMap].find(([, g]) => g.name === 'docker');
  const socket = o.socketPath ? await socketFacts(o.socketPath, groupMap) : undefined;
  const images = imageUses(loaded.profiles);
  // The test suite's base image (scripts/ensure-docker.sh runs doctor for the tests).
  const extra = o.env.PRODLIKE_BASE_IMAGE?.trim();
  if (extra && !images.some((u) => u.image === extra)) images.push({ image: extra, profiles: ['PRODLIKE_BASE_IMAGE'] });
  if (engine.state === 'ok') {
    await Promise.all(
      images.map(async (use) => {
        try {
          await o.docker.getImage(use.image).inspect();
          use.present = true;
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode === 404) use.present = false;
        }
      }),
    );
  }
  const agent = o.env.SSH_AUTH_SOCK && existsSync(o.env.SSH_AUTH_SOCK) ? o.env.SSH_AUTH_SOCK : undefined;
  const bin: DoctorFacts['bin'] = {};
  for (const [key, name] of [['dockerd', 'dockerd'], ['aptGet', 'apt-get'], ['mmdebstrap', 'mmdebstrap'], ['systemctl', 'systemctl']] as const) {
    const p = which(name, o.env);
    if (p) bin[key] = p;
  }
  const facts: DoctorFacts = {
    platform: process.platform,
    uid,
    user,
    processGids: process.getgroups?.() ?? [],
    root,
    interactive: o.interactive,
    systemd: existsSync('/run/systemd/system'),
    bin,
    engineAddress: o.engineAddress,
    ...(o.engineWhy ? { engineWhy: o.engineWhy } : {}),
    defaultSocket: !!o.socketPath && DEFAULT_SOCKETS.has(o.socketPath),
    engine,
    dockerdArgs: splitArgs(o.env.PRODLIKE_DOCKERD_ARGS),
    dockerdLog: path.join(o.dataDir, 'dockerd.log'),
    images,
    ssh: sshUses(loaded.profiles, o.sshIdentity),
    // Images and containers are what fill a disk; the app's own state is small.
    disks: o.socketPath ? await disks([engine.state === 'ok' && engine.rootDir ? engine.rootDir : '/var/lib/docker']) : [],
    profileErrors: loaded.errors,
  };
  if (loaded.profiles.some((p) => p.machines.some((m) => m.vm))) facts.vm = await vmChecks(o.dataDir);
  if (dockerGroupEntry) facts.dockerGroup = { gid: dockerGroupEntry[0], members: dockerGroupEntry[1].members };
  if (o.socketPath) facts.socketPath = o.socketPath;
  if (socket) facts.socket = socket;
  if (o.socketPath && engine.state === 'down') {
    // Only a local engine that does not answer: then a pid file a killed engine left can stop it starting.
    facts.enginePidFiles = enginePidFiles(facts.dockerdArgs, fsReader.read('/etc/docker/daemon.json'));
    const stale = stalePidFiles(facts.enginePidFiles, fsReader);
    if (stale.length) facts.stalePidFiles = stale;
  }
  if (agent) facts.agentSocket = agent;
  return facts;
}
