// The Docker provider: a profile's `docker:` machines as labelled containers on one labelled network.
// The engine's labels are the only record of what exists (as in Docker Compose): one label-filtered
// list per profile answers "what is there", and the config hash label decides keep or recreate.

import path from 'node:path';
import Docker from 'dockerode';
import type { MachineSpec, Profile } from '../../../../shared/profile.js';
import type { MachineState, MachineStatus } from '../../../../shared/report.js';
import { DockerError, SshError } from '../../errors.js';
import { cacheable, planStart, type PlannedStart } from './cache-session.js';
import { servicesToStop } from '../../cache/runtime-state.js';
import { listCachedStates, type CachedState } from './cache-store.js';
import { DockerExecTransport, type DockerExecTransportOptions } from './exec-transport.js';
import type { Transport } from '../../transport.js';
import { parseVolume } from '../../profile/docker-values.js';
import { configHash, formatParts, normalizeDockerSpec } from './config-hash.js';
import type { SshDialOptions, SshEngineDial } from './ssh-dial.js';
import { engineMessage, engineUnreachableError, getDocker, isEngineUnreachable, pingDocker, statusCode } from './client.js';
import type { EngineSource } from './engine-context.js';
import { LABEL_STARTS_SERVICES, STALE_PID_FILES, WAIT_FOR_START, canStartServices, createAndStart, keepAliveIsMain, keepsData, removeContainer, setAside } from './container.js';
import { ensureImage, imageAvailability, type ImageAvailability, type ImageResult } from './image.js';
import { StartGate } from './depends.js';
import { currentContainer, describeOperation, orphans, planMachine, type MachineOperation } from './plan.js';
import {
  LABEL_MACHINE,
  LABEL_PROFILE,
  containerName,
  networkName,
  ownerLabels,
  profileFilter,
  volumeName,
} from './labels.js';
import { emitMachine, type MachineProvider, type OnReached, type RestoreOptions, type RestoreStep, type RunContext, type ShellCallbacks, type ShellSession, type SnapshotBackend, type SnapshotInfo } from '../backend.js';
import { openDockerShell } from '../shell.js';

export interface DockerProviderOptions {
  /** Defaults to the process-wide client for `host`, or DOCKER_HOST. */
  docker?: Docker;
  /** The engine's address (DOCKER_HOST form), when not given by `docker`. */
  host?: string;
  /** The engine's address, for messages (with `docker`). */
  address?: string;
  /** A Docker CLI context (the app's setting), when `host` is not set. */
  context?: string;
  /** DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG, … (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** For ssh:// engines: trusted host keys (data folder) and the default identity. */
  ssh?: SshDialOptions;
  /**
   * For ssh:// engines: the command of the background process that keeps published ports forwarded
   * (the CLI: node, its script, `__forward`); unset: forwards run in this process (the app).
   */
  forwarderCommand?: string[];
  /** Seconds the engine waits after SIGTERM before SIGKILL on stop (default 3; init makes it moot). */
  stopTimeoutSeconds?: number;
}

/** A running container as `use` sees it: who owns it (labels) and which host ports it holds. */
export interface RunningContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  ports: { ip: string; port: number; proto: string }[];
}

export interface EngineSnapshot {
  running: RunningContainer[];
  /** The profile's containers, any state, as the engine listed them. */
  profileContainers: Docker.ContainerInfo[];
}

/** How long stop and destroy give a machine's services to stop cleanly before its container ends them. */
const SERVICE_STOP_TIMEOUT_MS = 30_000;

type DockerMachine = MachineSpec & { docker: NonNullable<MachineSpec['docker']> };

export class DockerProvider implements MachineProvider, SnapshotBackend {
  private readonly docker: Docker;
  private readonly address: string;
  /** What chose the engine (the settings, DOCKER_HOST, a context): what its "not running" hint names. */
  private readonly source?: EngineSource;
  private readonly stopTimeout: number;
  /** Set when the engine is reached over SSH (ssh://): published ports are forwarded through it. */
  readonly ssh?: SshEngineDial;
  private readonly unresolved?: DockerError;
  private readonly forwarding?: { dataDir: string; identity?: string; command?: string[] };
  private pinged?: Promise<void>;
  /** One pull or build per image at a time, however many machines use it. */
  private readonly imageJobs = new Map<string, Promise<ImageResult>>();

  constructor(opts: DockerProviderOptions = {}) {
    let shared: { docker: Docker; address: string; ssh?: SshEngineDial; engine?: { source: EngineSource } };
    try {
      shared = opts.docker
        ? { docker: opts.docker, address: opts.address ?? 'the configured Docker host' }
        : getDocker({ ...(opts.host ? { host: opts.host } : {}), ...(opts.context ? { context: opts.context } : {}) }, { ...(opts.env ? { env: opts.env } : {}), ...(opts.ssh ? { ssh: opts.ssh } : {}) });
    } catch (err) {
      // A context that does not exist, a TLS file that cannot be read: every machine fails with it.
      this.unresolved = err instanceof DockerError ? err : new DockerError(String(err));
      shared = { docker: new Docker({ socketPath: '/nonexistent/prodlike-unresolved.sock' }), address: 'the chosen Docker engine' };
    }
    this.docker = shared.docker;
    this.address = shared.address;
    this.source = shared.engine?.source;
    if (shared.ssh) this.ssh = shared.ssh;
    if (shared.ssh && opts.ssh) {
      this.forwarding = { dataDir: opts.ssh.dataDir, ...(opts.ssh.identity ? { identity: opts.ssh.identity } : {}), ...(opts.forwarderCommand ? { command: opts.forwarderCommand } : {}) };
    }
    this.stopTimeout = opts.stopTimeoutSeconds ?? 3;
  }

  async up(profile: Profile, machines: MachineSpec[], ctx: RunContext, onReached?: OnReached): Promise<Map<string, Transport | Error>> {
    const result = new Map<string, Transport | Error>();
    const wanted: DockerMachine[] = [];
    for (const m of machines) {
      if (m.docker) wanted.push(m as DockerMachine);
      else result.set(m.name, new DockerError(`machine ${m.name} is not a docker machine`, { where: m.name }));
    }
    let existing: Docker.ContainerInfo[];
    let cached: CachedState[];
    try {
      await this.engine();
      [, existing, cached] = await Promise.all([
        this.ensureNetwork(profile),
        this.listProfile(profile.name),
        ctx.cache?.enabled ? listCachedStates(this.docker).catch(() => []) : [],
      ]);
    } catch (err) {
      const e = this.wrap(err);
      for (const m of wanted) {
        emitMachine(ctx, m.name, 'provision', 'failed', undefined, e);
        result.set(m.name, e);
        onReached?.(m.name, e);
      }
      return result;
    }

    const byMachine = groupByMachine(existing);
    const gate = new StartGate(wanted.map((m) => m.name));
    const outcomes = await Promise.all(
      wanted.map(async (m) => {
        const outcome = await this.upMachine(profile, m, byMachine.get(m.name) ?? [], ctx, cached, gate).catch((err: unknown) => {
          const e = err instanceof ReportedError ? err.error : this.wrap(err);
          gate.failed(m.name, e);
          if (err instanceof ReportedError) return err.error;
          emitMachine(ctx, m.name, 'provision', 'failed', undefined, e);
          return e;
        });
        onReached?.(m.name, outcome);
        return outcome;
      }),
    );
    wanted.forEach((m, i) => result.set(m.name, outcomes[i]!));

    // Compose's --remove-orphans: only a run over the whole profile knows which machines are gone.
    if (coversWholeProfile(profile, wanted)) {
      await Promise.all(
        orphans(existing, profile.machines.filter((m) => m.docker).map((m) => m.name)).map(async (c) => {
          const machine = c.Labels[LABEL_MACHINE] ?? c.Names[0]?.slice(1) ?? c.Id.slice(0, 12);
          try {
            await removeContainer(this.docker, c.Id);
            emitMachine(ctx, machine, 'remove', 'done', 'removed (no longer in the profile)', undefined, 'not-created');
          } catch (err) {
            emitMachine(ctx, machine, 'remove', 'failed', undefined, this.wrap(err));
          }
        }),
      );
    }
    await this.syncForwards(profile.name, ctx);
    return result;
  }

  /**
   * A remote (ssh://) engine: the profile's published ports are forwarded to 127.0.0.1 here by a
   * forwarder (port-forward.ts) that lives while the profile has running containers. Best effort: a
   * port that cannot be forwarded is a warning, the machines are up either way.
   */
  private async syncForwards(profileName: string, ctx: RunContext, stop = false): Promise<void> {
    if (!this.ssh || !this.forwarding) return;
    const { ensureForwarder, stopForwarder } = await import('./port-forward.js');
    const log = (stream: 'info' | 'warn', text: string) => ctx.emit({ type: 'log', runId: ctx.runId, stream, text });
    if (stop) {
      await stopForwarder(this.forwarding.dataDir, profileName);
      return;
    }
    const spec = { profile: profileName, engine: this.address, dataDir: this.forwarding.dataDir, ...(this.forwarding.identity ? { identity: this.forwarding.identity } : {}) };
    try {
      const st = await ensureForwarder({ spec, ...(this.forwarding.command ? { command: this.forwarding.command } : {}) });
      if (!st) log('warn', `ports not forwarded from ${this.address}: the forwarder did not start (see ${path.join(this.forwarding.dataDir, 'forwards', `${profileName}.log`)})`);
      else {
        for (const f of st.forwards) log('info', `forwarding ${f.local} → ${f.remote} on ${this.address} (${f.machine})`);
        for (const f of st.failed) log('warn', `port ${f.port} of ${f.machine} not forwarded: ${f.error}`);
        if (st.error) log('warn', `forwarder: ${st.error}`);
      }
    } catch (err) {
      log('warn', `ports not forwarded from ${this.address}: ${(err as Error).message}`);
    }
  }

  private async upMachine(profile: Profile, m: DockerMachine, found: Docker.ContainerInfo[], ctx: RunContext, cached: CachedState[], gate: StartGate): Promise<Transport> {
    emitMachine(ctx, m.name, 'image', 'start');
    let image: ImageResult;
    try {
      image = await this.image(m, ctx);
    } catch (err) {
      const e = this.wrap(err);
      emitMachine(ctx, m.name, 'image', 'failed', undefined, e);
      throw new ReportedError(e);
    }
    emitMachine(ctx, m.name, 'image', 'done', image.how);

    emitMachine(ctx, m.name, 'provision', 'start');
    await gate.waitFor(this.docker, m.name, m.docker, (dep) => containerName(profile.name, dep), ctx.signal);
    const { hash, parts } = configHash(normalizeDockerSpec(m.name, m.docker, image.id));
    const name = containerName(profile.name, m.name);
    const { operation, extras } = planMachine(found, { machine: m.name, name, hash, parts });
    await Promise.all(extras.map((c) => removeContainer(this.docker, c.Id)));

    let op: MachineOperation = operation;
    let id = '';
    if (op.op === 'keep' || op.op === 'start' || op.op === 'unpause') {
      try {
        await this.startIfNeeded(op.op, op.container.Id);
        id = op.container.Id;
      } catch (err) {
        // The profile network was removed and made again since the container was created: the container
        // points at a network ID that no longer exists and can only be recreated.
        if (isEngineUnreachable(err)) throw err;
        if (!/network .* not found/i.test(engineMessage(err))) {
          throw new DockerError(`machine ${m.name}: the container could not be started: ${engineMessage(err)}`, { where: m.name, cause: err });
        }
        op = { op: 'recreate', machine: m.name, container: op.container, cause: 'its network was replaced' };
      }
    }
    let planned: PlannedStart | undefined;
    /** Created without its named volumes, mounted once its packages are installed (cache-session.ts). */
    let volumesWait = false;
    // A container from a cached state starts the services that state had running as it starts (its
    // processes are not in the image), so the first probe finds them running.
    let startsServices = (op.op === 'keep' || op.op === 'start' || op.op === 'unpause') && !!op.container.Labels?.[LABEL_STARTS_SERVICES];
    let started: string[] = [];
    const desired = { profile, machine: m.name, spec: m.docker, hash, parts: formatParts(parts) };
    if (op.op === 'create' || op.op === 'recreate') {
      if (op.op === 'recreate') await removeContainer(this.docker, op.container.Id);
      // A state chosen here may be gone by the time the container is made (a prune, or another run's
      // size cap): the start is planned again without it.
      const gone = new Set<string>();
      for (;;) {
        planned = await this.planCacheStart(profile, m, image.id, ctx, gone.size ? cached.filter((c) => !gone.has(c.key)) : cached);
        // The config hash is the machine's (base image included) whatever the container starts from: a
        // cached start is how it was made, not what it is, so the next up keeps it.
        const start = planned?.start;
        const starting = canStartServices(m.docker, image.user) && ctx.cache?.startServices ? (start?.services ?? []) : [];
        started = starting.map((s) => s.name);
        const from = start ? { image: start.image } : {};
        const services = started.length ? { startServices: { names: started, script: ctx.cache!.startServices!(starting) } } : {};
        volumesWait = planned?.session.volumesAt !== undefined;
        try {
          const container = await createAndStart(this.docker, { ...desired, ...from, ...services, ...(volumesWait ? { withoutNamedVolumes: true } : {}) });
          id = container.id;
          break;
        } catch (err) {
          if (!start || start.pulled || gone.has(start.entry.key) || !(await imageGone(this.docker, start.image))) throw err;
          gone.add(start.entry.key);
          ctx.emit({ type: 'log', runId: ctx.runId, machine: m.name, stream: 'warn', text: `${m.name}: the cached state ${start.entry.key.slice(0, 12)} was removed while this run started (a prune?): started again without it` });
        }
      }
      startsServices = started.length > 0;
    }
    gate.done(m.name, id);
    const start = planned?.start;
    const cacheNote = start
      ? ` from cache (saved ${start.entry.savedAt.slice(0, 16).replace('T', ' ')}, ${start.entry.prefix} of ${start.entry.total} resources${start.pulled ? `, pulled from ${ctx.cache?.from ?? 'the registry'}` : ''}${started.length ? `; services start with it: ${started.join(', ')}` : ''})`
      : '';
    const volumesNote = volumesWait ? '; its volumes exist already: mounted once its packages are installed' : '';
    const detail = describeOperation(op) + cacheNote + volumesNote;
    emitMachine(ctx, m.name, 'provision', 'done', detail, undefined, 'running');
    // Made from a saved disk: its start script removed the state's stale pid files, or, where no
    // service starts with it, its first command does (STALE_PID_FILES).
    const staleFirst = keepAliveIsMain(m.docker) ? STALE_PID_FILES : undefined;
    const waitFirst = startsServices ? WAIT_FOR_START : start ? staleFirst : undefined;
    const transport = new DockerExecTransport(id, { machine: m.name, name, ...this.engineOfExecs(), ...(waitFirst ? { waitFirst } : {}) });
    // Saves stack (cache-session.ts): the machine may carry on in a container made from a saved state.
    const recreate = async (image: string): Promise<string> => {
      // Removing a container with a large writable layer takes seconds (1.4 s for the shop's db): the
      // old one is renamed aside (its name freed), stopped while the new one is created, and removed
      // while the machine carries on; the run waits for that at its end.
      const old = id;
      const { stopped } = await setAside(this.docker, old, `${name}-replaced-${old.slice(0, 12)}`);
      planned?.session.track(stopped.catch(() => undefined).then(() => removeContainer(this.docker, old)));
      const c = await createAndStart(this.docker, { ...desired, image }, stopped);
      id = c.id;
      transport.retarget(c.id, staleFirst);
      return c.id;
    };
    planned?.session.attach(transport, id, { image: start?.imageId ?? image.id, prefix: start?.entry.prefix ?? 0 }, recreate);
    return transport;
  }

  /**
   * Where a new container starts; a cache that cannot be read is only a warning. With --no-cache
   * nothing starts from the cache, and only a machine whose named volumes exist keeps a session: its
   * packages are installed before they are mounted, and that one state is saved to carry on from.
   */
  private async planCacheStart(profile: Profile, m: DockerMachine, imageId: string, ctx: RunContext, cached: CachedState[]): Promise<PlannedStart | undefined> {
    if (!ctx.cache || !cacheable(m.docker)) return undefined;
    const read = ctx.cache.enabled;
    try {
      const planned = await planStart(this.docker, profile.name, m, imageId, ctx, read ? cached : [], read);
      // apt's lists are kept between runs for a local engine only: the copy would cross the network.
      planned.session.keepsAptLists = this.address.startsWith('unix://');
      if (!read) return planned.session.volumesAt === undefined ? undefined : planned;
      if (planned.why) ctx.emit({ type: 'log', runId: ctx.runId, machine: m.name, stream: 'info', text: `${m.name}: not started from cache: ${planned.why}` });
      return planned;
    } catch (err) {
      const what = read ? 'cache not used' : 'volumes mounted from the start';
      ctx.emit({ type: 'log', runId: ctx.runId, machine: m.name, stream: 'warn', text: `${m.name}: ${what}: ${engineMessage(err)}` });
      return undefined;
    }
  }

  /**
   * Transports to the machines' containers that run now, creating and starting nothing (plan and drift
   * never change what exists). A machine without a running container maps to an Error saying so.
   */
  async attach(profile: Profile, machines: MachineSpec[]): Promise<Map<string, Transport | Error>> {
    const result = new Map<string, Transport | Error>();
    let byMachine: Map<string, Docker.ContainerInfo[]>;
    try {
      byMachine = groupByMachine(await this.listProfile(profile.name));
    } catch (err) {
      for (const m of machines) result.set(m.name, this.wrap(err));
      return result;
    }
    for (const m of machines) {
      const name = containerName(profile.name, m.name);
      const found = byMachine.get(m.name) ?? [];
      const c = currentContainer(found, name);
      if (c?.State === 'running') {
        result.set(m.name, new DockerExecTransport(c.Id, { machine: m.name, name, ...this.engineOfExecs() }));
      } else {
        const why = c ? `its container ${name} is ${c.State === 'exited' ? 'stopped' : c.State}` : 'it has no container yet';
        result.set(m.name, new DockerError(`machine ${m.name} is not running: ${why}`, { where: m.name, hint: 'bring it up: `prodlike up`' }));
      }
    }
    return result;
  }

  private async startIfNeeded(op: 'keep' | 'start' | 'unpause', id: string): Promise<void> {
    const container = this.docker.getContainer(id);
    if (op === 'keep') return;
    if (op === 'unpause') return void (await container.unpause());
    try {
      await container.start();
    } catch (err) {
      if (statusCode(err) !== 304) throw err;
    }
  }

  private image(m: DockerMachine, ctx: RunContext): Promise<ImageResult> {
    const key = `${m.docker.image}\0${m.docker.build?.context ?? ''}`;
    let job = this.imageJobs.get(key);
    if (!job) {
      job = ensureImage(this.docker, m.docker, m.name, ctx).finally(() => this.imageJobs.delete(key));
      this.imageJobs.set(key, job);
    }
    return job;
  }

  private async ensureNetwork(profile: Profile): Promise<void> {
    const name = networkName(profile.name);
    const nets = await this.docker.listNetworks({ filters: { name: [name] } });
    // The name filter matches substrings; only the exact name counts. A network left by an earlier or
    // killed run is reused as it is.
    if (nets.some((n) => n.Name === name)) return;
    try {
      await this.docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: ownerLabels(profile.name, profile.file) });
    } catch (err) {
      if (statusCode(err) !== 409) throw err;
    }
  }

  /**
   * Stops the machine's running services through their init scripts before its container stops or goes:
   * the container's end kills them otherwise (its init forwards SIGTERM only to its own child), and a
   * database in a volume would then recover from a crash at its next start. Best effort and bounded: a
   * service that does not stop in time is killed with the container, as before.
   */
  private async stopServicesCleanly(c: Docker.ContainerInfo, spec: MachineSpec | undefined, ctx: RunContext): Promise<void> {
    if (c.State !== 'running' || !ctx.stopServices) return;
    const names = spec ? servicesToStop(spec.resources) : (c.Labels[LABEL_STARTS_SERVICES] ?? '').split(',').filter(Boolean).reverse();
    if (names.length === 0) return;
    const machine = c.Labels[LABEL_MACHINE] ?? c.Id.slice(0, 12);
    const t0 = Date.now();
    try {
      const t = new DockerExecTransport(c.Id, { machine, ...this.engineOfExecs() });
      const r = await t.exec(ctx.stopServices(names), { timeoutMs: SERVICE_STOP_TIMEOUT_MS, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      const failed = r.stderr.trim();
      ctx.emit({ type: 'log', runId: ctx.runId, machine, stream: failed ? 'warn' : 'info', text: `${machine}: ${failed ? `${failed.replace(/\n/g, '; ')}; ` : ''}services stopped before the container: ${names.join(', ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)` });
    } catch (err) {
      ctx.emit({ type: 'log', runId: ctx.runId, machine, stream: 'warn', text: `${machine}: services not stopped cleanly (${(err as Error).message}); the container stops them` });
    }
  }

  async stop(profile: Profile, machines: MachineSpec[], ctx: RunContext): Promise<void> {
    const names = new Set(machines.map((m) => m.name));
    const containers = (await this.listProfile(profile.name)).filter((c) => names.has(c.Labels[LABEL_MACHINE] ?? ''));
    await this.stopContainers(containers, ctx, machines);
    await this.syncForwards(profile.name, ctx, coversWholeProfile(profile, machines.filter((m) => m.docker)));
  }

  /** Stops all running containers of a profile by its name alone (for `use`, without the profile file). */
  async stopProfileByName(name: string, ctx: RunContext): Promise<void> {
    await this.stopContainers(await this.listProfile(name), ctx);
    await this.syncForwards(name, ctx, true);
  }

  private async stopContainers(containers: Docker.ContainerInfo[], ctx: RunContext, machines: MachineSpec[] = []): Promise<void> {
    const running = containers.filter((c) => c.State === 'running' || c.State === 'paused' || c.State === 'restarting');
    const failures: Error[] = [];
    await Promise.all(
      running.map(async (c) => {
        const machine = c.Labels[LABEL_MACHINE] ?? c.Id.slice(0, 12);
        emitMachine(ctx, machine, 'stop', 'start');
        try {
          await this.stopServicesCleanly(c, machines.find((m) => m.name === machine), ctx);
          await this.docker.getContainer(c.Id).stop({ t: this.stopTimeout });
          emitMachine(ctx, machine, 'stop', 'done', 'stopped', undefined, 'stopped');
        } catch (err) {
          if (statusCode(err) === 304 || statusCode(err) === 404) {
            emitMachine(ctx, machine, 'stop', 'done', 'already stopped', undefined, 'stopped');
            return;
          }
          const e = this.wrap(err);
          failures.push(e);
          emitMachine(ctx, machine, 'stop', 'failed', undefined, e);
        }
      }),
    );
    if (failures.length) throw failures[0];
  }

  async destroy(profile: Profile, machines: MachineSpec[], opts: { volumes: boolean }, ctx: RunContext): Promise<void> {
    const names = new Set(machines.map((m) => m.name));
    const all = await this.listProfile(profile.name);
    const isFull = coversWholeProfile(profile, machines);
    // Destroying the whole profile takes its orphans too, so that nothing labelled with it is left.
    const doomed = all.filter((c) => names.has(c.Labels[LABEL_MACHINE] ?? '') || isFull);
    const failures: Error[] = [];
    await Promise.all(
      doomed.map(async (c) => {
        const machine = c.Labels[LABEL_MACHINE] ?? c.Id.slice(0, 12);
        emitMachine(ctx, machine, 'remove', 'start');
        try {
          const spec = machines.find((m) => m.name === machine);
          // Only where something of the machine outlives its container (a kept volume, a bind mount).
          if (spec?.docker && keepsData(spec.docker, opts.volumes)) await this.stopServicesCleanly(c, spec, ctx);
          await removeContainer(this.docker, c.Id);
          emitMachine(ctx, machine, 'remove', 'done', 'removed', undefined, 'not-created');
        } catch (err) {
          const e = this.wrap(err);
          failures.push(e);
          emitMachine(ctx, machine, 'remove', 'failed', undefined, e);
        }
      }),
    );
    const remaining = await this.listProfile(profile.name);
    await this.syncForwards(profile.name, ctx, !remaining.some((c) => c.State === 'running'));
    const filters = { label: [profileFilter(profile.name)] };
    if (remaining.length === 0) {
      const nets = await this.docker.listNetworks({ filters });
      await Promise.all(nets.map((n) => this.docker.getNetwork(n.Id).remove().catch(ignore404)));
    }
    if (opts.volumes) {
      const named = new Set(
        machines.flatMap((m) => (m.docker ? m.docker.volumes.map(parseVolume).filter((v) => v.kind === 'volume') : [])).map((v) => volumeName(profile.name, v.source)),
      );
      const { Volumes } = await this.docker.listVolumes({ filters });
      const gone = (Volumes ?? []).filter((v) => remaining.length === 0 || named.has(v.Name));
      await Promise.all(
        gone.map((v) =>
          this.docker
            .getVolume(v.Name)
            .remove()
            .catch((err: unknown) => {
              // 409: still used by a machine that stays; it goes when that machine is destroyed.
              if (statusCode(err) !== 404 && statusCode(err) !== 409) throw err;
            }),
        ),
      );
    }
    if (failures.length) throw failures[0];
  }

  async openShell(profile: Profile, m: MachineSpec, size: { cols: number; rows: number }, cb: ShellCallbacks): Promise<ShellSession> {
    // Only this machine's container: no status of the profile's other machines.
    const [st] = await this.status(profile, [m]);
    if (st?.state !== 'running' || !st.containerId) {
      throw new DockerError(`Machine "${m.name}" is ${st?.state ?? 'unknown'}.`, { where: m.name, hint: `Set up the profile first: prodlike up ${profile.name}` });
    }
    return openDockerShell(this.docker, st.containerId, size, cb);
  }

  async status(profile: Profile, machines: MachineSpec[]): Promise<MachineStatus[]> {
    const containers = await this.listProfile(profile.name);
    const byMachine = groupByMachine(containers);
    const forwards = this.forwarding ? await (await import('./port-forward.js')).readForwardState(this.forwarding.dataDir, profile.name) : undefined;
    return machines.map((m) => {
      const c = currentContainer(byMachine.get(m.name) ?? [], containerName(profile.name, m.name));
      const target = m.docker?.image ?? '';
      if (!c) return { machine: m.name, provider: 'docker', state: 'not-created', target, ports: [] };
      const st: MachineStatus = { machine: m.name, provider: 'docker', state: containerState(c.State), target, ports: formatPorts(c.Ports), containerId: c.Id };
      const mine = forwards?.forwards.filter((f) => f.machine === m.name) ?? [];
      if (mine.length) st.forwarded = mine.map((f) => `${f.local} → ${f.remote} on ${this.address}`);
      return st;
    });
  }

  /**
   * One look at the engine for `use`: every running container (Prodlike's or not) with the host ports it
   * publishes, and the target profile's containers in any state (for planUp), from a single list call.
   */
  async snapshot(profile: string): Promise<EngineSnapshot> {
    const all = await this.call(() => this.docker.listContainers({ all: true }));
    const running = all
      .filter((c) => c.State === 'running')
      .map((c) => ({
        id: c.Id,
        name: c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12),
        labels: c.Labels ?? {},
        ports: (c.Ports ?? []).filter((p) => p.PublicPort).map((p) => ({ ip: p.IP ?? '0.0.0.0', port: p.PublicPort, proto: p.Type })),
      }));
    return { running, profileContainers: all.filter((c) => c.Labels?.[LABEL_PROFILE] === profile) };
  }

  /** Whether the engine runs on this machine, so that its published ports are this machine's ports. */
  get local(): boolean {
    return /^(unix|npipe):\/\/|^tcp:\/\/(127\.0\.0\.1|localhost)(:|\/|$)/.test(this.address);
  }

  /**
   * What `up` would do to each machine's container (create, start, keep, recreate and why), creating and
   * pulling nothing; an image that is not there yet makes an existing container "recreate".
   */
  async planUp(profile: Profile, machines: MachineSpec[], imageIds: Map<string, string | undefined>, seen?: EngineSnapshot): Promise<{ machine: string; action: 'create' | 'keep' | 'start' | 'recreate'; detail?: string }[]> {
    const byMachine = groupByMachine(seen?.profileContainers ?? (await this.listProfile(profile.name)));
    return machines.flatMap((m) => {
      if (!m.docker) return [];
      const current = currentContainer(byMachine.get(m.name) ?? [], containerName(profile.name, m.name));
      const imageId = imageIds.get(m.name);
      if (!current) return [{ machine: m.name, action: 'create' as const }];
      if (!imageId) return [{ machine: m.name, action: 'recreate' as const, detail: m.docker.build ? 'image will be built' : 'image will be pulled' }];
      const { operation: op } = planMachine([current], { machine: m.name, name: containerName(profile.name, m.name), ...configHash(normalizeDockerSpec(m.name, m.docker, imageId)) });
      const action = op.op === 'unpause' ? ('start' as const) : op.op;
      return [{ machine: m.name, action, ...(op.op === 'recreate' ? { detail: op.cause } : {}) }];
    });
  }

  /** Whether each machine's image can be had (see imageAvailability), one check per image. */
  async images(machines: MachineSpec[], timeoutMs: number): Promise<Map<string, ImageAvailability>> {
    await this.call(async () => undefined);
    const jobs = new Map<string, Promise<ImageAvailability>>();
    const out = new Map<string, ImageAvailability>();
    await Promise.all(
      machines.map(async (m) => {
        if (!m.docker) return;
        const key = `${m.docker.image}\0${m.docker.build?.context ?? ''}`;
        let job = jobs.get(key);
        if (!job) {
          job = imageAvailability(this.docker, m.docker, timeoutMs).catch((err: unknown) => {
            throw this.wrap(err);
          });
          jobs.set(key, job);
        }
        out.set(m.name, await job);
      }),
    );
    return out;
  }

  /** The engine's client, once it answered (for the cache and snapshots). */
  async client(): Promise<Docker> {
    await this.call(async () => undefined);
    return this.docker;
  }

  /** The profile's network, made when missing (a restored container joins it). */
  async network(profile: Profile): Promise<void> {
    await this.call(() => this.ensureNetwork(profile));
  }

  /** Every container of the profile, any state. */
  containersOf(profile: string): Promise<Docker.ContainerInfo[]> {
    return this.listProfile(profile);
  }

  // ----- snapshots (snapshot.ts): the profile's Docker machines only -----

  async snapshotCheck(profile: Profile, machines: MachineSpec[]): Promise<void> {
    // A container can always be committed (paused meanwhile); what its volumes hold, not always.
    await (await import('./snapshot.js')).snapshotCheck(this, { ...profile, machines }, 'saved');
  }

  async snapshotSave(profile: Profile, machines: MachineSpec[], name: string, log: (text: string) => void): Promise<SnapshotInfo | undefined> {
    return (await import('./snapshot.js')).snapshotSave(this, { ...profile, machines }, name, log);
  }

  async snapshotPrepareRestore(profile: Profile, machines: MachineSpec[], name: string, log: (text: string) => void, opts: RestoreOptions = {}): Promise<RestoreStep | undefined> {
    return (await import('./snapshot.js')).prepareRestore(this, { ...profile, machines }, name, log, opts);
  }

  async snapshotList(profile: Profile, machines: MachineSpec[]): Promise<SnapshotInfo[]> {
    return (await import('./snapshot.js')).snapshotList(this, { ...profile, machines });
  }

  async snapshotRemove(profile: Profile, machines: MachineSpec[], name: string): Promise<SnapshotInfo | undefined> {
    return (await import('./snapshot.js')).snapshotRemove(this, { ...profile, machines }, name);
  }

  async close(): Promise<void> {
    // The client is shared by the process; its keep-alive sockets are unref'd by the agent when idle.
    // An ssh:// engine's SSH connection would keep the process alive: closed (the next call reopens it).
    await this.ssh?.close();
  }

  /** One API call per profile: every container (any state) labelled with it. */
  private listProfile(profile: string): Promise<Docker.ContainerInfo[]> {
    return this.call(() => this.docker.listContainers({ all: true, filters: { label: [profileFilter(profile)] } }));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      await this.engine();
      return await fn();
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** The engine a machine's commands go to, and what its errors name (address, what chose it). */
  private engineOfExecs(): Pick<DockerExecTransportOptions, 'docker' | 'address' | 'source'> {
    return { docker: this.docker, address: this.address, ...(this.source ? { source: this.source } : {}) };
  }

  /** Pings once per provider; a failed ping is retried on the next call (the engine may have started). */
  private engine(): Promise<void> {
    if (this.unresolved) return Promise.reject(this.unresolved);
    this.pinged ??= pingDocker(this.docker, this.address, this.source).catch((err: unknown) => {
      this.pinged = undefined;
      throw err;
    });
    return this.pinged;
  }

  private wrap(err: unknown): Error {
    if (this.unresolved) return this.unresolved;
    if (err instanceof DockerError || err instanceof SshError) return err;
    if (isEngineUnreachable(err)) return engineUnreachableError(this.address, err, this.source);
    if (err instanceof Error) return err;
    return new Error(String(err));
  }


}

/** An error whose `machine … failed` event was already emitted (by the image phase). */
class ReportedError extends Error {
  constructor(readonly error: Error) {
    super(error.message);
  }
}

function groupByMachine(containers: Docker.ContainerInfo[]): Map<string, Docker.ContainerInfo[]> {
  const map = new Map<string, Docker.ContainerInfo[]>();
  for (const c of containers) {
    const machine = c.Labels[LABEL_MACHINE];
    if (!machine) continue;
    const list = map.get(machine) ?? [];
    list.push(c);
    map.set(machine, list);
  }
  return map;
}

function containerState(state: string): MachineState {
  if (state === 'running' || state === 'restarting') return 'running';
  if (state === 'exited' || state === 'created' || state === 'paused' || state === 'dead') return 'stopped';
  return 'unknown';
}

/** "127.0.0.1:8080->80/tcp"; the engine lists a 0.0.0.0 binding twice (IPv4 and IPv6), shown once. */
function formatPorts(ports: Docker.Port[]): string[] {
  const out = new Set<string>();
  for (const p of ports) {
    if (!p.PublicPort) continue;
    const ip = p.IP?.includes(':') ? `[${p.IP}]` : (p.IP ?? '0.0.0.0');
    if (ip === '[::]' && ports.some((q) => q.IP === '0.0.0.0' && q.PublicPort === p.PublicPort && q.PrivatePort === p.PrivatePort)) continue;
    out.add(`${ip}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`);
  }
  return [...out].sort();
}

/** Whether `machines` are all the profile's Docker machines: only then are orphans known. */
function coversWholeProfile(profile: Profile, machines: MachineSpec[]): boolean {
  return profile.machines.every((m) => !m.docker || machines.some((x) => x.name === m.name));
}

function ignore404(err: unknown): void {
  if (statusCode(err) !== 404) throw err;
}

/** Whether an image is no longer on the engine (removed since it was listed). */
async function imageGone(docker: Docker, ref: string): Promise<boolean> {
  return docker
    .getImage(ref)
    .inspect()
    .then(
      () => false,
      (err: unknown) => statusCode(err) === 404,
    );
}
