// `prodlike snapshot save|restore|ls|rm <profile> [name]`: a running environment's machines saved as
// images (docker commit) and their named volumes copied into labelled volumes; restore puts both back.
// A restored container carries the machine's usual labels and config hash, so the next `up` keeps it
// and only starts its services (a snapshot holds the disk, not the processes).

import type Docker from 'dockerode';
import type { MachineSpec, Profile } from '../../../../shared/profile.js';
import { ProdlikeError } from '../../errors.js';
import { parseVolume } from '../../profile/docker-values.js';
import { configHash, formatParts, normalizeDockerSpec } from './config-hash.js';
import { createAndStart, removeContainer } from './container.js';
import { LABEL_MACHINE, LABEL_VOLUME, containerName, ownerLabels, volumeName } from './labels.js';
import {
  LABEL_SNAPSHOT,
  LABEL_SNAPSHOT_MACHINE,
  LABEL_SNAPSHOT_PROFILE,
  LABEL_SNAPSHOT_SAVED_AT,
  LABEL_SNAPSHOT_VOLUME,
  SNAPSHOT_REPO,
} from '../../cache/cache-labels.js';
import { commitContainer, execToEnd, readBaseConfig } from './cache-store.js';
import type { SnapshotInfo } from '../backend.js';
import { checkSnapshotName } from '../snapshot-name.js';

/** What snapshots need of the Docker provider (provider.ts is one; it loads this module lazily, so this
 * module names no provider type and the two do not import each other). */
export interface SnapshotDocker {
  client(): Promise<Docker>;
  network(profile: Profile): Promise<void>;
  containersOf(profile: string): Promise<Docker.ContainerInfo[]>;
}

export type { SnapshotInfo };

const imageTag = (profile: string, name: string, machine: string) => `${profile}.${name}.${machine}`.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 128);
const snapshotVolume = (profile: string, volume: string, name: string) => `${volumeName(profile, volume)}.snapshot.${name}`;

type DockerMachine = MachineSpec & { docker: NonNullable<MachineSpec['docker']> };
const dockerMachines = (p: Profile) => p.machines.filter((m): m is DockerMachine => !!m.docker);

/** Copies one volume's content into another through a short-lived container of `image`. */
async function copyVolume(docker: Docker, image: string, from: string, to: string): Promise<void> {
  const c = await docker.createContainer({
    Image: image,
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


export async function snapshotSave(provider: SnapshotDocker, profile: Profile, name: string, log: (s: string) => void): Promise<SnapshotInfo> {
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
  if (info.machines.length === 0) throw new ProdlikeError(`no machine of ${profile.name} has a container to snapshot`, { hint: `bring it up first: \`prodlike up ${profile.name}\`` });
  return info;
}

export async function snapshotRestore(provider: SnapshotDocker, profile: Profile, name: string, log: (s: string) => void): Promise<SnapshotInfo> {
  checkSnapshotName(name);
  const docker = await provider.client();
  const snap = (await snapshotList(provider, profile)).find((s) => s.name === name);
  if (!snap) throw new ProdlikeError(`no snapshot ${name} of ${profile.name}`, { hint: `\`prodlike snapshot ls ${profile.name}\` lists them` });
  await provider.network(profile);
  const containers = await provider.containersOf(profile.name);
  for (const m of dockerMachines(profile)) {
    if (!snap.machines.includes(m.name)) continue;
    for (const c of containers.filter((x) => x.Labels[LABEL_MACHINE] === m.name)) await removeContainer(docker, c.Id);
    for (const v of m.docker.volumes.map(parseVolume).filter((x) => x.kind === 'volume')) {
      const from = snapshotVolume(profile.name, v.source, name);
      const exists = await docker
        .getVolume(from)
        .inspect()
        .then(() => true)
        .catch(() => false);
      if (!exists) continue;
      await docker.createVolume({ Name: volumeName(profile.name, v.source), Labels: { ...ownerLabels(profile.name, profile.file), [LABEL_VOLUME]: v.source } });
      await copyVolume(docker, m.docker.image, from, volumeName(profile.name, v.source));
    }
    const base = await docker.getImage(m.docker.image).inspect();
    const { hash, parts } = configHash(normalizeDockerSpec(m.name, m.docker, base.Id));
    const restored = await createAndStart(docker, { profile, machine: m.name, spec: m.docker, hash, parts: formatParts(parts), image: `${SNAPSHOT_REPO}:${imageTag(profile.name, name, m.name)}` });
    // The snapshot was taken while services ran: their pid files are in it, naming processes that are
    // gone. A boot empties /run; a container's is on its disk. Left there, an init script's status
    // (`kill -0 <pid>`) says "running" whenever a new process happens to get that pid, and up would not
    // start the service. No service runs in the restored container yet, so every pid file there is stale.
    await execToEnd(docker, restored.id, ['sh', '-c', "find /run -xdev -type f -name '*.pid' -delete 2>/dev/null; true"]);
    log(`${m.name}: restored`);
  }
  return snap;
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

export async function snapshotRemove(provider: SnapshotDocker, profile: Profile, name: string): Promise<SnapshotInfo> {
  const docker = await provider.client();
  const snap = (await snapshotList(provider, profile)).find((s) => s.name === name);
  if (!snap) throw new ProdlikeError(`no snapshot ${name} of ${profile.name}`, { hint: `\`prodlike snapshot ls ${profile.name}\` lists them` });
  const filter = { label: [`${LABEL_SNAPSHOT_PROFILE}=${profile.name}`, `${LABEL_SNAPSHOT}=${name}`] };
  // By tag: a restored container may still run from the image; its tag goes now, and the image when
  // that container is removed (removeContainer).
  for (const img of await docker.listImages({ filters: filter })) {
    for (const ref of (img.RepoTags ?? []).filter((t) => t.startsWith(`${SNAPSHOT_REPO}:`))) await docker.getImage(ref).remove({ force: true });
  }
  for (const v of (await docker.listVolumes({ filters: filter })).Volumes ?? []) await docker.getVolume(v.Name).remove();
  return snap;
}
