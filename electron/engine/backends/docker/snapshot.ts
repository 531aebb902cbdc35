// `prodlike snapshot save|restore|ls|rm <profile> [name]`: a running environment's machines saved as
// images (docker commit) and their named volumes copied into labelled volumes; restore puts both back.
// A restored container carries the machine's usual labels and config hash, so the next `up` keeps it.
// A snapshot holds the disk, not the processes: a container put back running has its services started
// as it is restored, as a container from a cached state does; its commands are left to `up`.

import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { MachineSpec, Profile } from '../../../../shared/profile.js';
import { ProdlikeError } from '../../errors.js';
import { parseVolume } from '../../profile/docker-values.js';
import { configHash, formatParts, normalizeDockerSpec } from './config-hash.js';
import { statusCode } from './client.js';
import { STALE_PID_FILES, createAndStart, keepAliveIsMain, removeContainer } from './container.js';
import { LABEL_MACHINE, LABEL_VOLUME, containerName, ownerLabels, volumeName } from './labels.js';
import {
  LABEL_SNAPSHOT,
  LABEL_SNAPSHOT_MACHINE,
  LABEL_SNAPSHOT_PROFILE,
  LABEL_SNAPSHOT_SAVED_AT,
  LABEL_SNAPSHOT_VOLUME,
  SNAPSHOT_REPO,
} from '../../cache/cache-labels.js';
import { commitContainer, readBaseConfig } from './cache-store.js';
import type { RestoreOptions, RestoreStep, SnapshotInfo } from '../backend.js';
import { restoreStarts } from '../../cache/runtime-state.js';
import { DockerExecTransport } from './exec-transport.js';
import { checkSnapshotName } from '../snapshot-name.js';

/** What snapshots need of the Docker provider (provider.ts is one; it loads this module lazily, so this
 * module names no provider type and the two do not import each other). */
export interface SnapshotDocker {
  client(): Promise<Docker>;
  network(profile: Profile): Promise<void>;
  containersOf(profile: string): Promise<Docker.ContainerInfo[]>;
}

export type { SnapshotInfo };

/**
 * A machine's image tag in a snapshot. Docker allows 128 characters: a longer one keeps its start and
 * ends with a hash of the whole, so two machines of a long-named profile never share a tag.
 */
export function imageTag(profile: string, name: string, machine: string): string {
  const tag = `${profile}.${name}.${machine}`.replace(/[^A-Za-z0-9_.-]/g, '-');
  if (tag.length <= 128) return tag;
  return `${tag.slice(0, 128 - 17)}-${createHash('sha256').update(`${profile}\0${name}\0${machine}`).digest('hex').slice(0, 16)}`;
}
const snapshotVolume = (profile: string, volume: string, name: string) => `${volumeName(profile, volume)}.snapshot.${name}`;

type DockerMachine = MachineSpec & { docker: NonNullable<MachineSpec['docker']> };
const dockerMachines = (p: Profile) => p.machines.filter((m): m is DockerMachine => !!m.docker);

/** Copies one volume's content into another through a short-lived container of `image`. */
async function copyVolume(docker: Docker, image: string, from: string, to: string): Promise<void> {
  const c = await docker.createContainer({
    Image: image,
    // As root whatever the image's USER: the copy keeps every file's owner and reaches every file.
    User: '0',
    Entrypoint: ['sh', '-c'],
    Cmd: ['find /to -mindepth 1 -delete && cp -a /from/. /to/'],
    Labels: { 'prodlike.helper': 'snapshot-copy' },
    HostConfig: { Binds: [`${from}:/from:ro`, `${to}:/to`] },
  });
  try {
    await c.start();
    const res = (await c.wait()) as { StatusCode: number };
    if (res.StatusCode !== 0) throw new Error(`copying volume ${from} to ${to} failed (exit ${res.StatusCode})`);
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}

/**
 * Refuses a machine whose container has a volume that is not one of the profile's named volumes (an
 * anonymous one: `volumes: ["/path"]`, or one its image declares): a commit leaves out what is written
 * there and nothing would copy it, so a restore would bring the machine back without it — and remove
 * the current one with its container.
 */
export async function snapshotCheck(provider: SnapshotDocker, profile: Profile, doing: 'saved' | 'restored', listed?: Docker.ContainerInfo[]): Promise<void> {
  const docker = await provider.client();
  const containers = listed ?? (await provider.containersOf(profile.name));
  for (const m of dockerMachines(profile)) {
    const named = new Set(m.docker.volumes.map(parseVolume).flatMap((v) => (v.kind === 'volume' ? [volumeName(profile.name, v.source)] : [])));
    for (const c of containers.filter((x) => x.Labels[LABEL_MACHINE] === m.name)) {
      const info = await docker.getContainer(c.Id).inspect();
      const others = (info.Mounts ?? []).filter((x) => x.Type === 'volume' && !named.has(x.Name ?? ''));
      if (!others.length) continue;
      const paths = others.map((x) => x.Destination).join(', ');
      throw new ProdlikeError(`${m.name} cannot be ${doing}: its container has a volume at ${paths} that is not a named volume of the profile (anonymous, or declared by its image), and a snapshot cannot hold what is written there`, {
        hint: `mount a named volume there in the profile (volumes: ["<name>:${others[0]!.Destination}"]), then \`prodlike up\`; nothing was changed`,
      });
    }
  }
}

/** Undefined when none of these machines has a container (runner/snapshot.ts says so when no backend saved one). */
export async function snapshotSave(provider: SnapshotDocker, profile: Profile, name: string, log: (s: string) => void): Promise<SnapshotInfo | undefined> {
  checkSnapshotName(name);
  const docker = await provider.client();
  if ((await snapshotList(provider, profile)).some((s) => s.name === name)) {
    throw new ProdlikeError(`snapshot ${name} of ${profile.name} exists already`, { hint: `remove it first: \`prodlike snapshot rm ${profile.name} ${name}\`` });
  }
  const containers = await provider.containersOf(profile.name);
  const savedAt = new Date().toISOString();
  const info: SnapshotInfo = { name, profile: profile.name, savedAt, machines: [], volumes: [], sizeBytes: 0 };
  for (const m of dockerMachines(profile)) {
    const c = containers.find((x) => x.Labels[LABEL_MACHINE] === m.name && x.Names.includes(`/${containerName(profile.name, m.name)}`));
    if (!c) {
      log(`${m.name}: no container, not in the snapshot`);
      continue;
    }
    const labels = { [LABEL_SNAPSHOT]: name, [LABEL_SNAPSHOT_PROFILE]: profile.name, [LABEL_SNAPSHOT_MACHINE]: m.name, [LABEL_SNAPSHOT_SAVED_AT]: savedAt };
    const running = c.State === 'running';
    const container = docker.getContainer(c.Id);
    // Paused while its disk and volumes are copied: one consistent moment for both.
    if (running) await container.pause();
    try {
      await commitContainer(docker, c.Id, {
        repo: SNAPSHOT_REPO,
        tag: imageTag(profile.name, name, m.name),
        labels,
        base: await readBaseConfig(docker, m.docker.image),
        comment: `prodlike snapshot ${name} of ${profile.name}/${m.name}`,
      });
      for (const v of m.docker.volumes.map(parseVolume).filter((x) => x.kind === 'volume')) {
        const target = snapshotVolume(profile.name, v.source, name);
        await docker.createVolume({ Name: target, Labels: { ...labels, [LABEL_SNAPSHOT_VOLUME]: v.source } });
        await copyVolume(docker, m.docker.image, volumeName(profile.name, v.source), target);
        info.volumes.push(v.source);
      }
    } finally {
      if (running) await container.unpause().catch(() => undefined);
    }
    info.machines.push(m.name);
    log(`${m.name}: saved`);
  }
  // Nothing saved here: not a failure to clean up after (a VM of the profile may be saved), and not
  // "not kept" when no backend saved anything (the runner says there was nothing to snapshot).
  return info.machines.length === 0 ? undefined : info;
}

/**
 * A restore of snapshot `name` (undefined: these machines hold none of it): everything it needs is checked before anything is removed (the
 * snapshot, each machine's volumes and base image), and the answer is the restore itself, which
 * runner/snapshot.ts runs once every backend has checked its part.
 */
export async function prepareRestore(provider: SnapshotDocker, profile: Profile, name: string, log: (s: string) => void, opts: RestoreOptions = {}): Promise<RestoreStep | undefined> {
  checkSnapshotName(name);
  const docker = await provider.client();
  const snap = (await snapshotList(provider, profile)).find((s) => s.name === name);
  // None of these machines is in it (runner/snapshot.ts has said when no backend holds it).
  if (!snap) return undefined;
  const containers = await provider.containersOf(profile.name);
  await snapshotCheck(provider, profile, 'restored', containers);
  const bases = new Map<string, string>();
  for (const m of dockerMachines(profile)) {
    if (!snap.machines.includes(m.name)) continue;
    const base = await docker
      .getImage(m.docker.image)
      .inspect()
      .catch(() => undefined);
    if (!base) {
      throw new ProdlikeError(`${m.name}: its image ${m.docker.image} is not on this engine, and a restore needs it (the container's settings come from it)`, {
        hint: `\`prodlike up ${profile.name}\` fetches or builds it (or \`docker pull ${m.docker.image}\`), then restore again; nothing was changed`,
      });
    }
    bases.set(m.name, base.Id);
  }
  return () => restore(provider, profile, name, { docker, snap, containers, bases }, log, opts);
}

async function restore(
  provider: SnapshotDocker,
  profile: Profile,
  name: string,
  { docker, snap, containers, bases }: { docker: Docker; snap: SnapshotInfo; containers: Docker.ContainerInfo[]; bases: Map<string, string> },
  log: (s: string) => void,
  opts: RestoreOptions,
): Promise<SnapshotInfo> {
  await provider.network(profile);
  // What was put back, as the profile is now (a machine or volume it gained since the save is not).
  const done: SnapshotInfo = { ...snap, machines: [], volumes: [] };
  for (const m of dockerMachines(profile)) {
    if (!snap.machines.includes(m.name)) {
      log(`${m.name}: not in the snapshot (no container when it was saved, or added since), left as it is`);
      continue;
    }
    const before = containers.filter((x) => x.Labels[LABEL_MACHINE] === m.name);
    // A machine stopped before the restore is stopped after it, as a VM's disk restore leaves it; one
    // that ran, or had no container (after `destroy`), runs. Even a stopped one is started first: its
    // stale pid files (below) are removed from inside it.
    const wasStopped = before.length > 0 && before.every((c) => c.State !== 'running');
    for (const c of before) await removeContainer(docker, c.Id);
    for (const v of m.docker.volumes.map(parseVolume).filter((x) => x.kind === 'volume')) {
      const from = snapshotVolume(profile.name, v.source, name);
      const exists = await docker
        .getVolume(from)
        .inspect()
        .then(() => true)
        .catch(() => false);
      if (!exists) {
        log(`${m.name}: volume ${v.source} is not in the snapshot (added since), kept as it is`);
        continue;
      }
      await docker.createVolume({ Name: volumeName(profile.name, v.source), Labels: { ...ownerLabels(profile.name, profile.file), [LABEL_VOLUME]: v.source } });
      await copyVolume(docker, m.docker.image, from, volumeName(profile.name, v.source));
      done.volumes.push(v.source);
    }
    const { hash, parts } = configHash(normalizeDockerSpec(m.name, m.docker, bases.get(m.name)!));
    const restored = await createAndStart(docker, { profile, machine: m.name, spec: m.docker, hash, parts: formatParts(parts), image: `${SNAPSHOT_REPO}:${imageTag(profile.name, name, m.name)}` });
    // The snapshot's pid files are stale (STALE_PID_FILES), unless the main process is the profile's own
    // (`command:`…), already running and maybe with one. A machine that runs has its services started
    // in the same exec, once they are gone.
    if (wasStopped) {
      if (keepAliveIsMain(m.docker)) await removeStalePidFiles(docker, restored.id, m.name);
      await restored.stop().catch((err: unknown) => {
        // 304: its own main process (`command:`) had ended already.
        if (statusCode(err) !== 304) throw err;
      });
      log(`${m.name}: restored, stopped as it was (\`prodlike up\` starts it)`);
    } else log(`${m.name}: restored${await startProcesses(docker, restored.id, m, opts)}`);
    done.machines.push(m.name);
  }
  return done;
}

/** As root, as converge's commands run: the files are root's whatever the machine's `user:`. */
async function removeStalePidFiles(docker: Docker, id: string, machine: string): Promise<void> {
  await new DockerExecTransport(id, { machine, docker }).exec(STALE_PID_FILES);
}

/** Past the start script's own limits (a `ready:` check is given about 2 minutes): only a hung init script meets it. */
const START_TIMEOUT_MS = 300_000;

/**
 * In a restored container that runs: removes the stale pid files and starts its services, in one exec
 * (restoreStarts: those a container from a cached state of the whole machine starts, with the same
 * script), and says what it started, what did not start, and what is left to `up`. Only where
 * Prodlike's keep-alive is the main process; elsewhere the profile's own process runs and every
 * service is left to `up`. The exec runs as root, as converge's do, so a machine that runs as another
 * user has its services started too (a cached state's start script runs as that user, and cannot).
 */
async function startProcesses(docker: Docker, id: string, m: MachineSpec & { docker: NonNullable<MachineSpec['docker']> }, opts: RestoreOptions): Promise<string> {
  const plan = restoreStarts(m.resources);
  const can = keepAliveIsMain(m.docker);
  const start = can ? opts.startServices : undefined;
  const said: string[] = [];
  if (start && plan.services.length) {
    const names = plan.services.map((s) => s.name);
    try {
      const r = await new DockerExecTransport(id, { machine: m.name, docker }).exec(`${STALE_PID_FILES}\n${start.script(plan.services)}`, { timeoutMs: START_TIMEOUT_MS });
      const failed = names.filter((n) => r.stderr.includes(start.didNotStart(n)));
      const started = names.filter((n) => !failed.includes(n));
      if (started.length) said.push(`services started: ${started.join(', ')}`);
      if (failed.length) said.push(`did not start: ${failed.join(', ')} (\`prodlike up\` says why)`);
    } catch (err) {
      said.push(`services maybe not started (${(err as Error).message}): \`prodlike up\` starts what is stopped`);
    }
  } else if (can) await removeStalePidFiles(docker, id, m.name);
  // Not started here (the profile's own process runs in it): every running service is up's.
  const leftServices = [...(start ? [] : plan.services.map((s) => s.name)), ...plan.left.services];
  const left = [...(leftServices.length ? [`service${leftServices.length > 1 ? 's' : ''} ${leftServices.join(', ')}`] : []), ...(plan.left.commands ? [`${plan.left.commands} command${plan.left.commands > 1 ? 's' : ''}`] : [])];
  if (left.length) said.push(`left to \`prodlike up\`: ${left.join(' and ')}`);
  return said.length ? `, ${said.join('; ')}` : '';
}

export async function snapshotList(provider: SnapshotDocker, profile: Profile): Promise<SnapshotInfo[]> {
  const docker = await provider.client();
  const images = await docker.listImages({ filters: { label: [`${LABEL_SNAPSHOT_PROFILE}=${profile.name}`] } });
  const volumes = (await docker.listVolumes({ filters: { label: [`${LABEL_SNAPSHOT_PROFILE}=${profile.name}`] } })).Volumes ?? [];
  const byName = new Map<string, SnapshotInfo>();
  for (const img of images) {
    // An image whose snapshot tag was removed while a container still used it is not a snapshot any more.
    if (!(img.RepoTags ?? []).some((t) => t.startsWith(`${SNAPSHOT_REPO}:`))) continue;
    const l = img.Labels ?? {};
    const name = l[LABEL_SNAPSHOT]!;
    const s = byName.get(name) ?? { name, profile: profile.name, savedAt: l[LABEL_SNAPSHOT_SAVED_AT] ?? '', machines: [], volumes: [], sizeBytes: 0 };
    s.machines.push(l[LABEL_SNAPSHOT_MACHINE] ?? '');
    s.sizeBytes += img.Size;
    byName.set(name, s);
  }
  for (const v of volumes) {
    const s = byName.get(v.Labels?.[LABEL_SNAPSHOT] ?? '');
    if (s) s.volumes.push(v.Labels?.[LABEL_SNAPSHOT_VOLUME] ?? v.Name);
  }
  return [...byName.values()].map((s) => ({ ...s, machines: s.machines.sort(), volumes: s.volumes.sort() })).sort((a, b) => a.savedAt.localeCompare(b.savedAt));
}

/** Removes snapshot `name` of these machines; undefined when they hold none of it. */
export async function snapshotRemove(provider: SnapshotDocker, profile: Profile, name: string): Promise<SnapshotInfo | undefined> {
  const docker = await provider.client();
  const snap = (await snapshotList(provider, profile)).find((s) => s.name === name);
  if (!snap) return undefined;
  const filter = { label: [`${LABEL_SNAPSHOT_PROFILE}=${profile.name}`, `${LABEL_SNAPSHOT}=${name}`] };
  // By tag: a restored container may still run from the image; its tag goes now, and the image when
  // that container is removed (removeContainer).
  for (const img of await docker.listImages({ filters: filter })) {
    for (const ref of (img.RepoTags ?? []).filter((t) => t.startsWith(`${SNAPSHOT_REPO}:`))) await docker.getImage(ref).remove({ force: true });
  }
  for (const v of (await docker.listVolumes({ filters: filter })).Volumes ?? []) await docker.getVolume(v.Name).remove();
  return snap;
}
