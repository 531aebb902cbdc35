// One VM's use of the cache during one `up`: which cached base a new VM boots from (the longest cached
// prefix of its resources), and saving its disk once converge has brought it to its last save point.
// Only a VM created by this run is saved: then its disk is exactly the base plus its resources in order.
//
// A VM's disk is saved once, at its last save point (a container's stacks a layer per save point; a
// VM's overlay would have to be recreated under a running guest to do that). The save is consistent:
// `sync` in the guest, QMP `stop` (QEMU flushes its block layer), the overlay's own clusters copied into
// a thin qcow2 on its backing file, QMP `cont` — whatever happened, until QEMU says the guest runs.
// When nothing follows the save point it is written while the other machines converge, and the run
// waits for it at its end.

import { promises as fs } from 'node:fs';
import type { MachineSpec, ResourceSpec, VmMachineSpec } from '../../../../shared/profile.js';
import type { RunContext } from '../backend.js';
import { containsSecret, longestMatch, vmMachineKeys, type MachineKeys } from '../../cache/cache-key.js';
import { registerSession, type CacheSessionInfo, type PrefixOutcome } from '../../cache/run-cache-options.js';
import type { Transport } from '../../transport.js';
import { localFileId, type BaseImage } from './images.js';
import { VmPausedError, whilePaused } from './qmp.js';
import type { VmBaseEntry, VmBaseStore } from './vm-cache.js';

type VmMachine = MachineSpec & { vm: VmMachineSpec };

/** Where a new VM's disk starts: a cached base, or the base image (no `start`). */
export interface VmCachePlan {
  keys: MachineKeys;
  start?: VmBaseEntry;
  existing: Set<string>;
}

export async function planVmCacheStart(store: VmBaseStore, m: VmMachine, image: BaseImage, ctx: RunContext): Promise<VmCachePlan> {
  const secrets = ctx.cache?.secrets ?? [];
  const boot = await bootFilesId(m.vm);
  // A command may read a synced folder, whose files the key cannot see (the key holds its guest path
  // only): on a VM with folders no base is saved past the first command, as a container with a bind mount.
  const folders = m.vm.folders.length > 0;
  const unsaved = (r: ResourceSpec) => containsSecret(r, secrets) || (folders && r.kind === 'command');
  const keys = vmMachineKeys({ baseImageId: image.id, vm: m.vm, machine: m.name, resources: m.resources, isSecret: unsaved, ...(boot ? { bootFilesId: boot } : {}) });
  const entries = await store.list();
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const k = longestMatch(keys, (key) => byKey.has(key));
  const start = k > 0 ? byKey.get(keys.keys[k]!) : undefined;
  if (start) await store.touch(start);
  return { keys, existing: new Set(byKey.keys()), ...(start ? { start } : {}) };
}

/** The kernel's and initrd's identity with direct kernel boot (as a local image's); undefined without. */
async function bootFilesId(vm: VmMachineSpec): Promise<string | undefined> {
  const files = [vm.kernel, vm.initrd].filter((f): f is string => !!f);
  if (!files.length) return undefined;
  const ids = await Promise.all(
    files.map((f) => fs.stat(f).then((st) => localFileId(f, st), () => `file:${f}:missing`)),
  );
  return ids.join('|');
}

/** "from cache (saved 2026-12-01 18:40, 3 of 3 resources)", as containers say it. */
export function fromCacheNote(e: Pick<VmBaseEntry, 'savedAt' | 'prefix' | 'total'>): string {
  return `from cache (saved ${e.savedAt.slice(0, 16).replace('T', ' ')}, ${e.prefix} of ${e.total} resources)`;
}

export class VmCacheSession implements CacheSessionInfo {
  readonly saved: string[] = [];
  private readonly pending: Promise<unknown>[] = [];
  private readonly startPrefix: number;

  constructor(
    private readonly store: VmBaseStore,
    readonly machine: VmMachine,
    private readonly profile: string,
    private readonly plan: VmCachePlan,
    private readonly disk: { overlay: string; backing: string; backingFormat: 'qcow2' | 'raw'; imageId: string; qmpSocket: string },
    private readonly transport: Transport,
    private readonly ctx: RunContext,
  ) {
    this.startPrefix = plan.start?.prefix ?? 0;
    registerSession(transport, this);
  }

  get keys(): MachineKeys {
    return this.plan.keys;
  }

  get lastSavePoint(): number {
    return this.plan.keys.savePoints[this.plan.keys.savePoints.length - 1] ?? 0;
  }

  /** A VM's disk keeps apt's lists: one key a prefix. */
  usableKeys(n: number): string[] {
    return [this.plan.keys.keys[n]!];
  }

  /** apt's lists are kept between runs for containers only. */
  async beforeApply(): Promise<void> {}

  async afterPrefix(n: number): Promise<PrefixOutcome> {
    if (n !== this.lastSavePoint || n <= this.startPrefix) return {};
    const key = this.plan.keys.keys[n]!;
    if (this.plan.existing.has(key)) return {};
    const work = this.save(n, key);
    // Nothing changes the disk after the last resource: written while the other machines converge.
    if (n === this.machine.resources.length) {
      // flush() reads its outcome; marked as handled now, so a paused guest's error found before the
      // run awaits it is not an unhandled rejection (which would end the process).
      work.catch(() => undefined);
      this.pending.push(work);
    } else {
      await work;
    }
    return {};
  }

  async flush(): Promise<void> {
    await Promise.all(this.pending);
  }

  private async save(n: number, key: string): Promise<void> {
    const t0 = Date.now();
    try {
      const synced = await this.transport.exec('sync');
      if (synced.code !== 0) throw new Error(`sync in the guest failed: ${synced.stderr.trim()}`);
      await whilePaused(this.disk.qmpSocket, () =>
        this.store.save({
          overlay: this.disk.overlay,
          backing: this.disk.backing,
          backingFormat: this.disk.backingFormat,
          key,
          prefix: n,
          total: this.machine.resources.length,
          profile: this.ctx.cache?.profileLabel ?? this.profile,
          machine: this.machine.name,
          imageId: this.disk.imageId,
        }),
      );
      this.plan.existing.add(key);
      this.saved.push(key);
      if (this.ctx.cache) this.ctx.cache.saved = (this.ctx.cache.saved ?? 0) + 1;
      this.log('info', `disk saved to cache after ${n} of ${this.machine.resources.length} resources (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (err) {
      // A disk not saved costs the next run time; a guest left paused breaks this one: that fails the machine.
      if (err instanceof VmPausedError) throw new VmPausedError(`${this.machine.name}: ${err.message}`, { where: this.machine.name, hint: err.hint, cause: err });
      this.log('warn', `could not save the disk to cache: ${(err as Error).message}`);
    }
  }

  private log(stream: 'info' | 'warn', text: string): void {
    this.ctx.emit({ type: 'log', runId: this.ctx.runId, machine: this.machine.name, stream, text: `${this.machine.name}: ${text}` });
  }
}
