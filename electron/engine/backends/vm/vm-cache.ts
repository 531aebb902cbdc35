// Cached VM bases: a converged VM's disk saved as a thin qcow2 on top of what its overlay backs onto
// (the base image, or the cached base it started from), in vm-cache/ of the user's data folder, with a
// JSON file beside it (key, profile, machine, saved, last used). The files are the only record, as
// labels are for cached containers. A new VM whose key matches boots from the base with its own overlay.

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CACHE_FORMAT_VERSION, cacheTag } from '../../cache/cache-key.js';
import { chooseEvictions } from '../../cache/cache-evict.js';
import { decideVmPrune, type BackingUser } from '../../cache/vm-base-prune.js';
import { readJson, writeFileAtomic } from '../../state/atomic-file.js';
import { lockFile } from '../../state/profile-lock.js';
import { qemuImgMissing } from './images.js';
import { VmError } from './vm-error.js';

const run = promisify(execFile);
/** How long a choice or a prune waits for another to finish (they take seconds). */
const LOCK_WAIT_MS = 120_000;

export interface VmBaseEntry {
  version: 1;
  format: number;
  key: string;
  /** Resources covered, of how many. */
  prefix: number;
  total: number;
  profile: string;
  machine: string;
  savedAt: string;
  lastUsed: string;
  /** The base image's identity (as in the key). */
  imageId: string;
  /** The file this base backs onto, and its format. */
  backing: string;
  backingFormat: 'qcow2' | 'raw';
  /** Set by list(): the base's own file and its allocated bytes. */
  file: string;
  sizeBytes: number;
}

export interface VmBaseSave {
  overlay: string;
  backing: string;
  backingFormat: 'qcow2' | 'raw';
  key: string;
  prefix: number;
  total: number;
  profile: string;
  machine: string;
  imageId: string;
}

export interface VmPruneOutcome {
  removed: VmBaseEntry[];
  kept: { entry: VmBaseEntry; why: string }[];
}

export class VmBaseStore {
  constructor(
    readonly dir: string,
    /** The folder of the VMs' state folders (vms/<profile>/<machine>/disk.qcow2). */
    private readonly vmsDir: string,
  ) {}

  /**
   * Runs `fn` while no other process (or run of this one) chooses a base for a new disk or removes
   * bases: between an \`up\` choosing a base and its overlay backing onto it, a prune would see no
   * disk using it. Short sections only (a choice and a qemu-img create; a prune's removals).
   */
  async exclusive<T>(what: string, fn: () => Promise<T>): Promise<T> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const lock = await lockFile(path.join(this.dir, '.lock'), { runId: randomUUID(), kind: what }, LOCK_WAIT_MS, (holder) =>
      new VmError(`the VM cache is busy: ${holder.kind} (pid ${holder.pid}, since ${holder.startedAt}) holds it`, { hint: 'try again when it is done' }),
    );
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }

  fileOf(key: string): string {
    return path.join(this.dir, `${cacheTag(key)}.qcow2`);
  }

  private metaOf(key: string): string {
    return path.join(this.dir, `${cacheTag(key)}.json`);
  }

  /** Every cached base of this cache format whose disk file is there, newest first. */
  async list(): Promise<VmBaseEntry[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const out: VmBaseEntry[] = [];
    for (const n of names.filter((x) => x.endsWith('.json') && !x.startsWith('.'))) {
      const meta = await readJson<VmBaseEntry | undefined>(path.join(this.dir, n), undefined).catch(() => undefined);
      if (!meta || meta.version !== 1 || meta.format !== CACHE_FORMAT_VERSION) continue;
      const file = this.fileOf(meta.key);
      const st = await fs.stat(file).catch(() => undefined);
      if (!st) continue;
      out.push({ ...meta, file, sizeBytes: st.blocks * 512 });
    }
    return out.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  }

  /**
   * Writes the overlay's own clusters as a new qcow2 backed by `backing` (qemu-img convert -B looks only
   * at the top layer, so `backing` must be the overlay's own backing file). The caller has stopped the
   * VM (QMP stop) so the disk is a consistent cut; -U because qemu holds the overlay's lock meanwhile.
   */
  async save(req: VmBaseSave): Promise<VmBaseEntry> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(req.key);
    const tmp = path.join(this.dir, `.${cacheTag(req.key)}.${process.pid}.${Date.now()}.qcow2`);
    try {
      await run('qemu-img', ['convert', '-U', '-O', 'qcow2', '-B', req.backing, '-F', req.backingFormat, req.overlay, tmp], { maxBuffer: 1 << 20 });
      await fs.chmod(tmp, 0o600);
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw qemuImgMissing();
      throw new VmError(`could not save ${req.machine}'s disk to the cache: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`, { where: req.machine });
    }
    const now = new Date().toISOString();
    const { overlay: _overlay, ...rest } = req;
    const meta: Omit<VmBaseEntry, 'file' | 'sizeBytes'> = { version: 1, format: CACHE_FORMAT_VERSION, ...rest, savedAt: now, lastUsed: now };
    await writeFileAtomic(this.metaOf(req.key), `${JSON.stringify(meta, null, 2)}\n`, 0o600);
    const st = await fs.stat(file);
    return { ...meta, file, sizeBytes: st.blocks * 512 };
  }

  /** Marks a base as used now (least-recently-used eviction). */
  async touch(entry: VmBaseEntry): Promise<void> {
    const { file: _f, sizeBytes: _s, ...meta } = entry;
    await writeFileAtomic(this.metaOf(entry.key), `${JSON.stringify({ ...meta, lastUsed: new Date().toISOString() }, null, 2)}\n`, 0o600).catch(() => undefined);
  }

  /** The disks that back onto a file: every VM's overlay (qemu-img info; -U since a running qemu holds it). */
  async backingUsers(): Promise<BackingUser[]> {
    const out: BackingUser[] = [];
    for (const profile of await fs.readdir(this.vmsDir).catch(() => [] as string[])) {
      for (const machine of await fs.readdir(path.join(this.vmsDir, profile)).catch(() => [] as string[])) {
        const disk = path.join(this.vmsDir, profile, machine, 'disk.qcow2');
        if (!(await fs.stat(disk).catch(() => undefined))) continue;
        const backing = await backingOf(disk);
        // A disk whose backing cannot be read might back onto anything: it holds every base.
        out.push({ backing: backing ?? '*', by: `VM ${profile}/${machine}` });
      }
    }
    return out;
  }

  /** Removes the bases of `keys` that nothing backs onto, children first; the others are kept with why. */
  async remove(keys: ReadonlySet<string>, all?: VmBaseEntry[]): Promise<VmPruneOutcome> {
    return this.exclusive('a prune of the VM cache', () => this.removeLocked(keys, all));
  }

  private async removeLocked(keys: ReadonlySet<string>, all?: VmBaseEntry[]): Promise<VmPruneOutcome> {
    const entries = all ?? (await this.list());
    const users = await this.backingUsers();
    const unknown = users.find((u) => u.backing === '*');
    const byKey = new Map(entries.map((e) => [e.key, e]));
    if (unknown) {
      const kept = entries.filter((e) => keys.has(e.key)).map((entry) => ({ entry, why: `the backing file of ${unknown.by}'s disk could not be read, so no base is removed` }));
      return { removed: [], kept };
    }
    const decision = decideVmPrune(entries, keys, users);
    const out: VmPruneOutcome = { removed: [], kept: decision.keep.map((k) => ({ entry: byKey.get(k.key)!, why: k.why })) };
    for (const key of decision.remove) {
      const e = byKey.get(key)!;
      await fs.rm(this.metaOf(key), { force: true });
      await fs.rm(e.file, { force: true });
      out.removed.push(e);
    }
    return out;
  }

  /** The least recently used bases go until the rest fits `capBytes` (never one a disk backs onto). */
  async enforceCap(capBytes: number): Promise<VmPruneOutcome> {
    return this.exclusive('the VM cache size cap', () => this.enforceCapLocked(capBytes));
  }

  private async enforceCapLocked(capBytes: number): Promise<VmPruneOutcome> {
    const entries = await this.list();
    const users = new Set((await this.backingUsers()).map((u) => u.backing));
    const victims = chooseEvictions(
      entries.map((e) => ({ key: e.key, id: e.file, parent: e.backing, ownBytes: e.sizeBytes, lastUsed: users.has(e.file) ? Number.MAX_SAFE_INTEGER : Date.parse(e.lastUsed) })),
      capBytes,
    );
    return victims.length ? this.removeLocked(new Set(victims), entries) : { removed: [], kept: [] };
  }
}

/** The backing file a qcow2 names (absolute), undefined when it has none or cannot be read. */
export async function backingOf(disk: string): Promise<string | undefined> {
  try {
    const info = JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', disk], { maxBuffer: 1 << 20 })).stdout) as { 'full-backing-filename'?: string; 'backing-filename'?: string };
    const b = info['full-backing-filename'] ?? info['backing-filename'];
    return b ? path.resolve(path.dirname(disk), b) : undefined;
  } catch {
    return undefined;
  }
}
