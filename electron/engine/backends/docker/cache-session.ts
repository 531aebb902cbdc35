// One machine's use of the cache during one `up`: where its container starts from (the longest cached
// prefix of its resources, local or pulled from the profile's `cache.from`), and saving its state at
// the save points converge reaches, when nothing is cached under that key yet.
//
// Saving is only done for a container created by this run: then the state after k resources is exactly
// the base (or cached start) plus resources in order — an older container may hold anything.
//
// Saves stack: after a save point with more to save later, when nothing before it left a process
// running and the layer just saved is big (64 MB or more), the machine carries on in a new container
// made from the state just saved, so the next save is a layer of its own resources over it (not the
// packages again). A small layer is cheaper to save again than a new container is to make. The last
// save point, when nothing follows it, is written while the run goes on (other machines converge); the
// run waits for it at its end (flush).

import type Docker from 'dockerode';
import { formatSpan } from '../../../../shared/age.js';
import type { DockerMachineSpec, MachineSpec, ResourceSpec } from '../../../../shared/profile.js';
import type { RunContext } from '../backend.js';
import { parseVolume } from '../../profile/docker-values.js';
import { volumeName } from './labels.js';
import { cacheTag, containsSecret, leadingPackagesSavePoint, longestMatch, machineKeys, noSavePointWhy, withAptLists, type MachineKeys } from '../../cache/cache-key.js';
import { LABEL_CACHE_SAVED_AT, cacheRef } from '../../cache/cache-labels.js';
import { pullState, readBaseConfig, saveState, touch, type BaseConfig, type CachedState } from './cache-store.js';
import { FETCH_FOR_RUN, captureAptLists, fetchOnceForRun, fetchedSince, seedAptLists, type FetchOutcome } from './apt-lists.js';
import type { Transport } from '../../transport.js';
import { registerSession, type CacheSessionInfo, type PrefixOutcome } from '../../cache/run-cache-options.js';
import { mayLeaveProcesses, servicesToStart, type ServiceStart } from '../../cache/runtime-state.js';
import { STACK_MIN_BYTES } from '../../cache/cache-env.js';

/**
 * The first package step of a fresh container (apt-lists.ts): `seededAt` when lists were put in (or
 * fetched for the run's machines, `keeping` them), else whether it fetches its own.
 */
interface AptStep {
  n: number;
  fetches: boolean;
  seededAt?: number;
  keeping?: Promise<void>;
}

/** A cached start: the image the container is created from, and what it covers. */
export interface CacheStart {
  image: string;
  imageId: string;
  entry: Pick<CachedState, 'key' | 'prefix' | 'total' | 'savedAt'>;
  pulled: boolean;
  /** The services of the cached prefix that run: started as the container starts. */
  services: ServiceStart[];
}

/** Replaces the machine's container with one made from `image`; resolves with the new container's ID. */
export type Recreate = (image: string) => Promise<string>;

export class CacheSession implements CacheSessionInfo {
  containerId = '';
  /** Image the container was created from. */
  parent = '';
  startPrefix = 0;
  readonly saved: string[] = [];
  /**
   * The save point at which the machine carries on in a container with its named volumes: set when
   * they exist already and its leading packages are not cached (planStart); its container is then
   * created without them.
   */
  volumesAt?: number;
  /** With --no-cache: nothing is started from the cache, and only the save that volumesAt needs is made. */
  onlyForVolumes = false;
  /** Why no state of this machine can be saved (undefined: some can); `bake` says it. */
  nothingSavedWhy: string | undefined;
  /** Saves being written while the run goes on. */
  private readonly pending: Promise<unknown>[] = [];
  private recreate?: Recreate;

  constructor(
    private readonly docker: Docker,
    readonly profile: string,
    readonly machine: MachineSpec & { docker: DockerMachineSpec },
    readonly keys: MachineKeys,
    private readonly existing: Set<string>,
    private readonly baseImageId: string,
    private readonly ctx: RunContext,
    /** The base image's config (planStart reads it to decide what may be saved; each save keeps it). */
    private readonly base: Promise<BaseConfig>,
  ) {}

  /** `recreate`: how to carry on in a container made from a saved state (stacking); absent: never. */
  attach(transport: Transport, containerId: string, from: { image: string; prefix: number }, recreate?: Recreate): void {
    this.transport = transport;
    this.containerId = containerId;
    this.parent = from.image;
    this.startPrefix = from.prefix;
    if (recreate && !this.machine.docker.command) this.recreate = recreate;
    registerSession(transport, this);
    this.ctx.cache?.onSession?.(this);
  }

  /** The key of the full converged state, or the longest one that may be saved. */
  get lastSavePoint(): number {
    return this.keys.savePoints[this.keys.savePoints.length - 1] ?? 0;
  }

  /** The first package step of a fresh container, once. */
  private aptStep?: AptStep;
  /** Set by the provider for a local engine: apt's lists are kept between runs (ctx.cache.aptLists). */
  keepsAptLists = false;
  private transport?: Transport;

  /**
   * Before the machine's first package step, on a container fresh from its base image with nothing
   * applied yet (so its apt sources are its base image's): the kept lists of that image go in when
   * they are young enough; else the run's machines of that image fetch once (the first one to get
   * here), and the lists are kept.
   */
  async beforeApply(n: number, kind: string): Promise<void> {
    const lists = this.ctx.cache?.aptLists;
    if (kind !== 'package' || !lists || !this.keepsAptLists || this.aptStep || n !== 0 || this.startPrefix !== 0) return;
    const step: AptStep = { n, fetches: false };
    this.aptStep = step;
    try {
      const seeded = await seedAptLists(this.docker, this.containerId, lists.dir, this.baseImageId, lists.maxAgeMs);
      if ('ageMs' in seeded) {
        step.seededAt = seeded.at;
        this.log('info', `apt lists fetched ${formatSpan(seeded.ageMs)} ago put in place, no apt-get update (kept up to ${formatSpan(lists.maxAgeMs)}: PRODLIKE_APT_LISTS_MAX_AGE)`);
        return;
      }
      if (seeded.none === 'own lists') return;
      if (seeded.none === 'damaged') this.log('warn', 'apt lists kept from an earlier fetch did not match their checksum: removed, and this machine fetches its own');
      // None usable: the run's fresh machines of this base image fetch once, not once each.
      const shared = await fetchOnceForRun(this.docker, this.containerId, lists.dir, this.baseImageId, lists.maxAgeMs, this.machine.name, () => this.fetchLists());
      if ('fetched' in shared) {
        step.seededAt = shared.fetched;
        step.keeping = shared.kept;
        return;
      }
      if ('from' in shared && 'ageMs' in shared.seeded) {
        step.seededAt = shared.seeded.at;
        this.log('info', `apt lists fetched by ${shared.from} in this run put in place, no apt-get update`);
        return;
      }
      step.fetches = !('none' in shared && shared.none === 'own lists');
    } catch (err) {
      step.fetches = true;
      // Cancelled: the step that follows says so.
      if (!this.ctx.signal?.aborted) this.log('warn', `apt lists not put in place: ${(err as Error).message}`);
    }
  }

  /** `apt-get update` in this machine's container (FETCH_FOR_RUN), its output in the run's log. */
  private async fetchLists(): Promise<FetchOutcome> {
    if (!this.transport) return 'failed';
    const at = new Date().toISOString();
    let out = '';
    const r = await this.transport.exec(FETCH_FOR_RUN, {
      onStdout: (c) => (out += c),
      onStderr: (c) => (out += c),
      ...(this.ctx.signal ? { signal: this.ctx.signal } : {}),
    });
    const text = out.replace(/\n$/, '');
    if (text) this.ctx.emit({ type: 'log', runId: this.ctx.runId, machine: this.machine.name, stream: 'stdout', text, at });
    return r.code === 0 ? 'fetched' : r.code === 3 ? 'own lists' : 'failed';
  }

  /**
   * After that first package step: lists it fetched are kept for the next fresh container; so are
   * lists it fetched because the kept ones were stale for it (a package or version they did not know).
   */
  private async keepAptLists(n: number): Promise<void> {
    const lists = this.ctx.cache?.aptLists;
    const step = this.aptStep;
    if (!lists || !step || n <= step.n) return;
    this.aptStep = undefined;
    try {
      // This machine's fetch for the run, still being kept: read before a save drops the lists.
      await step.keeping;
      const stale = step.seededAt !== undefined && (await fetchedSince(this.docker, this.containerId, step.seededAt));
      if (!step.fetches && !stale) return;
      // Awaited: a save right after drops the lists from the container.
      await captureAptLists(this.docker, this.containerId, lists.dir, this.baseImageId, lists.maxAgeMs, stale);
    } catch (err) {
      this.log('warn', `apt lists not kept: ${(err as Error).message}`);
    }
  }

  async afterPrefix(n: number): Promise<PrefixOutcome> {
    // Before a save here drops the lists.
    await this.keepAptLists(n);
    // Packages batch: the first prefix reported at or past the point (all packages up to it).
    if (this.volumesAt !== undefined && n >= this.volumesAt) return this.mountVolumes(n);
    if (this.onlyForVolumes) return {};
    if (n <= this.startPrefix || !this.keys.savePoints.includes(n)) return {};
    if (this.usable(n) !== undefined) return {};
    const key = savedKey(this.keys, this.machine.resources, n);
    if (n === this.machine.resources.length) {
      // Nothing changes the disk after the last resource: written while the other machines converge.
      this.track(this.save(n, key));
      return {};
    }
    const id = await this.save(n, key);
    if (id === undefined || !this.recreate || !this.worthStacking(n) || !(await this.bigEnoughToStack(id))) return {};
    const t0 = Date.now();
    try {
      this.containerId = await this.recreate(cacheRef(cacheTag(key)));
      this.parent = id;
      this.log('info', `carries on in a container from the state saved after ${n} resources, so the next save holds only what follows (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (err) {
      this.log('warn', `could not carry on from the saved state: ${(err as Error).message}`);
    }
    // Probed again either way: the machine may be a new container, or none.
    return { restarted: true, from: n };
  }

  usableKeys(n: number): string[] {
    return usableKeys(this.keys, this.machine.resources, n);
  }

  /** The key of a state this machine may carry on from after n resources that is cached already. */
  private usable(n: number): string | undefined {
    return this.usableKeys(n).find((k) => this.existing.has(k));
  }

  /**
   * The packages are installed, in a container without the named volumes (as an image is built): the
   * state is saved and the machine carries on in a container from it with its volumes, whatever the
   * layer's size. Should the save fail (or n not be a save point), it carries on from its base image
   * with the volumes, and converge applies its resources again from the first (as before volumes were
   * left out).
   */
  private async mountVolumes(n: number): Promise<PrefixOutcome> {
    this.volumesAt = undefined;
    const cached = this.usable(n);
    const key = cached ?? savedKey(this.keys, this.machine.resources, n);
    const ref = cacheRef(cacheTag(key));
    const imageId = () => this.docker.getImage(ref).inspect().then((i) => i.Id, () => undefined);
    // With --no-cache a state of this key may exist: it is replaced, and goes unless something uses it.
    const previous = this.onlyForVolumes ? await imageId() : undefined;
    // Only a save point is saved (a batch of packages may end past the last one, at a secret-bearing package).
    const id = !this.keys.savePoints.includes(n) ? undefined : cached !== undefined ? await imageId() : await this.save(n, key);
    if (previous && id && previous !== id) this.track(this.docker.getImage(previous).remove({ noprune: false }));
    const t0 = Date.now();
    try {
      this.containerId = await this.recreate!(id === undefined ? this.baseImageId : ref);
      this.parent = id ?? this.baseImageId;
      this.log(
        id === undefined ? 'warn' : 'info',
        id === undefined
          ? `carries on with its volumes in a container from its base image (the state after ${n} resources could not be saved): its resources are applied again from the first (${((Date.now() - t0) / 1000).toFixed(1)} s)`
          : `carries on with its volumes in a container from the state saved after ${n} resources (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
    } catch (err) {
      this.log('warn', `could not carry on with its volumes: ${(err as Error).message}`);
      throw err;
    }
    return { restarted: true, from: id === undefined ? 0 : n };
  }

  /**
   * A later save point remains to be written, nothing so far left a process that a new container would
   * lack, and the named volumes are not waiting for the packages (a container made now would mount them).
   */
  private worthStacking(n: number): boolean {
    const later = this.keys.savePoints.some((p) => p > n && this.usable(p) === undefined);
    return later && this.volumesAt === undefined && !mayLeaveProcesses(this.machine.resources, n);
  }

  /**
   * Whether the layer just saved is big enough that carrying on over it beats saving it again with the
   * rest: a new container costs ~0.7 s (and the engine's time, which machines still installing
   * packages share), a commit ~1 s per 100 MB. Below STACK_MIN_BYTES (or the run's stackMinBytes), the
   * last save holds it again.
   */
  private async bigEnoughToStack(id: string): Promise<boolean> {
    try {
      const [saved, parent] = await Promise.all([this.docker.getImage(id).inspect(), this.docker.getImage(this.parent).inspect()]);
      return saved.Size - parent.Size >= (this.ctx.cache?.stackMinBytes ?? STACK_MIN_BYTES);
    } catch {
      return true;
    }
  }

  /** Work on the cache that the run waits for at its end, not before going on. */
  track(work: Promise<unknown>): void {
    this.pending.push(work.catch(() => undefined));
  }

  async flush(): Promise<void> {
    await Promise.all(this.pending);
  }

  /** Commits the state after n resources; the image's ID, or undefined when it could not (a warning). */
  private async save(n: number, key: string): Promise<string | undefined> {
    const t0 = Date.now();
    try {
      const id = await saveState(this.docker, {
        containerId: this.containerId,
        key,
        prefix: n,
        total: this.machine.resources.length,
        profile: this.profile,
        machine: this.machine.name,
        parent: this.parent,
        base: await this.base,
        dropLists: dropsAptLists(this.machine.resources, n),
      });
      this.existing.add(key);
      this.saved.push(key);
      if (this.ctx.cache) this.ctx.cache.saved = (this.ctx.cache.saved ?? 0) + 1;
      this.log('info', `saved to cache after ${n} of ${this.machine.resources.length} resources (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      return id;
    } catch (err) {
      this.log('warn', `could not save to cache: ${(err as Error).message}`);
      return undefined;
    }
  }

  private log(stream: 'info' | 'warn', text: string): void {
    this.ctx.emit({ type: 'log', runId: this.ctx.runId, machine: this.machine.name, stream, text: `${this.machine.name}: ${text}` });
  }
}

/**
 * Whether a state saved after the first n resources leaves out apt's package lists: the save removes
 * them from the running container, so only when nothing after it may need them. A package resource
 * fetches them again when missing, but a command (`apt-get install x`) would fail where a build without
 * the cache succeeds.
 */
export function dropsAptLists(resources: readonly ResourceSpec[], n: number): boolean {
  return !resources.slice(n).some((r) => r.kind === 'package' || r.kind === 'command');
}

/** The key the state after n resources is saved under. */
export function savedKey(keys: MachineKeys, resources: readonly ResourceSpec[], n: number): string {
  return dropsAptLists(resources, n) ? keys.keys[n]! : withAptLists(keys.keys[n]!);
}

/** The keys of the saved states a machine may start from after n resources, the one it would save first. */
export function usableKeys(keys: MachineKeys, resources: readonly ResourceSpec[], n: number): string[] {
  const withLists = withAptLists(keys.keys[n]!);
  return dropsAptLists(resources, n) ? [keys.keys[n]!, withLists] : [withLists];
}

/** Whether the machine's state can be reproduced from an image: anonymous volumes start empty. */
export function cacheable(spec: DockerMachineSpec): boolean {
  return !spec.volumes.map(parseVolume).some((v) => v.kind === 'anonymous');
}

const SETTINGS_SECRET_WHY = 'its docker settings hold a secret, and an image keeps the settings of the container it was saved from: nothing of this machine is saved';
const imageVolumesWhy = (paths: string[]) => `its image declares a volume at ${paths.join(', ')}, and what is written there is not in a saved state: nothing of this machine is saved`;

export interface PlannedStart {
  session: CacheSession;
  start?: CacheStart;
  /** Why the cache was not used to start (said in the run). */
  why?: string;
}

/**
 * Decides where a new container of the machine starts: computes its keys, looks for the longest cached
 * prefix locally, then (when longer ones could exist) in the profile's registry. `read` false
 * (--no-cache): it starts from its base image, and the session only says whether its volumes wait.
 */
export async function planStart(
  docker: Docker,
  profileName: string,
  m: MachineSpec & { docker: DockerMachineSpec },
  baseImageId: string,
  ctx: RunContext,
  local: CachedState[],
  read = true,
): Promise<PlannedStart> {
  const opts = ctx.cache!;
  // A commit keeps the container's own settings in the image (its `container_config`: env, command,
  // user…), whatever the image's config is reset to: with a secret in them, nothing of the machine is saved.
  const settingsSecret = containsSecret(m.docker, opts.secrets);
  const volumes = m.docker.volumes.map(parseVolume);
  // A command may read a bind-mounted folder, whose files the key cannot see (a `src:` file's it can):
  // on such a machine no state is saved past the first command.
  const binds = volumes.some((v) => v.kind === 'bind');
  // A path the image declares a volume at gets an anonymous volume (empty in each new container, and
  // not in a commit) unless the profile mounts one there: nothing of such a machine is saved either.
  const base = readBaseConfig(docker, baseImageId);
  const mounted = new Set(volumes.map((v) => v.target));
  const imageVolumes = ((await base).Volumes ?? []).filter((p) => !mounted.has(p));
  const saveNothing = settingsSecret || imageVolumes.length > 0;
  const unsaved = (r: ResourceSpec) => saveNothing || containsSecret(r, opts.secrets) || (binds && r.kind === 'command');
  const keys = machineKeys({ baseImageId, docker: m.docker, machine: m.name, resources: m.resources, isSecret: unsaved });
  const byKey = new Map(local.map((e) => [e.key, e]));
  const session = new CacheSession(docker, opts.profileLabel ?? profileName, m, keys, new Set(byKey.keys()), baseImageId, ctx, base);
  session.onlyForVolumes = !read;
  session.nothingSavedWhy = settingsSecret
    ? SETTINGS_SECRET_WHY
    : imageVolumes.length
      ? imageVolumesWhy(imageVolumes)
      : noSavePointWhy(m.resources, keys, (r) =>
          containsSecret(r, opts.secrets) ? 'holds a secret' : binds && r.kind === 'command' ? 'is a command on a machine with a bind mount (what it reads there is not in the key)' : 'is a command without a guard (creates:, unless: or onlyif:), which runs on every up',
        );

  // A named volume that does not exist yet would be filled from the image at its path, and a cached
  // image has nothing there (volumes are not in images): such a machine is built without the cache.
  const named = volumes.filter((v) => v.kind === 'volume');
  for (const v of named) {
    const exists = await docker
      .getVolume(volumeName(profileName, v.source))
      .inspect()
      .then(() => true)
      .catch(() => false);
    if (!exists) return { session, why: `volume ${v.source} is new` };
  }

  if (settingsSecret) return { session, why: SETTINGS_SECRET_WHY };
  if (imageVolumes.length) return { session, why: imageVolumesWhy(imageVolumes) };
  const localKey = (j: number) => usableKeys(keys, m.resources, j).find((key) => byKey.has(key));
  let k = read ? longestMatch(keys, (_, j) => localKey(j) !== undefined) : 0;
  let key = k > 0 ? localKey(k)! : '';
  let pulled = false;
  if (opts.from && read) {
    pull: for (const p of [...keys.savePoints].reverse()) {
      if (p <= k || opts.fromFailed !== undefined) break;
      for (const candidate of usableKeys(keys, m.resources, p)) {
        const got = await pullState(docker, opts.from, candidate);
        if (got === 'pulled') {
          k = p;
          key = candidate;
          pulled = true;
          break pull;
        }
        if (got === 'absent') continue;
        if (opts.fromFailed === undefined) {
          // Once per run: the other machines (planned at the same time) do not ask it again.
          opts.fromFailed = got.error;
          ctx.emit({
            type: 'log',
            runId: ctx.runId,
            machine: m.name,
            stream: 'warn',
            text: `cache registry ${opts.from} could not be asked, so nothing is pulled from it in this run: ${got.error} (a registry on another computer needs TLS or the engine's insecure-registries; one that needs credentials, \`docker login\` to it: Prodlike sends the Docker CLI's)`,
          });
        }
        break pull;
      }
    }
  }
  // The named volumes exist already (kept by `destroy`): the packages are installed without them,
  // as an image is built, so that a package's set-up does not find old data where it makes its own
  // (Debian's PostgreSQL then writes no cluster configuration). The machine carries on with them after.
  const at = named.length && !m.docker.command ? leadingPackagesSavePoint(m.resources, keys.savePoints) : 0;
  if (at > k) session.volumesAt = at;
  if (k === 0) return { session };
  const image = cacheRef(cacheTag(key));
  // Marked as used while the container is made from it (the run waits for it at its end).
  session.track(touch(docker, key));
  let state = byKey.get(key);
  if (!state) {
    const info = await docker.getImage(image).inspect();
    state = { key, id: info.Id, prefix: k, total: m.resources.length, savedAt: info.Config?.Labels?.[LABEL_CACHE_SAVED_AT] ?? info.Created };
  }
  // Whether the container may start them itself is the provider's (canStartServices).
  const services = servicesToStart(m.resources, k);
  return { session, start: { image, imageId: state.id, entry: { key, prefix: k, total: m.resources.length, savedAt: state.savedAt }, pulled, services } };
}
