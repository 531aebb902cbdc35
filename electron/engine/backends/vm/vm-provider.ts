// VmProvider: local VMs that Prodlike creates with QEMU, as Vagrant and Lima do. Each VM has a state
// folder in the user's data folder (vms/<profile>/<machine>/): its state.json (the config parts, the
// qemu pid, the ports, the acceleration), its own SSH key pair and pre-generated host key, a
// copy-on-write overlay on the cached base image, the cloud-init seed, the QMP socket and the serial
// log. That folder is the source of truth, as labels are for containers. Once booted, a VM is
// configured over SSH like any host: the transport is the SSH one, verifying the host key Prodlike
// generated (never trust on first use, never the user's known_hosts).

import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { MachineSpec, Profile, SshMachineSpec, VmMachineSpec } from '../../../../shared/profile.js';
import type { MachineState, MachineStatus } from '../../../../shared/report.js';
import { toErrorInfo } from '../../errors.js';
import { emitMachine, type MachineProvider, type OnReached, type RunContext, type ShellCallbacks, type RestoreStep, type ShellSession, type SnapshotBackend, type SnapshotInfo } from '../backend.js';
import { checkSnapshotName } from '../snapshot-name.js';
import { listVmSnapshots, monitor, qemuImgSnapshot, readShapes, recordShape, snapshotTag as snapshotTagOf } from './vm-snapshot.js';
import { openSshShell } from '../shell.js';
import { readJson, writeFileAtomic } from '../../state/atomic-file.js';
import { processAlive } from '../../state/process.js';
import { HostKeyStore } from '../ssh/host-keys.js';
import { SshConnectionPool } from '../ssh/connection.js';
import { SshTransport } from '../ssh/transport.js';
import type { Transport } from '../../transport.js';
import { READY_MARK, VM_USER, writeSeed } from './cloud-init.js';
import { ImageCache, qemuImgMissing, type BaseImage } from './images.js';
import { VmBaseStore, type VmBaseEntry } from './vm-cache.js';
import { fromCacheNote, planVmCacheStart, VmCacheSession, type VmCachePlan } from './vm-cache-session.js';
import { qmp, resume } from './qmp.js';
import { kvmFacts } from './vm-doctor.js';
import { VmError } from './vm-error.js';
import {
  chooseAccel,
  describeOperation,
  mountScript,
  parseForward,
  planVm,
  qemuArgs,
  sshCommand,
  vmParts,
  type Accel,
  vmSnapshotWay,
  type VmOperation,
  type VmParts,
  type VmShape,
} from './vm-plan.js';

const run = promisify(execFile);
// Colour and cursor sequences of the guest's console, dropped from the boot log.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');

type VmMachine = MachineSpec & { vm: VmMachineSpec };

export interface VmStateFile {
  version: 1;
  profile: string;
  machine: string;
  parts: VmParts;
  createdAt: string;
  /** The qemu process Prodlike started; absent after a clean `down`. */
  pid?: number;
  sshPort?: number;
  accel?: Accel;
  ports: string[];
  qmpSocket: string;
  folders: 'virtiofs' | '9p' | 'none';
  /** virtiofsd processes serving the synced folders. */
  helpers?: number[];
  startedAt?: string;
  /** The cached base the disk was created on (absent: the base image). */
  cacheBase?: { key: string; file: string };
}

export interface VmProviderOptions {
  dataDir: string;
  /** Host facts, for tests. */
  host?: { platform: string; arch: string; kvm: boolean };
  /** How long a clean ACPI shutdown may take before qemu is killed. */
  shutdownTimeoutMs?: number;
}

class Reported extends Error {
  constructor(readonly inner: Error) {
    super(inner.message);
  }
}

export class VmProvider implements MachineProvider, SnapshotBackend {
  readonly images: ImageCache;
  /** Converged disks saved as cached bases (vm-cache/). */
  readonly bases: VmBaseStore;
  private readonly pools = new Map<string, SshConnectionPool>();
  private readonly portsTaken = new Set<number>();
  private warnedTcg = false;

  constructor(private readonly opts: VmProviderOptions) {
    this.images = new ImageCache(path.join(opts.dataDir, 'vm-images'));
    this.bases = new VmBaseStore(path.join(opts.dataDir, 'vm-cache'), path.join(opts.dataDir, 'vms'));
  }

  /** The state folder of a VM. */
  stateDir(profile: string, machine: string): string {
    return path.join(this.opts.dataDir, 'vms', profile, machine);
  }

  private files(dir: string) {
    return {
      state: path.join(dir, 'state.json'),
      identity: path.join(dir, 'id_ed25519'),
      hostKey: path.join(dir, 'ssh_host_ed25519_key'),
      knownHosts: path.join(dir, 'known_hosts'),
      overlay: path.join(dir, 'disk.qcow2'),
      seed: path.join(dir, 'seed.iso'),
      serial: path.join(dir, 'serial.log'),
      pid: path.join(dir, 'qemu.pid'),
    };
  }

  async up(profile: Profile, machines: MachineSpec[], ctx: RunContext, onReached?: OnReached): Promise<Map<string, Transport | Error>> {
    const results = new Map<string, Transport | Error>();
    const vms = machines.filter((m): m is VmMachine => !!m.vm);
    await Promise.all([
      ...vms.map(async (m) => {
        try {
          results.set(m.name, await this.upMachine(profile, m, ctx));
        } catch (err) {
          const e = err instanceof Reported ? err.inner : err instanceof Error ? err : new Error(String(err));
          if (!(err instanceof Reported)) emitMachine(ctx, m.name, 'provision', 'failed', undefined, e);
          results.set(m.name, e);
        }
        onReached?.(m.name, results.get(m.name)!);
      }),
      this.removeOrphans(profile, ctx),
    ]);
    return results;
  }

  /** VMs of this profile whose machine is no longer in it: stopped and removed, as Compose does. */
  private async removeOrphans(profile: Profile, ctx: RunContext): Promise<void> {
    const names = new Set(profile.machines.map((m) => m.name));
    const dirs = await fs.readdir(path.join(this.opts.dataDir, 'vms', profile.name)).catch(() => [] as string[]);
    await Promise.all(
      dirs
        .filter((d) => !names.has(d))
        .map(async (machine) => {
          try {
            await this.remove(this.stateDir(profile.name, machine));
            emitMachine(ctx, machine, 'remove', 'done', 'removed (no longer in the profile)', undefined, 'not-created');
          } catch (err) {
            emitMachine(ctx, machine, 'remove', 'failed', undefined, err as Error);
          }
        }),
    );
  }

  private async upMachine(profile: Profile, m: VmMachine, ctx: RunContext): Promise<Transport> {
    emitMachine(ctx, m.name, 'image', 'start');
    let image: BaseImage;
    try {
      const task = `download ${path.basename(m.vm.image)}`;
      image = await this.images.resolve(m.vm, (current, total) => ctx.emit({ type: 'progress', runId: ctx.runId, machine: m.name, task, current, ...(total ? { total } : {}) }));
    } catch (err) {
      emitMachine(ctx, m.name, 'image', 'failed', undefined, err as Error);
      throw new Reported(err as Error);
    }
    emitMachine(ctx, m.name, 'image', 'done', image.how);

    emitMachine(ctx, m.name, 'provision', 'start');
    const dir = this.stateDir(profile.name, m.name);
    const want = vmParts(m.vm, image.id);
    let state = await this.readState(dir);
    let running = !!state?.pid && (await alive(state.pid, dir));
    let leftovers = false;
    if (!state) {
      // A state file deleted by hand: a qemu still running on this folder is found and stopped.
      const orphan = await findQemu(dir);
      if (orphan) {
        this.log(ctx, m.name, 'warn', `${m.name}: qemu (pid ${orphan}) ran without a state file; stopping it`);
        await killAndWait(orphan);
      }
      leftovers = (await fs.readdir(dir).catch(() => [])).length > 0;
    }
    const op: VmOperation = planVm(want, state, running, leftovers);
    if (op.op === 'recreate') {
      await this.sayLostSnapshots(dir, ctx, m.name, 'made again');
      await this.remove(dir);
      state = undefined;
      running = false;
    }
    if (op.op === 'restart') {
      await this.shutdown(state!, dir, ctx, m.name);
      running = false;
    }
    let cache: VmCachePlan | undefined;
    if (op.op === 'create' || op.op === 'recreate') {
      const make = async () => {
        cache = await this.planCache(m, image, ctx);
        return this.create(profile, m, image, want, dir, cache?.start);
      };
      // A prune between choosing a cached base and the overlay backing onto it would remove it.
      state = ctx.cache?.enabled ? await this.bases.exclusive(`an up choosing ${m.name}'s cached base`, make) : await make();
    }
    if (!running) {
      state = await this.boot(m, state!, want, dir, ctx);
    } else {
      await this.resumeIfPaused(m.name, state!, ctx);
    }
    const transport = await this.connect(m, state!, dir, ctx);
    const mounts = mountScript(m.vm.folders, state!.folders);
    if (mounts) {
      const r = await transport.exec(mounts);
      if (r.code !== 0) throw new VmError(`${m.name}: the synced folders could not be mounted: ${r.stderr.trim()}`, { where: m.name, hint: `the guest needs ${state!.folders} support in its kernel` });
    }
    const fromCache = cache?.start ? ` ${fromCacheNote(cache.start)}` : '';
    emitMachine(ctx, m.name, 'provision', 'done', `${describeOperation(op)}${fromCache}, ${state!.accel}, ssh 127.0.0.1:${state!.sshPort}`, undefined, 'running');
    if (cache) {
      // Saved only from a VM this run created: its disk is then the base plus its resources in order.
      const backing = cache.start ? { backing: cache.start.file, backingFormat: 'qcow2' as const } : { backing: image.path, backingFormat: image.format };
      new VmCacheSession(this.bases, m, profile.name, cache, { overlay: this.files(dir).overlay, ...backing, imageId: image.id, qmpSocket: state!.qmpSocket }, transport, ctx);
    }
    return transport;
  }

  /**
   * `up` wants the VM running, as `vagrant up` resumes a suspended one: a guest left paused (a save
   * whose QMP `cont` never came through) runs again. QEMU that does not answer is left to the SSH
   * connect that follows, which says so.
   */
  private async resumeIfPaused(name: string, state: VmStateFile, ctx: RunContext): Promise<void> {
    const st = (await qmp(state.qmpSocket, 'query-status').catch(() => undefined)) as { running?: boolean; status?: string } | undefined;
    if (st?.status !== 'paused') return;
    this.log(ctx, name, 'warn', `${name}: the VM was paused; resuming it`);
    await resume(state.qmpSocket);
  }

  /** Where a new VM's disk starts when the cache is on; a cache that cannot be read is only a warning. */
  private async planCache(m: VmMachine, image: BaseImage, ctx: RunContext): Promise<VmCachePlan | undefined> {
    if (!ctx.cache?.enabled) return undefined;
    try {
      return await planVmCacheStart(this.bases, m, image, ctx);
    } catch (err) {
      this.log(ctx, m.name, 'warn', `${m.name}: cache not used: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** A new VM: state folder, key pairs, overlay on the base image (or a cached base), cloud-init seed. */
  private async create(profile: Profile, m: VmMachine, image: BaseImage, parts: VmParts, dir: string, from?: VmBaseEntry): Promise<VmStateFile> {
    const f = this.files(dir);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const size = m.vm.diskBytes;
    if (size !== undefined && size < image.virtualSize) {
      throw new VmError(`${m.name}: disk: is ${gib(size)}, smaller than the image's ${gib(image.virtualSize)}`, { where: m.name, hint: `give disk: at least ${gib(image.virtualSize)}, or leave it out` });
    }
    const overlay = from ? ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', from.file, f.overlay] : ['create', '-q', '-f', 'qcow2', '-F', image.format, '-b', image.path, f.overlay];
    if (size !== undefined) overlay.push(String(size));
    const makeOverlay = run('qemu-img', overlay).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw qemuImgMissing();
      throw new VmError(`${m.name}: cannot create the disk overlay: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`, { where: m.name });
    });
    await Promise.all([keygen(f.identity, `prodlike-${profile.name}-${m.name}`), keygen(f.hostKey, ''), makeOverlay]);
    const [authorizedKey, hostPrivate, hostPublic] = await Promise.all([fs.readFile(`${f.identity}.pub`, 'utf8'), fs.readFile(f.hostKey, 'utf8'), fs.readFile(`${f.hostKey}.pub`, 'utf8')]);
    await writeSeed(f.seed, {
      instanceId: `prodlike-${createHash('sha256').update(`${dir} ${Date.now()}`).digest('hex').slice(0, 12)}`,
      hostname: m.name,
      authorizedKey,
      hostKey: { private: hostPrivate, public: hostPublic },
      ...(from ? { fromCache: true } : {}),
    });
    const state: VmStateFile = {
      version: 1,
      profile: profile.name,
      machine: m.name,
      parts,
      createdAt: new Date().toISOString(),
      ports: m.vm.ports,
      qmpSocket: socketPath(dir),
      folders: 'none',
      ...(from ? { cacheBase: { key: from.key, file: from.file } } : {}),
    };
    await this.writeState(dir, state);
    return state;
  }

  /** Starts qemu in the background and waits until cloud-init is done (the ready mark on the serial console). */
  private async boot(m: VmMachine, state: VmStateFile, parts: VmParts, dir: string, ctx: RunContext): Promise<VmStateFile> {
    const f = this.files(dir);
    const accel = chooseAccel(this.opts.host ?? (await hostFacts()), m.vm.arch);
    if (accel === 'tcg' && !this.warnedTcg) {
      this.warnedTcg = true;
      this.log(ctx, m.name, 'warn', 'no hardware acceleration (KVM, HVF or WHPX) is available: VMs run under plain emulation (TCG), which is slow');
    }
    const folders = m.vm.folders.length === 0 ? 'none' : await folderMode();
    const qemu = `qemu-system-${m.vm.arch}`;
    await Promise.all([fs.rm(f.serial, { force: true }), fs.rm(f.pid, { force: true }), fs.rm(state.qmpSocket, { force: true })]);
    let lastError: VmError | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const sshPort = await this.freePort(state.sshPort);
      const helpers = folders === 'virtiofs' ? await startVirtiofsd(dir, m.vm.folders) : { pids: [], sockets: [] };
      const args = qemuArgs({
        spec: m.vm,
        accel,
        name: `prodlike-${state.profile}-${m.name}`,
        overlay: f.overlay,
        seed: f.seed,
        qmpSocket: state.qmpSocket,
        serialLog: f.serial,
        pidFile: f.pid,
        sshPort,
        folders: folders === 'virtiofs' ? { mode: 'virtiofs', sockets: helpers.sockets } : { mode: folders },
      });
      this.log(ctx, m.name, 'stdout', `${qemu} ${args.join(' ')}`);
      const started = await launch(qemu, args, dir);
      if (started.ok) {
        const pid = Number((await fs.readFile(f.pid, 'utf8')).trim());
        const next: VmStateFile = { ...state, parts, pid, sshPort, accel, ports: m.vm.ports, folders, startedAt: new Date().toISOString() };
        if (helpers.pids.length) next.helpers = helpers.pids;
        else delete next.helpers;
        await this.writeState(dir, next);
        await fs.writeFile(f.knownHosts, `[127.0.0.1]:${sshPort} ${(await fs.readFile(`${f.hostKey}.pub`, 'utf8')).trim()}\n`, { mode: 0o600 });
        await this.waitReady(m, next, dir, ctx);
        return next;
      }
      helpers.pids.forEach((p) => killQuietly(p));
      lastError = started.error;
      // Another program took the SSH port between our check and qemu's bind: try another one.
      if (!/hostfwd|host forwarding/i.test(started.error.message) || m.vm.ports.some((p) => started.error.message.includes(`:${parseForward(p).host}`))) break;
      state = { ...state, sshPort: undefined };
    }
    throw lastError!;
  }

  /**
   * Waits until the VM is ready: Prodlike's login works over SSH with the pre-generated host key (the
   * `prodlike` user, its key and sudo are written by cloud-init's init stage, which runs before sshd;
   * the config stage, which would restart sshd, is off), or cloud-init's ready mark is on the serial
   * console, whichever comes first. Fails early when qemu exits, with the boot log's last lines.
   */
  private async waitReady(m: VmMachine, state: VmStateFile, dir: string, ctx: RunContext): Promise<void> {
    const f = this.files(dir);
    const deadline = Date.now() + m.vm.bootTimeoutMs;
    const transport = new SshTransport(this.sshSpec(dir, state), this.pool(dir));
    let shown = 0;
    let connected = false;
    let trying = false;
    let nextTry = 0;
    let lastError = '';
    for (;;) {
      const text = await fs.readFile(f.serial, 'utf8').catch(() => '');
      const lines = text.split('\n');
      // Whole lines only, as boot log (--verbose).
      for (const line of lines.slice(shown, lines.length - 1)) {
        const clean = line.replace(ANSI, '').replace(/\r/g, '');
        if (clean.trim()) this.log(ctx, m.name, 'stdout', `boot: ${clean}`);
      }
      shown = Math.max(shown, lines.length - 1);
      if (connected || text.includes(READY_MARK)) return;
      if (!trying && Date.now() >= nextTry) {
        // One attempt at a time; before sshd listens, QEMU's forward closes at once.
        trying = true;
        nextTry = Date.now() + 1000;
        // Early in the boot QEMU's forward holds a connection open that the guest never answers:
        // wait for sshd's banner (a few seconds at most per try) before a full SSH handshake.
        sshBanner(state.sshPort!, 3000)
          .then(() => transport.connect())
          .then(
          () => {
            connected = true;
            trying = false;
          },
          (err: Error) => {
            lastError = err.message;
            trying = false;
          },
        );
      }
      if (!(await alive(state.pid!, dir))) {
        throw new VmError(`${m.name}: qemu stopped while the VM booted`, { where: m.name, hint: `see the boot log ${f.serial}`, details: { serialTail: tail(text) } });
      }
      if (ctx.signal?.aborted) throw new VmError(`${m.name}: cancelled while the VM booted`, { where: m.name });
      if (Date.now() > deadline) {
        throw new VmError(`${m.name}: the VM did not become ready within ${Math.round(m.vm.bootTimeoutMs / 1000)} s (no SSH login, no cloud-init ready mark on the serial console)`, {
          where: m.name,
          hint: `see the boot log ${f.serial}; raise boot_timeout for slow hosts; the image needs cloud-init and a serial console (console=ttyS0)`,
          details: { serialTail: tail(text), lastSshError: lastError },
        });
      }
      await sleep(250);
    }
  }

  private pool(dir: string): SshConnectionPool {
    let pool = this.pools.get(dir);
    if (!pool) {
      // Only the host key Prodlike generated for this VM is trusted: its own known_hosts, an empty store.
      pool = new SshConnectionPool({ hostKeys: { store: new HostKeyStore(path.join(dir, 'no-trusted-keys.json')), knownHostsFiles: [this.files(dir).knownHosts] }, agentSocket: '' });
      this.pools.set(dir, pool);
    }
    return pool;
  }

  sshSpec(dir: string, state: VmStateFile): SshMachineSpec {
    return {
      host: '127.0.0.1',
      port: state.sshPort!,
      user: VM_USER,
      identity: this.files(dir).identity,
      agent: false,
      become: true,
      connectTimeoutMs: 60_000,
      commandTimeoutMs: 600_000,
    };
  }

  private async connect(m: VmMachine, state: VmStateFile, dir: string, ctx: RunContext): Promise<SshTransport> {
    const transport = new SshTransport(this.sshSpec(dir, state), this.pool(dir));
    // sshd may still be starting when cloud-init's mark is seen on a restarted VM: a few tries.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await transport.connect();
        return transport;
      } catch (err) {
        const msg = (err as Error).message;
        if (Date.now() > deadline || /host key|authentication|sudo/i.test(msg) || ctx.signal?.aborted) throw err;
        await sleep(500);
      }
    }
  }

  /** Transports to VMs that run now, without starting anything (plan, drift). */
  async attach(profile: Profile, machines: MachineSpec[]): Promise<Map<string, Transport | Error>> {
    const out = new Map<string, Transport | Error>();
    await Promise.all(
      machines.map(async (m) => {
        const dir = this.stateDir(profile.name, m.name);
        const state = await this.readState(dir);
        if (!state) return out.set(m.name, new VmError(`${m.name} is not created`, { where: m.name, hint: `run prodlike up ${profile.name}` }));
        if (!state.pid || !(await alive(state.pid, dir))) return out.set(m.name, new VmError(`${m.name} is not running`, { where: m.name, hint: `run prodlike up ${profile.name}` }));
        const t = new SshTransport(this.sshSpec(dir, state), this.pool(dir));
        try {
          await t.connect();
          out.set(m.name, t);
        } catch (err) {
          out.set(m.name, err as Error);
        }
        return undefined;
      }),
    );
    return out;
  }

  async stop(profile: Profile, machines: MachineSpec[], ctx: RunContext): Promise<void> {
    await Promise.all(
      machines.map(async (m) => {
        const dir = this.stateDir(profile.name, m.name);
        const state = await this.readState(dir);
        if (!state) {
          emitMachine(ctx, m.name, 'stop', 'done', 'not created', undefined, 'not-created');
          return;
        }
        emitMachine(ctx, m.name, 'stop', 'start');
        try {
          if (!state.pid || !(await alive(state.pid, dir))) {
            const note = state.pid ? `was not running (qemu pid ${state.pid} had been killed or had crashed)` : 'already stopped';
            await this.writeState(dir, withoutPid(state));
            emitMachine(ctx, m.name, 'stop', 'done', note, undefined, 'stopped');
            return;
          }
          const how = await this.shutdown(state, dir, ctx, m.name);
          emitMachine(ctx, m.name, 'stop', 'done', how, undefined, 'stopped');
        } catch (err) {
          emitMachine(ctx, m.name, 'stop', 'failed', undefined, err as Error);
        }
      }),
    );
  }

  /** ACPI powerdown through QMP, then a kill after the timeout. Returns how it ended. */
  private async shutdown(state: VmStateFile, dir: string, ctx: RunContext, machine: string): Promise<string> {
    await this.pools.get(dir)?.close();
    this.pools.delete(dir);
    const pid = state.pid!;
    const timeout = this.opts.shutdownTimeoutMs ?? 120_000;
    let how = 'stopped (ACPI shutdown)';
    try {
      await qmp(state.qmpSocket, 'system_powerdown');
      if (!(await waitExit(pid, dir, timeout))) {
        this.log(ctx, machine, 'warn', `${machine}: the guest did not shut down within ${timeout / 1000} s; killing qemu`);
        how = `killed (no clean shutdown within ${timeout / 1000} s)`;
        await killAndWait(pid);
      }
    } catch (err) {
      this.log(ctx, machine, 'warn', `${machine}: ${(err as Error).message}; killing qemu`);
      how = 'killed (QMP did not answer)';
      await killAndWait(pid);
    }
    (state.helpers ?? []).forEach((p) => killQuietly(p));
    await this.writeState(dir, withoutPid(state));
    return how;
  }

  async destroy(profile: Profile, machines: MachineSpec[], _opts: { volumes: boolean }, ctx: RunContext): Promise<void> {
    await Promise.all(
      machines.map(async (m) => {
        const dir = this.stateDir(profile.name, m.name);
        const exists = await fs.stat(dir).then(
          () => true,
          () => false,
        );
        if (!exists) {
          emitMachine(ctx, m.name, 'remove', 'done', 'not created', undefined, 'not-created');
          return;
        }
        emitMachine(ctx, m.name, 'remove', 'start');
        try {
          await this.sayLostSnapshots(dir, ctx, m.name, 'destroyed');
          await this.remove(dir);
          emitMachine(ctx, m.name, 'remove', 'done', 'removed', undefined, 'not-created');
        } catch (err) {
          emitMachine(ctx, m.name, 'remove', 'failed', undefined, err as Error);
        }
      }),
    );
    // VMs of machines that left the profile go too: destroy leaves nothing of the profile behind.
    const folder = path.join(this.opts.dataDir, 'vms', profile.name);
    const names = new Set(profile.machines.map((m) => m.name));
    for (const d of await fs.readdir(folder).catch(() => [] as string[])) {
      if (names.has(d)) continue;
      await this.sayLostSnapshots(path.join(folder, d), ctx, d, 'destroyed');
      await this.remove(path.join(folder, d));
    }
    await fs.rmdir(folder).catch(() => undefined);
  }

  /**
   * A VM's snapshots live in its overlay (qcow2 internal snapshots) and go with it: said, by name, before
   * the overlay is removed. A snapshot's container parts (images, volumes) stay, and `snapshot ls`
   * lists the snapshot without this machine.
   */
  private async sayLostSnapshots(dir: string, ctx: RunContext, machine: string, why: string): Promise<void> {
    const overlay = this.files(dir).overlay;
    const lost = await fs
      .stat(overlay)
      .then(() => listVmSnapshots(overlay))
      .catch(() => []);
    if (lost.length === 0) return;
    this.log(ctx, machine, 'warn', `${machine}: its snapshot${lost.length > 1 ? 's' : ''} ${lost.map((l) => l.name).join(', ')} go${lost.length > 1 ? '' : 'es'} with its disk as the VM is ${why} (they are kept inside it)`);
  }

  /** Kills the VM's processes (the disk is going away: no clean shutdown needed) and removes its folder. */
  private async remove(dir: string): Promise<void> {
    await this.pools.get(dir)?.close();
    this.pools.delete(dir);
    const state = await this.readState(dir);
    const pids = new Set<number>();
    if (state?.pid && (await alive(state.pid, dir))) pids.add(state.pid);
    const found = await findQemu(dir);
    if (found) pids.add(found);
    await Promise.all([...pids].map((p) => killAndWait(p)));
    (state?.helpers ?? []).forEach((p) => killQuietly(p));
    if (state) await fs.rm(state.qmpSocket, { force: true });
    await fs.rm(dir, { recursive: true, force: true });
  }

  async status(profile: Profile, machines: MachineSpec[]): Promise<MachineStatus[]> {
    return Promise.all(
      machines.map(async (m): Promise<MachineStatus> => {
        const dir = this.stateDir(profile.name, m.name);
        const state = await this.readState(dir);
        const base: MachineStatus = { machine: m.name, provider: 'vm', state: 'not-created', target: m.vm?.image ?? '', ports: [] };
        if (!state) {
          const orphan = await findQemu(dir);
          const leftovers = (await fs.readdir(dir).catch(() => [])).length > 0;
          if (orphan || leftovers) {
            base.state = orphan ? 'running' : 'unknown';
            base.error = toErrorInfo(
              new VmError(`${m.name}: its state file ${path.join(dir, 'state.json')} is missing${orphan ? ` while qemu (pid ${orphan}) runs` : ''}`, {
                where: m.name,
                hint: `prodlike up recreates it; prodlike destroy removes it`,
              }),
            );
          }
          return base;
        }
        const running = !!state.pid && (await alive(state.pid, dir));
        const st: MachineState = running ? 'running' : 'stopped';
        const out: MachineStatus = { ...base, state: st, ports: state.ports };
        if (state.accel) out.accel = state.accel;
        if (state.sshPort) {
          out.target = `vm ${VM_USER}@127.0.0.1:${state.sshPort}`;
          out.sshCommand = sshCommand({ identity: this.files(dir).identity, knownHosts: this.files(dir).knownHosts, port: state.sshPort, user: VM_USER });
        }
        if (state.pid && !running) {
          out.error = toErrorInfo(new VmError(`qemu (pid ${state.pid}) is not running: it was killed or crashed`, { where: m.name, hint: 'prodlike up starts it again' }));
        }
        return out;
      }),
    );
  }

  async openShell(profile: Profile, m: MachineSpec, size: { cols: number; rows: number }, cb: ShellCallbacks): Promise<ShellSession> {
    const target = await this.shellTarget(profile, m.name);
    return openSshShell(target.pool, target.spec, size, cb);
  }

  /** What `prodlike ssh` and the app's shell need: the SSH spec of a running VM, or why not. */
  async shellTarget(profile: Profile, machine: string): Promise<{ spec: SshMachineSpec; pool: SshConnectionPool; command: string }> {
    const dir = this.stateDir(profile.name, machine);
    const state = await this.readState(dir);
    if (!state?.pid || !state.sshPort || !(await alive(state.pid, dir))) {
      throw new VmError(`${machine} is not running`, { where: machine, hint: `run prodlike up ${profile.name}` });
    }
    const f = this.files(dir);
    // A pool of the shell's own: closing the shell closes only its connection.
    const pool = new SshConnectionPool({ hostKeys: { store: new HostKeyStore(path.join(dir, 'no-trusted-keys.json')), knownHostsFiles: [f.knownHosts] }, agentSocket: '' });
    return { spec: this.sshSpec(dir, state), pool, command: sshCommand({ identity: f.identity, knownHosts: f.knownHosts, port: state.sshPort, user: VM_USER }) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }

  // ----- snapshots (vm-snapshot.ts) -----

  /** The VMs among `machines` that exist (have a disk), whether each runs, and its snapshots. */
  private async snapshotTargets(profile: Profile, machines: MachineSpec[]) {
    const out = [];
    for (const m of machines.filter((x): x is VmMachine => !!x.vm)) {
      const dir = this.stateDir(profile.name, m.name);
      const state = await this.readState(dir);
      const overlay = this.files(dir).overlay;
      if (!state || !(await fs.stat(overlay).catch(() => undefined))) {
        out.push({ m, dir, overlay, state: undefined, running: false, snapshots: [] });
        continue;
      }
      const running = !!state.pid && (await alive(state.pid, dir));
      out.push({ m, dir, overlay, state, running, snapshots: await listVmSnapshots(overlay) });
    }
    return out;
  }

  async snapshotCheck(profile: Profile, machines: MachineSpec[], name: string): Promise<void> {
    checkSnapshotName(name);
    for (const t of await this.snapshotTargets(profile, machines)) {
      if (!t.state) continue;
      const way = vmSnapshotWay('save', t.m.name, { running: t.running, folders: t.state.folders !== 'none' });
      if (way.way === 'refuse') throw new VmError(way.why, { where: t.m.name, hint: way.hint });
    }
  }

  async snapshotSave(profile: Profile, machines: MachineSpec[], name: string, log: (text: string) => void): Promise<SnapshotInfo | undefined> {
    await this.snapshotCheck(profile, machines, name);
    const info: SnapshotInfo = { name, profile: profile.name, savedAt: new Date().toISOString(), machines: [], volumes: [], sizeBytes: 0 };
    for (const t of await this.snapshotTargets(profile, machines)) {
      if (!t.state) {
        log(`${t.m.name}: not created, not in the snapshot`);
        continue;
      }
      const t0 = Date.now();
      if (t.running) {
        // Its SSH connections would see the guest jump back in time: closed first.
        await this.pools.get(t.dir)?.close();
        this.pools.delete(t.dir);
        await monitor(t.m.name, t.state.qmpSocket, `savevm ${snapshotTagOf(name)}`);
      } else {
        await qemuImgSnapshot(t.m.name, t.overlay, '-c', name);
      }
      await recordShape(t.dir, name, shapeOf(t.state));
      const saved = (await listVmSnapshots(t.overlay)).find((s) => s.name === name);
      info.sizeBytes += saved?.vmStateBytes ?? 0;
      info.machines.push(t.m.name);
      log(`${t.m.name}: saved (${t.running ? 'running, with its memory' : 'stopped, its disk'}; ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    return info.machines.length ? info : undefined;
  }

  /** Checks every VM holding snapshot `name` (refused, nothing changed, when one cannot be put back), then answers the restore. */
  async snapshotPrepareRestore(profile: Profile, machines: MachineSpec[], name: string, log: (text: string) => void): Promise<RestoreStep | undefined> {
    checkSnapshotName(name);
    const targets = (await this.snapshotTargets(profile, machines)).filter((t) => t.snapshots.some((s) => s.name === name));
    if (targets.length === 0) return undefined;
    for (const t of targets) {
      const snap = t.snapshots.find((s) => s.name === name)!;
      const shape = (await readShapes(t.dir))[name];
      const way = vmSnapshotWay('restore', t.m.name, { running: t.running, folders: t.state!.folders !== 'none', shape: shapeOf(t.state!) }, { withMemory: snap.vmStateBytes > 0, shape });
      if (way.way === 'refuse') throw new VmError(way.why, { where: t.m.name, hint: `${way.hint}; nothing was changed` });
    }
    return async () => {
      for (const t of targets) {
        const t0 = Date.now();
        if (t.running) {
          await this.pools.get(t.dir)?.close();
          this.pools.delete(t.dir);
          await monitor(t.m.name, t.state!.qmpSocket, `loadvm ${snapshotTagOf(name)}`);
        } else {
          await qemuImgSnapshot(t.m.name, t.overlay, '-a', name);
        }
        log(`${t.m.name}: restored (${t.running ? 'running, with its memory' : 'its disk; it boots from it at the next up'}; ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }
      return this.merged(profile, targets, name);
    };
  }

  async snapshotList(profile: Profile, machines: MachineSpec[]): Promise<SnapshotInfo[]> {
    const targets = await this.snapshotTargets(profile, machines);
    const names = [...new Set(targets.flatMap((t) => t.snapshots.map((s) => s.name)))];
    return names.map((n) => this.merged(profile, targets, n)!).sort((a, b) => a.savedAt.localeCompare(b.savedAt));
  }

  async snapshotRemove(profile: Profile, machines: MachineSpec[], name: string): Promise<SnapshotInfo | undefined> {
    checkSnapshotName(name);
    const targets = (await this.snapshotTargets(profile, machines)).filter((t) => t.snapshots.some((s) => s.name === name));
    if (targets.length === 0) return undefined;
    const info = this.merged(profile, targets, name);
    for (const t of targets) {
      if (t.running) await monitor(t.m.name, t.state!.qmpSocket, `delvm ${snapshotTagOf(name)}`);
      else await qemuImgSnapshot(t.m.name, t.overlay, '-d', name);
      await recordShape(t.dir, name, undefined);
    }
    return info;
  }

  private merged(profile: Profile, targets: { m: VmMachine; snapshots: { name: string; savedAt: string; vmStateBytes: number }[] }[], name: string): SnapshotInfo | undefined {
    const parts = targets.flatMap((t) => t.snapshots.filter((s) => s.name === name).map((s) => ({ machine: t.m.name, ...s })));
    if (parts.length === 0) return undefined;
    return {
      name,
      profile: profile.name,
      savedAt: parts.map((p) => p.savedAt).sort()[0]!,
      machines: parts.map((p) => p.machine).sort(),
      volumes: [],
      sizeBytes: parts.reduce((n, p) => n + p.vmStateBytes, 0),
    };
  }

  async readState(dir: string): Promise<VmStateFile | undefined> {
    const s = await readJson<VmStateFile | undefined>(path.join(dir, 'state.json'), undefined).catch(() => undefined);
    return s && s.version === 1 ? s : undefined;
  }

  private async writeState(dir: string, state: VmStateFile): Promise<void> {
    await writeFileAtomic(path.join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`, 0o600);
  }

  /** A free TCP port on 127.0.0.1 (the previous one when it is still free), never one this process handed out. */
  private async freePort(previous?: number): Promise<number> {
    if (previous && !this.portsTaken.has(previous) && (await portFree(previous))) {
      this.portsTaken.add(previous);
      return previous;
    }
    for (;;) {
      const port = await new Promise<number>((resolve, reject) => {
        const srv = net.createServer();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
          const p = (srv.address() as net.AddressInfo).port;
          srv.close(() => resolve(p));
        });
      });
      if (!this.portsTaken.has(port)) {
        this.portsTaken.add(port);
        return port;
      }
    }
  }



  private log(ctx: RunContext, machine: string, stream: 'stdout' | 'warn', text: string): void {
    ctx.emit({ type: 'log', runId: ctx.runId, machine, stream, text });
  }
}

// ----- processes -----

/** The machine a VM's qemu was started as (what a snapshot with memory must match). */
const shapeOf = (state: VmStateFile): VmShape => ({ cpus: state.parts.boot.cpus ?? '', memory: state.parts.boot.memory ?? '' });

/** Is `pid` a live process running on this VM's folder (pids are reused)? */
async function alive(pid: number, dir: string): Promise<boolean> {
  if (!processAlive(pid)) return false;
  if (process.platform !== 'linux') return true;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return cmdline !== undefined && cmdline.includes(dir);
}

/** A qemu process whose command line names this VM's folder (Linux: /proc; elsewhere: none found). */
async function findQemu(dir: string): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined;
  const overlay = path.join(dir, 'disk.qcow2');
  for (const entry of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmd.startsWith('qemu-system') && cmd.includes(overlay)) {
      const pid = Number(entry);
      if (await alive(pid, dir)) return pid;
    }
  }
  return undefined;
}

async function waitExit(pid: number, dir: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await alive(pid, dir))) return true;
    await sleep(100);
  }
  return !(await alive(pid, dir));
}

async function killAndWait(pid: number): Promise<void> {
  killQuietly(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && processAlive(pid)) await sleep(50);
}

function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone already */
  }
}

/** Runs qemu with -daemonize: it exits once the VM runs (0) or with the reason it could not start. */
function launch(qemu: string, args: string[], cwd: string): Promise<{ ok: true } | { ok: false; error: VmError }> {
  return new Promise((resolve) => {
    const child = spawn(qemu, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', (err: NodeJS.ErrnoException) => {
      resolve({
        ok: false,
        error:
          err.code === 'ENOENT'
            ? new VmError(`QEMU is not installed: ${qemu} was not found`, { hint: 'install QEMU (Debian/Ubuntu: apt install qemu-system-x86 qemu-utils; macOS: brew install qemu); `prodlike doctor` checks it' })
            : new VmError(`cannot run ${qemu}: ${err.message}`),
      });
    });
    child.on('close', (code) => {
      if (code === 0) return resolve({ ok: true });
      const why = stderr.trim().replace(/^qemu-system-\w+: /gm, '') || `exit code ${code}`;
      const busy = /Could not set up host forwarding rule '(?:tcp|udp):([^']+)'/.exec(why);
      resolve({
        ok: false,
        error: new VmError(busy ? `cannot forward ${busy[1]}: the port is in use on the host (${why})` : `QEMU could not start the VM: ${why}`, {
          hint: busy ? 'stop what uses the port, or change ports: in the profile' : 'check the vm: settings; `prodlike doctor` checks QEMU',
        }),
      });
    });
  });
}

async function keygen(file: string, comment: string): Promise<void> {
  await fs.rm(file, { force: true });
  await fs.rm(`${file}.pub`, { force: true });
  try {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new VmError('ssh-keygen is not installed', { hint: 'install the OpenSSH client (Debian/Ubuntu: apt install openssh-client)' });
    throw new VmError(`ssh-keygen failed: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
  }
  await fs.chmod(file, 0o600);
}

let facts: Promise<{ platform: string; arch: string; kvm: boolean }> | undefined;
/** PRODLIKE_VM_ACCEL=tcg (or kvm) decides by hand; otherwise KVM when it can run a normal kernel. */
function hostFacts(): Promise<{ platform: string; arch: string; kvm: boolean }> {
  return (facts ??= (async () => {
    const forced = process.env.PRODLIKE_VM_ACCEL;
    const kvm = forced ? forced === 'kvm' : (await kvmFacts()).virt;
    return { platform: process.platform, arch: process.arch, kvm };
  })());
}

/** virtiofs where virtiofsd runs (as root on Linux), else 9p. */
async function folderMode(): Promise<'virtiofs' | '9p'> {
  if (process.platform === 'linux' && process.getuid?.() === 0 && (await virtiofsd())) return 'virtiofs';
  return '9p';
}

async function virtiofsd(): Promise<string | undefined> {
  for (const p of ['/usr/libexec/virtiofsd', '/usr/lib/qemu/virtiofsd', '/usr/libexec/qemu/virtiofsd']) {
    if (await fs.access(p, constants.X_OK).then(() => true, () => false)) return p;
  }
  return undefined;
}

async function startVirtiofsd(dir: string, folders: string[]): Promise<{ pids: number[]; sockets: string[] }> {
  const bin = (await virtiofsd())!;
  const pids: number[] = [];
  const sockets: string[] = [];
  for (const [i, f] of folders.entries()) {
    const host = f.slice(0, f.lastIndexOf(':'));
    await fs.mkdir(host, { recursive: true });
    const sock = path.join(dir, `virtiofs${i}.sock`);
    await fs.rm(sock, { force: true });
    const log = await fs.open(path.join(dir, `virtiofsd${i}.log`), 'w');
    const child = spawn(bin, [`--socket-path=${sock}`, '-o', `source=${host}`, '-o', 'cache=auto'], { detached: true, stdio: ['ignore', log.fd, log.fd] });
    child.unref();
    await log.close();
    pids.push(child.pid!);
    sockets.push(sock);
    const deadline = Date.now() + 10_000;
    while (!(await fs.stat(sock).then(() => true, () => false))) {
      if (Date.now() > deadline) throw new VmError(`virtiofsd did not start for ${host}`, { hint: `see ${path.join(dir, `virtiofsd${i}.log`)}` });
      await sleep(50);
    }
  }
  return { pids, sockets };
}

/** Unix socket paths are limited to ~104 bytes: a long data folder puts the QMP socket in the temp folder. */
function socketPath(dir: string): string {
  const p = path.join(dir, 'qmp.sock');
  if (Buffer.byteLength(p) < 100) return p;
  return path.join(os.tmpdir(), `prodlike-qmp-${createHash('sha256').update(dir).digest('hex').slice(0, 16)}.sock`);
}

/** Resolves when something on 127.0.0.1:port sends an SSH banner within `timeoutMs`, else rejects. */
function sshBanner(port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ host: '127.0.0.1', port });
    const done = (err?: Error) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error('no SSH banner yet')), timeoutMs);
    sock.once('data', (d: Buffer) => (d.toString('latin1').startsWith('SSH-') ? done() : done(new Error('not an SSH server'))));
    sock.once('error', (err) => done(err));
    sock.once('close', () => done(new Error('closed before the SSH banner')));
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function withoutPid(s: VmStateFile): VmStateFile {
  const { pid: _pid, helpers: _helpers, ...rest } = s;
  return rest;
}

function tail(text: string, n = 20): string {
  return text.split('\n').slice(-n).join('\n');
}

function gib(bytes: number): string {
  return `${Math.round((bytes / 2 ** 30) * 10) / 10} GiB`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
