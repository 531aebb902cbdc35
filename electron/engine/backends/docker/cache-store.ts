// Cached states on the engine: images tagged prodlike-cache:<key> and labelled (cache-labels.ts).
// Listing, saving (docker commit), marking as used (a re-tag updates the image's LastTagTime, which is
// its "last used"), removing, and pulling/pushing them from/to a registry.

import type Docker from 'dockerode';
import type { CacheEntryInfo } from '../../../../shared/api.js';
import { engineMessage, statusCode } from './client.js';
import { LABEL_STARTS_SERVICES } from './container.js';
import { LABEL_PROFILE_FILE } from './labels.js';
import { execToEnd } from './marked.js';
import { recentRegistryAuth } from './registry-auth.js';
import { CACHE_FORMAT_VERSION, cacheTag } from '../../cache/cache-key.js';
import { chooseEvictions, layersBegin, removeChildrenFirst } from '../../cache/cache-evict.js';
import {
  CACHE_REPO,
  LABEL_CACHE_FORMAT,
  LABEL_CACHE_KEY,
  LABEL_CACHE_MACHINE,
  LABEL_CACHE_PARENT,
  LABEL_CACHE_PREFIX,
  LABEL_CACHE_PROFILE,
  LABEL_CACHE_SAVED_AT,
  cacheRef,
} from '../../cache/cache-labels.js';

/** A cached state as the CLI and the app list it (CacheEntryInfo), with what the store needs too. */
export interface CacheEntry extends CacheEntryInfo {
  /** prodlike-cache:<tag> */
  ref: string;
  id: string;
  /** The image with its base; `sizeBytes` is its own layer. */
  totalBytes: number;
  parent: string;
  /** Every tag of the image that names this state (the local one, and bake's or a pull's registry tags). */
  tags: string[];
  /** Its layers (RootFS diff IDs), base first: a state is built on another when the other's begin its own. */
  layers: string[];
}

/** What `up` needs of the cached states: one image list, no inspects (a start must stay fast). */
export interface CachedState {
  key: string;
  id: string;
  prefix: number;
  total: number;
  savedAt: string;
}

export async function listCachedStates(docker: Docker): Promise<CachedState[]> {
  const images = await docker.listImages({ filters: { label: [LABEL_CACHE_KEY] } });
  return images
    .filter((img) => img.Labels?.[LABEL_CACHE_FORMAT] === String(CACHE_FORMAT_VERSION) && (img.RepoTags ?? []).includes(cacheRef(cacheTag(img.Labels[LABEL_CACHE_KEY]!))))
    .map((img) => {
      const l = img.Labels;
      const [prefix, total] = (l[LABEL_CACHE_PREFIX] ?? '0/0').split('/').map(Number) as [number, number];
      return { key: l[LABEL_CACHE_KEY]!, id: img.Id, prefix, total, savedAt: l[LABEL_CACHE_SAVED_AT] ?? new Date(img.Created * 1000).toISOString() };
    });
}

/** Every cached state on the engine (of this cache format), newest first. */
export async function listCache(docker: Docker): Promise<CacheEntry[]> {
  const images = await docker.listImages({ filters: { label: [LABEL_CACHE_KEY] } });
  const isState = (img: { Labels?: Record<string, string> | null; RepoTags?: string[] | null }) =>
    img.Labels?.[LABEL_CACHE_FORMAT] === String(CACHE_FORMAT_VERSION) && (img.RepoTags ?? []).includes(cacheRef(cacheTag(img.Labels[LABEL_CACHE_KEY]!)));
  const listed = new Map(images.filter(isState).map((i) => [i.Id, i.Size]));
  type Inspected = Awaited<ReturnType<Docker.Image['inspect']>>;
  const inspected = new Map<string, Promise<Inspected | undefined>>();
  const inspect = (id: string) => {
    let p = inspected.get(id);
    if (!p) inspected.set(id, (p = docker.getImage(id).inspect().catch(() => undefined)));
    return p;
  };
  const layersOf = (info: Inspected | undefined) => (info?.RootFS as { Layers?: string[] } | undefined)?.Layers ?? [];
  // The images on the engine with their layers, asked for once and only when a state's parent is missing.
  let local: Promise<{ layers: string[]; size: number }[]> | undefined;
  /**
   * The size of the largest image on the engine that this one is built on (its layers begin this one's):
   * for a state whose labelled parent is not on this engine, a pulled one (its label names the image
   * ID on the computer that baked it). The base image, usually, or a state below it.
   */
  const nearestBelow = async (layers: string[]): Promise<number> => {
    local ??= docker
      .listImages()
      .then((all) => Promise.all(all.map(async (i) => ({ layers: layersOf(await inspect(i.Id)), size: i.Size }))))
      .catch(() => []);
    let best: { layers: string[]; size: number } | undefined;
    for (const c of await local) {
      if (c.layers.length < layers.length && layersBegin(c.layers, layers) && (!best || c.layers.length > best.layers.length)) best = c;
    }
    return best?.size ?? 0;
  };
  /**
   * The size of what a state is built on that stays when it goes: its nearest listed ancestor, or its
   * base image. A state whose tag moved to a newer save of its key (\`--no-cache\`) is kept, untagged,
   * while a state built on it exists, and goes with it: its bytes are that state's own. Each image is
   * inspected once, however many states are built on it. `layers`: those of the image built on `id`.
   */
  const keptBelow = async (id: string, layers: string[]): Promise<number> => {
    const size = id ? listed.get(id) : 0;
    if (size !== undefined) return size;
    const info = await inspect(id);
    if (!info) return nearestBelow(layers);
    const l = info.Config?.Labels ?? {};
    return l[LABEL_CACHE_FORMAT] === String(CACHE_FORMAT_VERSION) && l[LABEL_CACHE_PARENT] ? keptBelow(l[LABEL_CACHE_PARENT], layersOf(info)) : info.Size;
  };
  const out: CacheEntry[] = [];
  for (const img of images) {
    // Only the image carrying its own cache tag counts (a pulled registry copy is tagged on pull).
    if (!listed.has(img.Id)) continue;
    const l = img.Labels ?? {};
    const key = l[LABEL_CACHE_KEY]!;
    const ref = cacheRef(cacheTag(key));
    const [prefix, total] = (l[LABEL_CACHE_PREFIX] ?? '0/0').split('/').map(Number) as [number, number];
    const info = await inspect(img.Id);
    const layers = layersOf(info);
    const savedAt = l[LABEL_CACHE_SAVED_AT] ?? new Date(img.Created * 1000).toISOString();
    const tagged = (info as { Metadata?: { LastTagTime?: string } } | undefined)?.Metadata?.LastTagTime;
    const lastUsed = tagged && !tagged.startsWith('0001') ? new Date(tagged).toISOString() : savedAt;
    const parent = l[LABEL_CACHE_PARENT] ?? '';
    out.push({
      key,
      ref,
      id: img.Id,
      profile: l[LABEL_CACHE_PROFILE] ?? '',
      machine: l[LABEL_CACHE_MACHINE] ?? '',
      prefix,
      total,
      savedAt,
      lastUsed,
      totalBytes: img.Size,
      sizeBytes: Math.max(0, img.Size - (await keptBelow(parent, layers))),
      parent,
      tags: (img.RepoTags ?? []).filter((t) => t.endsWith(`:${cacheTag(key)}`)),
      layers,
    });
  }
  return out.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

export interface SaveRequest {
  containerId: string;
  key: string;
  prefix: number;
  total: number;
  profile: string;
  machine: string;
  /** The image the container was created from. */
  parent: string;
  base: BaseConfig;
  /** No package resource of the machine comes after this state: apt's package lists go too. */
  dropLists?: boolean;
}

/** The config a committed image keeps from its base: it must run like its base, not like our keep-alive. */
export interface BaseConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  User?: string | null;
  WorkingDir?: string | null;
  Healthcheck?: { Test?: string[] } | null;
  /** The paths the image declares as volumes (not what a commit keeps). */
  Volumes?: string[];
}

/** An image's config as a committed image keeps it from its base (commitContainer). */
export async function readBaseConfig(docker: Docker, image: string): Promise<BaseConfig> {
  const info = await docker.getImage(image).inspect();
  const list = (v: string | string[] | null | undefined) => (v == null ? null : Array.isArray(v) ? v : [v]);
  const c = info.Config as typeof info.Config & { Healthcheck?: { Test?: string[] }; Volumes?: Record<string, object> | null };
  return {
    Entrypoint: list(c.Entrypoint),
    Cmd: list(c.Cmd),
    Env: c.Env ?? null,
    User: c.User ?? null,
    WorkingDir: c.WorkingDir ?? null,
    Healthcheck: c.Healthcheck ?? null,
    Volumes: Object.keys(c.Volumes ?? {}),
  };
}

/**
 * Commits a container's disk as an image. The container is paused meanwhile (Docker's default), so the
 * layer is a consistent cut even while services write. The container's own environment (the profile's
 * `env:`, possibly secrets) is not carried into the image: each of its variables is reset to the base
 * image's value or to empty (the machine's container sets them again when created).
 */
export async function commitContainer(docker: Docker, containerId: string, to: { repo: string; tag: string; labels: Record<string, string>; base: BaseConfig; comment: string }): Promise<string> {
  const container = docker.getContainer(containerId);
  const info = await container.inspect();
  const baseEnv = to.base.Env ?? [];
  const keys = new Set(baseEnv.map((e) => e.split('=')[0]));
  const env = [...baseEnv];
  for (const e of info.Config.Env ?? []) {
    const k = e.split('=')[0]!;
    if (!keys.has(k)) {
      env.push(`${k}=`);
      keys.add(k);
    }
  }
  const res = (await container.commit({
    repo: to.repo,
    tag: to.tag,
    pause: true,
    comment: to.comment,
    Entrypoint: to.base.Entrypoint ?? [],
    Cmd: to.base.Cmd ?? [],
    Env: env,
    // The engine fills what is left empty here from the container (the profile's `user:`,
    // `working_dir:`, `healthcheck:`): a profile that drops one would keep it from the cache. The
    // base's values, or their explicit defaults.
    User: to.base.User || '0',
    WorkingDir: to.base.WorkingDir || '/',
    Healthcheck: to.base.Healthcheck?.Test?.length ? to.base.Healthcheck : { Test: ['NONE'] },
    // The engine merges the container's labels into the image's: a container made from this image has
    // no start script, so it must not say it starts services; and where the profile file lives on this
    // computer is not for a teammate pulling a baked state.
    Labels: { [LABEL_STARTS_SERVICES]: '', [LABEL_PROFILE_FILE]: '', ...to.labels },
  })) as { Id: string };
  return res.Id;
}

/**
 * What apt fills again by itself, left out of a saved state as Docker's own Debian images and Dockerfile
 * guides leave it out: its binary caches (regenerated on its next run) and downloaded packages (kept
 * only to install them again). They were half of a package layer's bytes, and the commit's time is in
 * proportion. The package lists go too when no package or command resource follows (dropsAptLists):
 * a package resource would have to run `apt-get update` again, and a command's `apt-get install` would
 * fail where a build without the cache passes.
 */
function regenerableScript(dropLists: boolean): string {
  const lists = dropLists ? '\n[ ! -d /var/lib/apt/lists ] || find /var/lib/apt/lists -maxdepth 1 -type f ! -name lock -delete' : '';
  return `rm -f /var/cache/apt/pkgcache.bin /var/cache/apt/srcpkgcache.bin /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb${lists}`;
}

async function dropRegenerable(docker: Docker, containerId: string, dropLists: boolean): Promise<void> {
  await execToEnd(docker, containerId, ['sh', '-c', regenerableScript(dropLists)]);
}

export async function saveState(docker: Docker, req: SaveRequest): Promise<string> {
  await dropRegenerable(docker, req.containerId, req.dropLists === true).catch(() => undefined);
  return commitContainer(docker, req.containerId, {
    repo: CACHE_REPO,
    tag: cacheTag(req.key),
    base: req.base,
    comment: `prodlike cache: ${req.profile}/${req.machine} after ${req.prefix} of ${req.total} resources`,
    labels: {
      [LABEL_CACHE_KEY]: req.key,
      [LABEL_CACHE_PREFIX]: `${req.prefix}/${req.total}`,
      [LABEL_CACHE_PROFILE]: req.profile,
      [LABEL_CACHE_MACHINE]: req.machine,
      [LABEL_CACHE_SAVED_AT]: new Date().toISOString(),
      [LABEL_CACHE_PARENT]: req.parent,
      [LABEL_CACHE_FORMAT]: String(CACHE_FORMAT_VERSION),
    },
  });
}

/** Marks a cached state as used now (for least-recently-used eviction). */
export async function touch(docker: Docker, key: string): Promise<void> {
  await docker
    .getImage(cacheRef(cacheTag(key)))
    .tag({ repo: CACHE_REPO, tag: cacheTag(key) })
    .catch(() => undefined);
}

export interface RemoveOutcome {
  removed: CacheEntry[];
  /** Entries kept, with why (in use by a container, needed by another cached state). */
  kept: { entry: CacheEntry; why: string }[];
}

/**
 * The cached states a container uses, with why: its image is the state, or is built on it (a state
 * under it, or an image of its own such as a snapshot). Removing one would fail, or free nothing. The
 * words are the same in a prune's kept list and in `cache ls` (one reason, one wording).
 */
export async function usedByContainers(docker: Docker, entries: readonly CacheEntry[]): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  const images = [...new Set((await docker.listContainers({ all: true })).map((c) => c.ImageID))];
  for (const id of images) {
    const state = entries.find((e) => e.id === id);
    if (state) used.set(id, 'a container uses it');
    const layers =
      state?.layers ??
      (await docker
        .getImage(id)
        .inspect()
        .then(
          (i) => (i.RootFS as { Layers?: string[] } | undefined)?.Layers ?? [],
          () => [],
        ));
    for (const e of entries) {
      if (e.id === id || used.has(e.id) || !layersBegin(e.layers, layers)) continue;
      used.set(e.id, state ? 'a container uses a state built on it' : 'a container uses an image built on it');
    }
  }
  return used;
}

function splitRef(ref: string): { repo: string; tag: string } {
  const at = ref.lastIndexOf(':');
  return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
}

/** Removes one state's tags; true when its image is gone from the engine, else why it stays (tagged again). */
async function removeOne(docker: Docker, e: CacheEntry): Promise<true | string> {
  const untagged: string[] = [];
  const retag = async () => {
    for (const t of untagged) await docker.getImage(e.id).tag(splitRef(t)).catch(() => undefined);
  };
  // The registry tags of the same state go too: otherwise the image (and its disk) would stay.
  for (const tag of [...e.tags.filter((t) => t !== e.ref), e.ref]) {
    try {
      await docker.getImage(tag).remove({ noprune: false });
      untagged.push(tag);
    } catch (err) {
      if (statusCode(err) === 404) continue;
      await retag();
      return /container/i.test(engineMessage(err)) ? 'a container uses it' : engineMessage(err);
    }
  }
  // Untagged, but still there (an image that is not a cached state is built on it, or tags it): that
  // freed nothing, and it is a cached state again.
  const stays = await docker
    .getImage(e.id)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (!stays) return true;
  await retag();
  return 'another image is built on it, so removing it would free nothing';
}

/**
 * Removes cached states (their cache tags; the layers go when nothing else uses them), children first.
 * Never one a container uses, nor one a state that stays is built on (`all`: every state on the engine;
 * listed when not given): a parent is decided after its children, so a child that could not go keeps it.
 * What is reported removed is gone from the engine.
 */
export async function removeEntries(docker: Docker, entries: CacheEntry[], all?: CacheEntry[], used?: Map<string, string>): Promise<RemoveOutcome> {
  const every = all ?? (await listCache(docker));
  const inUse = used ?? (await usedByContainers(docker, every));
  return removeChildrenFirst(every, entries, inUse, (e) => removeOne(docker, e));
}

/**
 * Keeps the cache within `capBytes`, removing the least recently used states first. A state a container
 * uses (or an image built on it) is never chosen, nor what it is built on; one that could not go after
 * all is kept and the next in the order goes instead, until the rest fits. `entries`: the states to
 * consider (every one on the engine when not given).
 */
export async function enforceCap(docker: Docker, capBytes: number, entries?: CacheEntry[]): Promise<RemoveOutcome> {
  let left = entries ?? (await listCache(docker));
  const used = await usedByContainers(docker, left);
  const pinned = new Set(used.keys());
  const out: RemoveOutcome = { removed: [], kept: [] };
  for (let round = 0; round <= left.length; round++) {
    const victims = new Set(
      chooseEvictions(
        left.map((e) => ({ key: e.key, id: e.id, parent: e.parent, ownBytes: e.sizeBytes, lastUsed: Date.parse(e.lastUsed), pinned: pinned.has(e.id) })),
        capBytes,
      ),
    );
    if (victims.size === 0) break;
    const done = await removeEntries(
      docker,
      left.filter((e) => victims.has(e.key)),
      left,
      used,
    );
    out.removed.push(...done.removed);
    out.kept.push(...done.kept);
    if (done.kept.length === 0) break;
    for (const k of done.kept) pinned.add(k.entry.id);
    const removed = new Set(done.removed);
    left = left.filter((e) => !removed.has(e));
  }
  return out;
}

/** Follows a pull or push stream; rejects on an in-band error. */
export function followStream(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    let inBand: string | undefined;
    docker.modem.followProgress(
      stream,
      (err) => (inBand !== undefined ? reject(new Error(inBand)) : err ? reject(err) : resolve()),
      (e: { error?: string; errorDetail?: { message?: string } }) => {
        const m = e.error ?? e.errorDetail?.message;
        if (m !== undefined && inBand === undefined) inBand = m.trim();
      },
    );
  });
}

/** `<registry>/<repo>:<tag>` for a key. */
export function remoteRef(repo: string, key: string): string {
  return `${repo}:${cacheTag(key)}`;
}

/** What a registry answers for a state it does not hold (not an error: nothing was baked under that key). */
export function isMissingState(message: string): boolean {
  return /manifest unknown|not found|no such (manifest|image)|HTTP code 404/i.test(message) && !/no such host/i.test(message);
}

/**
 * Pulls the cached state for `key` from `repo`: `pulled` when it was there and carries that key (the
 * image is tagged as a local cached state too, so later runs find it without the registry), `absent`
 * when the registry does not hold it, or why the registry could not be asked (unreachable, TLS,
 * credentials).
 */
export async function pullState(docker: Docker, repo: string, key: string): Promise<'pulled' | 'absent' | { error: string }> {
  const ref = remoteRef(repo, key);
  try {
    const authconfig = await recentRegistryAuth(repo);
    await followStream(docker, (await docker.pull(ref, authconfig ? { authconfig } : {})) as NodeJS.ReadableStream);
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    await dropRef(docker, ref);
    return isMissingState(message) ? 'absent' : { error: message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim() };
  }
  const info = await docker
    .getImage(ref)
    .inspect()
    .catch(() => undefined);
  if (info?.Config?.Labels?.[LABEL_CACHE_KEY] !== key) {
    // Not a state of this key (or gone already): what was pulled does not stay on the engine.
    await dropRef(docker, ref);
    return 'absent';
  }
  try {
    await docker.getImage(ref).tag({ repo: CACHE_REPO, tag: cacheTag(key) });
  } catch (err) {
    await dropRef(docker, ref);
    throw err;
  }
  return 'pulled';
}

/** Removes a registry tag (a pull that gave no state, a pushed copy); the image goes with it unless tagged otherwise. */
async function dropRef(docker: Docker, ref: string): Promise<void> {
  await docker
    .getImage(ref)
    .remove()
    .catch(() => undefined);
}

/** Tags a local cached state for `repo` and pushes it. */
export async function pushState(docker: Docker, repo: string, key: string): Promise<string> {
  const ref = remoteRef(repo, key);
  const tag = cacheTag(key);
  // An image keeps the config of the container it was committed from (`container_config`): that
  // machine's env, and its labels with the profile file's path on this computer. What is pushed is a
  // copy committed from a container only created from the state (one empty layer more), whose config
  // is the state's own; that container has no label of its own, as a commit merges them into the image's.
  const copy = await docker.createContainer({ Image: cacheRef(tag) });
  try {
    await copy.commit({ repo, tag, pause: false, comment: `prodlike state ${key}` });
  } finally {
    await copy.remove({ force: true }).catch(() => undefined);
  }
  try {
    const authconfig = await recentRegistryAuth(repo);
    await followStream(docker, (await docker.getImage(repo).push({ tag, ...(authconfig ? { authconfig } : {}) })) as NodeJS.ReadableStream);
  } finally {
    // Pushed, or not: the copy is not a local state (`cache ls` lists those), and goes.
    await dropRef(docker, `${repo}:${tag}`);
  }
  return ref;
}
