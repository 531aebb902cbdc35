// The engine's facade: profiles, runs (with locking, events and history), settings, host keys.
// The CLI, Electron's main process and the browser-mode server all go through it.

import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { CacheEntryInfo, CacheListing, CachePruneRequest, CachePruneResult, DockerEngineInfo, ProfileDetail, ProfileSummary, Settings, StartRunRequest, TrustedHostKey } from '../../shared/api.js';
import type { DoctorCheck, DoctorFixResult, DoctorReport } from '../../shared/doctor.js';
import type { EventSink, RunEvent } from '../../shared/events.js';
import type { Profile } from '../../shared/profile.js';
import { isDrift, WRITING_RUNS, type DriftReport, type ErrorInfo, type MachineResult, type MachineStatus, type ProfileStatus, type RunRecord, type RunResult, type RunSummary } from '../../shared/report.js';
import type { UsePlan } from '../../shared/use-plan.js';
import type { EngineApi, StartedRun } from './engine-api.js';
import type { DoctorOptions, FixOptions } from './doctor/index.js';
import type { ShellCallbacks, ShellSession } from './backends/shell.js';
import { ProdlikeError, RefusedError, toErrorInfo } from './errors.js';
import { listProfiles, loadProfile, resolveProfileArg } from './profile/index.js';
import type { RunContext } from './backends/backend.js';
import { createProviders, statusAll, type ProviderSet } from './runner/backends.js';
import { runDestroy, runDown, runPlan, runUp, runUpOnly } from './runner/operations.js';
import { planDifferences } from './runner/plan-check.js';
import { preflightUse } from './runner/preflight.js';
import { runUse, type UseOptions } from './runner/use.js';
import { runDriftOrBaseline } from './runner/drift-run.js';
import { guardProductionHosts, productionMachines } from './runner/production-guard.js';
import { riskHash, riskySettings, type RiskySetting } from './profile/risky-settings.js';
import { allowedHash, allowProfile } from './state/allowed.js';
import { redactor, secretsOf, type Redact } from './secrets.js';
import { secretBearingValues } from './cache/secret-bearing.js';
import { APT_LISTS_MAX_AGE_S, aptListsMaxAgeMs } from './cache/apt-lists-age.js';
import { STACK_MIN_BYTES, STACK_MIN_MB, noCacheSet, stackMinBytes } from './cache/cache-env.js';
import type { SnapshotInfo } from './backends/backend.js';
import { AppState } from './state/engine-state.js';
import { defaultDataDir } from './state/data-dir.js';
import { lockProfile } from './state/profile-lock.js';
import { StatusWatch } from './status-watch.js';
import { RunHistoryStore, RunRecorder } from './state/run-history.js';
import type { RunDetail } from '../../shared/history.js';
import type { AdoptPreview, AdoptRequest, AdoptResult } from '../../shared/adopt.js';
import type { AdoptWrite } from './runner/adopt-run.js';
import { writeFileAtomic } from './state/atomic-file.js';
import { cacheEntryName } from '../../shared/cache-words.js';
import { GB } from '../../shared/bytes.js';
import { namedKeys } from './cache/cache-named.js';
import { promises as fs } from 'node:fs';
import type { MachineStateChange } from '../../shared/machines-live.js';

export interface EngineOptions {
  dataDir?: string;
  /** Folders to find profiles in; the settings' folders are added. Default: ./profiles and the bundled ones. */
  profileFolders?: string[];
  env?: NodeJS.ProcessEnv;
  /** Wait this long for another run of the same profile to finish, instead of refusing at once. */
  lockWaitMs?: number;
  /** Put stacks into errors (CLI --debug). */
  debug?: boolean;
  /** Allow writing to hosts listed in a production baseline (--i-know-this-is-production). */
  allowProductionHosts?: boolean;
  /** Where relative profile paths and ./profiles are found; default process.cwd() (the agent runs for many folders). */
  cwd?: string;
  /**
   * Machine backends shared with other engines, by connection settings (the agent keeps its Docker client
   * and SSH connections warm between commands). The engine uses them and never closes them.
   */
  sharedProviders?: Map<string, ProviderSet>;
  /**
   * Remote (ssh://) Docker engines: the command of the background process that keeps published ports
   * forwarded after this process ends (the CLI passes itself with `__forward`); unset: in this process.
   */
  forwarderCommand?: string[];
}


export class Engine implements EngineApi {
  readonly dataDir: string;
  readonly state: AppState;
  private providersFor?: { key: string; set: ProviderSet };
  private readonly retired: ProviderSet[] = [];
  /** Provider sets of profiles with an engine of their own, by engine. */
  private readonly profileEngines = new Map<string, ProviderSet>();
  private readonly running = new Map<string, AbortController>();
  private readonly listeners = new Set<EventSink>();
  private readonly doneListeners = new Set<(runId: string) => void>();
  private statusWatch?: StatusWatch;
  /** Runs going now, collecting their history detail. */
  private readonly recorders = new Map<string, RunRecorder>();
  private readonly runStore: RunHistoryStore;
  /** Adopt previews waiting for their confirm (a few minutes), by id. */
  private readonly adoptions = new Map<string, { writes: AdoptWrite[]; expires: number }>();
  /** Engines of other callers' runs that are part of this one (forCaller): the app serving as the agent. */
  private readonly callers = new Set<Engine>();

  constructor(private readonly opts: EngineOptions = {}) {
    this.dataDir = opts.dataDir ?? defaultDataDir(opts.env);
    this.state = new AppState(this.dataDir);
    this.runStore = new RunHistoryStore(this.dataDir);
  }

  /**
   * An engine for one caller's run with that caller's folder, environment and flags (a terminal's
   * `prodlike up` in the app serving as the agent), that is part of this one: its runs are in this
   * engine's event stream, active runs, run details and cancel. Same data folder (locks, history).
   * Closing it (after its run) detaches it.
   */
  forCaller(o: Pick<EngineOptions, 'env' | 'cwd' | 'lockWaitMs' | 'debug' | 'allowProductionHosts' | 'sharedProviders'>): Engine {
    const child = new Engine({ ...o, dataDir: this.dataDir });
    child.subscribe((e) => {
      for (const l of this.listeners) l(e);
    });
    child.subscribeRunsDone((runId) => {
      for (const l of this.doneListeners) l(runId);
    });
    this.callers.add(child);
    child.detach = () => this.callers.delete(child);
    return child;
  }

  private detach?: () => void;

  /** One run in full: from memory while it runs, else from the history. */
  async runDetail(runId: string): Promise<RunDetail> {
    const live = this.recorders.get(runId) ?? [...this.callers].map((c) => c.recorders.get(runId)).find((r) => r !== undefined);
    if (live) return live.detail(true);
    const kept = await this.runStore.get(runId);
    if (!kept) throw new ProdlikeError(`No run ${runId} in the history.`, { hint: 'The history keeps the newest runs; `prodlike history` lists them.' });
    return kept;
  }

  /** Adopt into profile, step one: what taking the machine's value would write (nothing is written). */
  async adoptPreview(req: AdoptRequest): Promise<AdoptPreview> {
    const profile = await this.loadProfile(req.file);
    const { prepareAdopt, unifiedDiff } = await import('./runner/adopt-run.js');
    const prepared = await prepareAdopt(await this.providers(profile), profile, req);
    const now = Date.now();
    for (const [id, a] of this.adoptions) if (a.expires < now) this.adoptions.delete(id);
    const adoptId = randomUUID();
    this.adoptions.set(adoptId, { writes: prepared.writes, expires: now + ADOPT_TTL_MS });
    return { adoptId, summary: prepared.summary, files: prepared.writes.map((w) => ({ path: w.path, diff: unifiedDiff(w) })) };
  }

  /** Step two: writes exactly the preview, refusing if a file changed since it was made. */
  async adoptApply(adoptId: string): Promise<AdoptResult> {
    const a = this.adoptions.get(adoptId);
    if (!a || a.expires < Date.now()) throw new ProdlikeError('This adopt preview has expired or was already used.', { hint: 'Adopt again to see a fresh preview.' });
    for (const w of a.writes) {
      const now = await fs.readFile(w.path, 'utf8').catch(() => undefined);
      if (now !== w.before) throw new ProdlikeError(`${w.path} changed since the preview, so nothing was written`, { hint: 'Adopt again to see a fresh preview.' });
    }
    this.adoptions.delete(adoptId);
    for (const w of a.writes) {
      const mode = (await fs.stat(w.path)).mode & 0o777;
      await writeFileAtomic(w.path, w.after, mode);
    }
    return { written: a.writes.map((w) => w.path) };
  }

  /** A running Docker machine's container, or an error that says why there is none. */
  private async containerOf(file: string, machine: string): Promise<{ profile: Profile; id: string; docker: import('dockerode') }> {
    const profile = await this.loadProfile(file);
    const m = profile.machines.find((x) => x.name === machine);
    if (!m) throw new ProdlikeError(`No machine "${machine}" in profile ${profile.name}.`, { where: profile.file });
    if (!m.docker) throw new ProdlikeError(`Machine "${machine}" is ${m.ssh ? 'an SSH host' : 'a VM'}: container logs and restart are for Docker machines.`, { hint: m.ssh ? 'restart it on the host itself' : 'stop and start the profile' });
    const provider = await (await this.providers(profile)).docker();
    const [st] = await provider.status(profile, [m]);
    if (!st?.containerId) throw new ProdlikeError(`Machine "${machine}" has no container yet.`, { hint: 'Set up the profile first.' });
    return { profile, id: st.containerId, docker: await provider.client() };
  }

  /** Container logs: the last `tail` lines, then (follow) new ones through `onLines` until stopped. */
  async machineLogs(file: string, machine: string, opts: { follow: boolean; tail: number }, onLines: (lines: string[]) => void, onEnd: (err?: Error) => void): Promise<{ lines: string[]; stop(): void }> {
    const { profile, id, docker } = await this.containerOf(file, machine);
    const { containerLogs } = await import('./backends/docker/logs.js');
    const redact = redactor(secretsOf(profile));
    const r = await containerLogs(docker, id, opts, (lines) => onLines(redact(lines)), onEnd);
    return { lines: redact(r.lines), stop: () => r.follow?.stop() };
  }

  /** Restarts a Docker machine's container; returns its status after. */
  async restartMachine(file: string, machine: string): Promise<MachineStatus> {
    const { profile, id, docker } = await this.containerOf(file, machine);
    await docker.getContainer(id).restart({ t: 10 });
    const m = profile.machines.find((x) => x.name === machine)!;
    const [st] = await (await (await this.providers(profile)).docker()).status(profile, [m]);
    return st!;
  }

  /** The runs going now. */
  activeRuns(): RunRecord[] {
    return [this, ...this.callers].flatMap((e) => [...e.recorders.values()].map((r) => r.detail(true).record));
  }

  private liveStatus(): StatusWatch {
    this.statusWatch ??= new StatusWatch({
      docker: async () => (await (await this.providers()).docker()).client(),
      loadProfile: (file) => this.loadProfile(file),
    });
    return this.statusWatch;
  }

  /** Machine state changes as they happen (Docker events; SSH checks of watched profiles). */
  subscribeMachines(listener: (change: MachineStateChange) => void): () => void {
    return this.liveStatus().subscribe(listener);
  }

  /** The profile on screen: its status now, and its SSH machines checked until the lease ends. */
  async watchStatus(file: string, watchId?: string): Promise<{ watchId: string; status: ProfileStatus }> {
    const profile = await this.loadProfile(file);
    const [id, status] = await Promise.all([this.liveStatus().watch(profile.file, watchId), this.statusOf(profile)]);
    return { watchId: id, status };
  }

  unwatchStatus(watchId: string): void {
    this.liveStatus().unwatch(watchId);
  }

  /** Every event of every run, for hosts that fan them out (IPC, server-sent events). */
  /** Called once a run has ended and is recorded (its profile's status then shows its result). */
  subscribeRunsDone(listener: (runId: string) => void): () => void {
    this.doneListeners.add(listener);
    return () => this.doneListeners.delete(listener);
  }

  subscribe(listener: EventSink): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async profileFolders(): Promise<string[]> {
    const settings = await this.state.settings();
    const base = this.opts.profileFolders ?? [path.resolve(this.opts.cwd ?? process.cwd(), 'profiles')];
    return [...new Set([...base, ...settings.profileFolders].map((f) => path.resolve(f)))];
  }

  async listProfiles(): Promise<ProfileSummary[]> {
    return listProfiles(await this.profileFolders(), { env: this.opts.env ?? process.env });
  }

  async loadProfile(fileOrName: string): Promise<Profile> {
    const file = resolveProfileArg(fileOrName, { cwd: this.opts.cwd ?? process.cwd(), folders: await this.profileFolders() });
    return loadProfile(file, { env: this.opts.env ?? process.env });
  }

  /** For the app: secret values are masked, the profile is for showing, not for running. */
  async getProfile(file: string): Promise<ProfileDetail> {
    const profile = await this.loadProfile(file);
    const redact = redactor(secretsOf(profile));
    return { profile: redact(profile), status: await this.statusOf(profile) };
  }

  async status(file: string): Promise<ProfileStatus> {
    return this.statusOf(await this.loadProfile(file));
  }

  async statusOf(profile: Profile): Promise<ProfileStatus> {
    const [machines, active, lastRun, lastFailure] = await Promise.all([statusAll(await this.providers(profile), profile), this.state.activeProfile(), this.state.lastRun(profile.file), this.state.lastFailure(profile.file)]);
    const st: ProfileStatus = { profile: profile.name, file: profile.file, role: profile.role, active: active?.file === profile.file, machines };
    if (lastRun) st.lastRun = lastRun;
    if (lastFailure) st.lastFailure = lastFailure;
    return st;
  }

  start(req: StartRunRequest, emit?: EventSink): StartedRun {
    const runId = randomUUID().slice(0, 8);
    const controller = new AbortController();
    this.running.set(runId, controller);
    const sink: EventSink = (e) => {
      emit?.(e);
      for (const l of this.listeners) l(e);
    };
    const done = this.execute(runId, req, sink, controller.signal).finally(() => {
      this.running.delete(runId);
      this.recorders.delete(runId);
      // After the run is in the history: a status read now sees its result.
      for (const l of this.doneListeners) l(runId);
    });
    return { runId, done };
  }

  cancel(runId: string): boolean {
    const c = this.running.get(runId);
    if (!c) return [...this.callers].some((e) => e.cancel(runId));
    c.abort();
    return true;
  }

  /** What `use` would stop and start, and the problems that would stop it (`use --plan`, the app's dialog). */
  async planUse(file: string): Promise<UsePlan> {
    const profile = await this.loadProfile(file);
    const active = await this.state.activeProfile();
    // The refusals first: a plan connects to the target's SSH hosts, and never to a production one.
    const refusals: UsePlan['problems'] = [];
    const refused = (err: unknown) => refusals.push({ kind: 'profile', message: (err as Error).message, ...((err as ProdlikeError).hint ? { hint: (err as ProdlikeError).hint! } : {}) });
    let connectGuard: RunContext['connectGuard'];
    try {
      connectGuard = await guardProductionHosts(profile, { dataDir: this.dataDir, folders: await this.profileFolders(), allowProductionHosts: !!this.opts.allowProductionHosts });
    } catch (err) {
      refused(err);
    }
    await this.refuseUnallowedSettings(profile).catch(refused);
    const { plan } = refusals.length && !connectGuard
      ? await preflightUse(await this.providers(profile), { ...profile, machines: profile.machines.filter((m) => !m.ssh) }, active ? { active } : {})
      : await preflightUse(await this.providers(profile), profile, active ? { active } : {});
    plan.problems.unshift(...refusals);
    return redactor(secretsOf(profile))(plan);
  }

  /** How a switch loads and locks the profiles it rolls back to: as a run of their own would. */
  private useOptions(runId: string, rollback: boolean, active: { name: string; file: string } | undefined): UseOptions {
    return {
      rollback,
      ...(active ? { active } : {}),
      load: async (file) => {
        const profile = await loadProfile(file, { env: this.opts.env ?? process.env });
        // The file may have changed since that profile was brought up: the same refusals as its own up.
        if (profile.role === 'production') throw new RefusedError(`profile ${profile.name} has role: production, and Prodlike never writes to production`, { where: profile.file });
        const connectGuard = await guardProductionHosts(profile, { dataDir: this.dataDir, folders: await this.profileFolders(), allowProductionHosts: !!this.opts.allowProductionHosts });
        await this.refuseUnallowedSettings(profile);
        return { profile, redact: redactor(secretsOf(profile)), connectGuard };
      },
      lock: async (name) => (await lockProfile(this.dataDir, name, { runId, kind: 'up' }, { waitMs: this.opts.lockWaitMs ?? 0 })).release,
    };
  }

  private async execute(runId: string, req: StartRunRequest, rawEmit: EventSink, signal: AbortSignal): Promise<RunResult | DriftReport> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    let redact: Redact = (v) => v;
    const recorder = new RunRecorder({ runId, kind: req.kind, profile: req.file, profileFile: req.file, ok: false, startedAt, durationMs: 0, summary: { ok: 0, changed: 0, pending: 0, failed: 0 } });
    this.recorders.set(runId, recorder);
    // The history sees what every front end sees: events after the redactor.
    const emit: EventSink = (e) => {
      const masked = redact(e);
      recorder.add(masked);
      rawEmit(masked);
    };
    const ctx: RunContext = { runId, emit, signal };
    let profile: Profile | undefined;
    let release: (() => Promise<void>) | undefined;
    const end = (machines: MachineResult[], error?: ErrorInfo): RunResult => {
      const summary = summarize(machines);
      const ok = !error && summary.failed === 0 && !machines.some((m) => m.status === 'failed');
      const result: RunResult = { runId, kind: req.kind, profile: profile?.name ?? req.file, profileFile: profile?.file ?? req.file, ok, startedAt, durationMs: Date.now() - started, machines, summary };
      if (error) result.error = error;
      emit({ type: 'run-end', runId, kind: req.kind, profile: result.profile, ok, summary, durationMs: result.durationMs, ...(error ? { error } : {}) });
      return redact(result);
    };
    try {
      profile = await this.loadProfile(req.file);
      redact = redactor(secretsOf(profile));
      emit({ type: 'run-start', runId, kind: req.kind, profile: profile.name, profileFile: profile.file, machines: profile.machines.map((m) => m.name), at: startedAt });
      if (WRITING_RUNS.has(req.kind) && profile.role === 'production') {
        throw new RefusedError(`profile ${profile.name} has role: production, and Prodlike never writes to production`, {
          where: profile.file,
          hint: `\`prodlike capture ${path.relative(process.cwd(), profile.file)} --out baselines/production.yaml\` takes a read-only baseline; \`prodlike drift <local profile> --against <baseline>\` compares with it`,
        });
      }
      if (WRITING_RUNS.has(req.kind)) {
        const warn = (text: string) => emit({ type: 'log', runId, stream: 'warn', text });
        ctx.connectGuard = await guardProductionHosts(profile, {
          dataDir: this.dataDir,
          folders: await this.profileFolders(),
          allowProductionHosts: !!this.opts.allowProductionHosts,
          warn,
          env: this.opts.env ?? process.env,
          ...(req.baseline ? { baselineFile: req.baseline } : {}),
        });
      }
      if ((req.only || req.planId) && req.kind !== 'up') {
        throw new ProdlikeError(`only and planId are for up runs, not ${req.kind}`, { hint: 'to put one drift finding right, start an up run with only: [{ machine, resource }]' });
      }
      if (req.kind === 'up' || req.kind === 'use' || req.kind === 'bake') await this.refuseUnallowedSettings(profile);
      if (req.kind === 'plan' || req.kind === 'drift') {
        ctx.productionMachines = await productionMachines(profile, { dataDir: this.dataDir, folders: await this.profileFolders(), env: this.opts.env ?? process.env });
      }
      if (req.kind !== 'plan' && req.kind !== 'drift' && req.kind !== 'capture') {
        const lock = await lockProfile(this.dataDir, profile.name, { runId, kind: req.kind }, { waitMs: this.opts.lockWaitMs ?? 0 });
        release = lock.release;
      }
      if (req.kind === 'drift' || req.kind === 'capture' || req.kind === 'reconcile') {
        const report = await runDriftOrBaseline(req, profile, ctx, { providers: await this.providers(profile), allowProductionHosts: !!this.opts.allowProductionHosts, dataDir: this.dataDir });
        if ('findings' in report) {
          // A drift run "succeeds" when every machine was checked; what it found is the report.
          const drifted = report.findings.filter((f) => isDrift(f.status)).length;
          const summary: RunSummary = { ok: report.findings.length - drifted, changed: 0, pending: drifted, failed: report.errors.length };
          const ok = report.errors.length === 0;
          await this.state.saveDrift(redact(report));
          await this.record(runId, req, profile, startedAt, started, ok, summary, drifted);
          emit({ type: 'run-end', runId, kind: req.kind, profile: profile.name, ok, summary, durationMs: report.durationMs });
          return redact(report);
        }
        const result = end(report.machines);
        await this.record(runId, req, profile, startedAt, started, result.ok, result.summary, undefined, result.error ?? firstFailure(result.machines));
        return result;
      }
      if (req.kind === 'up' || req.kind === 'use') {
        // PRODLIKE_NO_CACHE=1 (not empty, 0 or false) turns the cache off for a whole process (test suites that are not about it);
        // PRODLIKE_CACHE_STACK_MIN_MB sets the smallest saved layer a machine carries on over, and
        // PRODLIKE_APT_LISTS_MAX_AGE how long apt's kept lists are used, in seconds (docs/cache.md).
        const env = this.opts.env ?? process.env;
        const enabled = !req.noCache && !noCacheSet(env.PRODLIKE_NO_CACHE);
        // A value that is not a number is said, and the default used.
        const orDefault = (name: string, value: number | undefined, fallback: number, says: string): number => {
          if (value !== undefined) return value;
          emit({ type: 'log', runId, stream: 'warn', text: `${name}=${env[name]} ${says}` });
          return fallback;
        };
        const stackMin = orDefault('PRODLIKE_CACHE_STACK_MIN_MB', stackMinBytes(env.PRODLIKE_CACHE_STACK_MIN_MB), STACK_MIN_BYTES, `is not a number of MB (0 or more): layers of ${STACK_MIN_MB} MB or more are carried on over`);
        const listsMaxAgeMs = orDefault('PRODLIKE_APT_LISTS_MAX_AGE', aptListsMaxAgeMs(env.PRODLIKE_APT_LISTS_MAX_AGE), APT_LISTS_MAX_AGE_S * 1000, `is not a number of seconds (0 or more): apt lists are kept for ${APT_LISTS_MAX_AGE_S} s`);
        ctx.cache = {
          enabled,
          secrets: secretBearingValues(profile),
          ...(enabled && listsMaxAgeMs > 0 ? { aptLists: { dir: this.aptListsDir(), maxAgeMs: listsMaxAgeMs } } : {}),
          ...(profile.cache?.from ? { from: profile.cache.from } : {}),
          stackMinBytes: stackMin,
        };
      }
      let machines: MachineResult[] = [];
      let runError: ErrorInfo | undefined;
      switch (req.kind) {
        case 'bake': {
          const { runBake } = await import('./runner/bake.js');
          machines = await runBake(await this.providers(profile), profile, ctx, { secrets: secretBearingValues(profile), ...(req.push ? { push: req.push } : {}) });
          break;
        }
        case 'up':
          if (req.planId) await this.checkPlan(req.planId, profile, ctx, redact);
          if (req.only) {
            // One resource put right is not a switch to this profile, nor a state worth caching.
            delete ctx.cache;
            machines = await runUpOnly(await this.providers(profile), profile, req.only, ctx);
            break;
          }
          machines = await runUp(await this.providers(profile), profile, ctx);
          await this.state.setActiveProfile({ name: profile.name, file: profile.file });
          break;
        case 'use': {
          const outcome = await runUse(await this.providers(profile), profile, ctx, this.useOptions(runId, !req.noRollback, await this.state.activeProfile()));
          machines = outcome.machines;
          // After a rollback the previous profile runs again (or was meant to), and stays the active one.
          if (!outcome.rollbackTried) await this.state.setActiveProfile({ name: profile.name, file: profile.file });
          if (outcome.error) runError = toErrorInfo(outcome.error);
          break;
        }
        case 'plan':
          machines = await runPlan(await this.providers(profile), profile, ctx);
          break;
        case 'down':
          machines = await runDown(await this.providers(profile), profile, ctx);
          break;
        case 'destroy':
          machines = await runDestroy(await this.providers(profile), profile, !!req.volumes, ctx);
          if ((await this.state.activeProfile())?.file === profile.file) await this.state.setActiveProfile(undefined);
          break;
      }
      if (ctx.cache?.saved || req.kind === 'bake') await this.keepCacheWithinCap(emit, runId);
      const result = end(machines, runError);
      await this.record(runId, req, profile, startedAt, started, result.ok, result.summary, undefined, result.error ?? firstFailure(result.machines));
      return result;
    } catch (err) {
      const error = toErrorInfo(err, this.opts.debug);
      if (!profile) emit({ type: 'run-start', runId, kind: req.kind, profile: req.file, profileFile: req.file, machines: [], at: startedAt });
      const result = end([], error);
      // A run refused or broken before it began is a run too: it stays in the history with its reason.
      const refused = !profile || err instanceof RefusedError;
      await this.record(runId, req, profile ?? { name: req.file, file: req.file }, startedAt, started, false, result.summary, undefined, result.error, refused).catch(() => undefined);
      return result;
    } finally {
      await release?.();
    }
  }

  /**
   * "Apply this plan": the machines are probed again (silently) and must look exactly as the plan saw
   * them; otherwise the run refuses before it changes anything, listing what differs.
   */
  private async checkPlan(planId: string, profile: Profile, ctx: RunContext, redact: Redact): Promise<void> {
    const plan = await this.runStore.get(planId);
    const again = `make a new plan and look at it: prodlike plan ${path.relative(process.cwd(), profile.file) || profile.file}`;
    if (!plan || plan.record.kind !== 'plan') throw new RefusedError(`there is no plan ${planId} in the history`, { hint: again });
    if (plan.record.profileFile !== profile.file) throw new RefusedError(`plan ${planId} is a plan of ${plan.record.profile} (${plan.record.profileFile}), not of ${profile.name}`, { hint: again });
    if (!plan.record.ok) throw new RefusedError(`plan ${planId} did not complete (${plan.record.error?.message ?? 'a machine could not be probed'}), so there is nothing to apply`, { hint: again });
    const probe = new RunRecorder({ ...plan.record, runId: ctx.runId });
    await runPlan(await this.providers(profile), profile, { runId: ctx.runId, emit: (e) => probe.add(redact(e)), ...(ctx.signal ? { signal: ctx.signal } : {}) });
    const now = probe.detail(false);
    const diffs = planDifferences(plan.resources, now.resources);
    for (const m of now.machineErrors) diffs.push(`machine ${m.machine}: ${m.error.message}`);
    if (diffs.length) {
      throw new RefusedError(`the machines changed since plan ${planId} was made, so it was not applied (nothing was changed): ${diffs.slice(0, 5).join('; ')}${diffs.length > 5 ? `; and ${diffs.length - 5} more` : ''}`, {
        hint: again,
        details: { differences: diffs },
      });
    }
    ctx.emit({ type: 'log', runId: ctx.runId, stream: 'info', text: `plan ${planId}: the machines are as the plan saw them; applying it` });
  }

  private async record(runId: string, req: StartRunRequest, profile: Pick<Profile, 'name' | 'file'>, startedAt: string, started: number, ok: boolean, summary: RunSummary, drifted?: number, error?: ErrorInfo, refused = false) {
    const rec: RunRecord = { runId, kind: req.kind, profile: profile.name, profileFile: profile.file, ok, startedAt, durationMs: Date.now() - started, summary };
    if (drifted !== undefined) rec.drifted = drifted;
    if (error) rec.error = error;
    await this.state.recordRun(rec, { last: !refused });
    const recorder = this.recorders.get(runId);
    if (recorder) {
      // Kept in full beside the list; a history that cannot be written must not fail the run.
      await this.runStore.save({ ...recorder.detail(false), record: rec }).catch(() => undefined);
    }
  }

  history(file?: string, limit?: number): Promise<RunRecord[]> {
    return this.state.history(file, limit);
  }

  lastDrift(file: string): Promise<DriftReport | null> {
    return this.state.lastDrift(file);
  }

  getSettings(): Promise<Settings> {
    return this.state.settings();
  }

  setSettings(patch: Partial<Settings>): Promise<Settings> {
    return this.state.setSettings(patch);
  }

  private async cacheClient() {
    const [docker, store] = await Promise.all([(await this.providers()).docker().then((p) => p.client()), import('./backends/docker/cache-store.js')]);
    return { docker, store };
  }

  /** After a run that saved states: the least recently used go until the cache fits its cap. */
  private async keepCacheWithinCap(emit: EventSink, runId: string): Promise<void> {
    try {
      const { docker, store } = await this.cacheClient();
      const { removed } = await store.enforceCap(docker, gb((await this.state.settings()).cacheMaxGb));
      if (removed.length) emit({ type: 'log', runId, stream: 'info', text: `cache: removed ${removed.length} least recently used state(s) to stay within the size cap` });
    } catch (err) {
      emit({ type: 'log', runId, stream: 'warn', text: `cache: could not apply the size cap: ${(err as Error).message}` });
    }
    try {
      const { removed } = await (await this.vmBases()).enforceCap(gb((await this.state.settings()).cacheMaxGb));
      if (removed.length) emit({ type: 'log', runId, stream: 'info', text: `cache: removed ${removed.length} least recently used VM base(s) to stay within the size cap` });
    } catch (err) {
      emit({ type: 'log', runId, stream: 'warn', text: `cache: could not apply the size cap to VM bases: ${(err as Error).message}` });
    }
  }

  /** Cached VM bases (backends/vm/vm-cache.ts): files in the data folder, no engine needed. */
  private async vmBases() {
    return (await (await this.providers()).vm()).bases;
  }

  async cacheList(): Promise<CacheListing> {
    const vmEntries = (await (await this.vmBases()).list()).map(publicVmEntry);
    const warnings: string[] = [];
    let entries: CacheEntryInfo[] = [];
    try {
      const { docker, store } = await this.cacheClient();
      const listed = await store.listCache(docker);
      // What a prune keeps whatever it is asked (the app's Remove all says how many before it removes).
      const used = await store.usedByContainers(docker, listed).catch((err: unknown) => {
        warnings.push(`which cached states containers use could not be read: ${(err as Error).message}`);
        return new Map<string, string>();
      });
      entries = listed.map((e) => {
        const why = used.get(e.id);
        return { ...publicEntry(e), ...(why ? { inUse: why } : {}) };
      });
    } catch (err) {
      // Without a Docker engine the VM bases are still listed, with why the containers' are not.
      if (vmEntries.length === 0) throw err;
      warnings.push(`cached container states not listed: ${(err as Error).message}`);
    }
    entries = [...entries, ...vmEntries];
    return { entries, totalBytes: entries.reduce((n, e) => n + e.sizeBytes, 0), capBytes: gb((await this.state.settings()).cacheMaxGb), ...(warnings.length ? { warnings } : {}) };
  }

  /** Where apt's package lists are kept between runs (backends/docker/apt-lists.ts). */
  private aptListsDir(): string {
    return path.join(this.dataDir, 'cache', 'apt-lists');
  }

  /**
   * The full keys of the states `keys` name (CachePruneRequest.keys), among the containers' and the VM
   * bases'; a key that names none, or several, is an error before anything is removed.
   */
  private async namedStates(keys: readonly string[]): Promise<Set<string>> {
    const all: { key: string; name: string }[] = (await (await this.vmBases()).list()).map((e) => ({ key: e.key, name: cacheEntryName(publicVmEntry(e)) }));
    let unlisted: string | undefined;
    try {
      const { docker, store } = await this.cacheClient();
      for (const e of await store.listCache(docker)) all.push({ key: e.key, name: cacheEntryName(publicEntry(e)) });
    } catch (err) {
      unlisted = (err as Error).message;
    }
    return namedKeys(keys, all, unlisted);
  }

  /**
   * Without options: what the size cap would evict. `all`: everything; `olderThanMs`: unused that long;
   * `keys`: the states named.
   */
  async cachePrune(req: CachePruneRequest): Promise<CachePruneResult> {
    const bases = await this.vmBases();
    const warnings: string[] = [];
    const named = req.keys ? await this.namedStates(req.keys) : undefined;
    // `all` / `olderThanMs` / `keys` choose the same entries among container states and VM bases; else the size cap.
    const byRequest = req.all || req.olderThanMs !== undefined || !!named;
    const now = Date.now();
    const chosen = (e: { key: string; lastUsed: string }) => (named ? named.has(e.key) : !!req.all || now - Date.parse(e.lastUsed) > req.olderThanMs!);
    const capBytes = async () => gb((await this.state.settings()).cacheMaxGb);
    let outcome: { removed: Parameters<typeof publicEntry>[0][]; kept: { entry: Parameters<typeof publicEntry>[0]; why: string }[] } = { removed: [], kept: [] };
    try {
      const { docker, store } = await this.cacheClient();
      if (byRequest) {
        const all = await store.listCache(docker);
        outcome = await store.removeEntries(docker, all.filter(chosen), all);
      } else {
        outcome = await store.enforceCap(docker, await capBytes());
      }
    } catch (err) {
      // Without a Docker engine the VM bases and apt's kept lists (files of this computer) are still
      // pruned, with why the containers' states were not; with neither there is nothing to do but say why.
      const aptLists = req.all && (await fs.readdir(this.aptListsDir()).catch(() => [])).length > 0;
      if ((await bases.list()).length === 0 && !aptLists) throw err;
      warnings.push(`cached container states not pruned: ${(err as Error).message}`);
    }
    let vmOutcome;
    if (byRequest) {
      const all = await bases.list();
      vmOutcome = await bases.remove(new Set(all.filter(chosen).map((e) => e.key)), all);
    } else {
      vmOutcome = await bases.enforceCap(await capBytes());
    }
    const removed = [...outcome.removed.map(publicEntry), ...vmOutcome.removed.map(publicVmEntry)];
    const aptListsBytes = req.all ? await (await import('./backends/docker/apt-lists.js')).removeAptLists(this.aptListsDir()) : 0;
    return {
      removed,
      ...(aptListsBytes ? { aptListsBytes } : {}),
      kept: [...outcome.kept.map((k) => ({ entry: publicEntry(k.entry), why: k.why })), ...vmOutcome.kept.map((k) => ({ entry: publicVmEntry(k.entry), why: k.why }))],
      freedBytes: removed.reduce((n, e) => n + e.sizeBytes, 0),
      ...(warnings.length ? { warnings } : {}),
    };
  }

  /** `snapshot save|restore|ls|rm`: under the profile's lock, like a run. */
  async snapshot(op: 'save' | 'restore' | 'ls' | 'rm', file: string, name: string | undefined, log: (text: string) => void = () => undefined): Promise<SnapshotInfo[]> {
    const profile = await this.loadProfile(file);
    if (op === 'restore' && profile.role === 'production') {
      throw new RefusedError(`profile ${profile.name} has role: production, and Prodlike never writes to production`, { where: profile.file });
    }
    const snap = await import('./runner/snapshot.js');
    const providers = await this.providers(profile);
    if (op === 'ls') return snap.snapshotList(providers, profile);
    const lock = await lockProfile(this.dataDir, profile.name, { runId: `snapshot-${op}`, kind: 'up' }, { waitMs: this.opts.lockWaitMs ?? 0 });
    try {
      const n = name ?? 'default';
      if (op === 'save') return [await snap.snapshotSave(providers, profile, n, log)];
      if (op === 'restore') return [await snap.snapshotRestore(providers, profile, n, log)];
      return [await snap.snapshotRemove(providers, profile, n)];
    } finally {
      await lock.release();
    }
  }

  /**
   * The Docker engine, in the docker CLI's order (backends/docker/engine-context.ts): the app's setting (an
   * address, or a context), DOCKER_HOST, DOCKER_CONTEXT, the CLI's current context, the default socket;
   * SSH machines (and ssh:// engines) without an identity of their own are offered the settings' default
   * identity. Providers are rebuilt when those settings change.
   */
  private async connectionSettings(profile?: Pick<Profile, 'engine'>): Promise<{ dockerHost: string; dockerContext: string; sshIdentity: string }> {
    const settings = await this.state.settings();
    const sshIdentity = expandHome(settings.sshIdentity);
    // A profile's own `engine:` comes before the app's setting.
    if (profile?.engine) return { dockerHost: profile.engine.host ?? '', dockerContext: profile.engine.context ?? '', sshIdentity };
    return { dockerHost: settings.dockerHost, dockerContext: settings.dockerHost ? '' : (settings.dockerContext ?? ''), sshIdentity };
  }

  /** Which Docker engine runs use now, and why (doctor and Settings show it). */
  async dockerEngine(): Promise<DockerEngineInfo> {
    const { dockerHost, dockerContext } = await this.connectionSettings();
    const { describeEngine } = await import('./backends/docker/engine-info.js');
    return describeEngine({ host: dockerHost, context: dockerContext }, this.opts.env ?? process.env);
  }

  /** The providers for a profile's runs: its own engine (`engine:`), else the app's. */
  private async providers(profile?: Pick<Profile, 'engine'>): Promise<ProviderSet> {
    if (profile?.engine) {
      const { dockerHost, dockerContext, sshIdentity } = await this.connectionSettings(profile);
      const env = this.opts.env ?? process.env;
      const key = JSON.stringify([dockerHost, dockerContext, sshIdentity]);
      let set = this.profileEngines.get(key);
      if (!set) {
        set = createProviders({ dataDir: this.dataDir, dockerHost, dockerContext, sshIdentity, env, ...(this.opts.forwarderCommand ? { forwarderCommand: this.opts.forwarderCommand } : {}) });
        this.profileEngines.set(key, set);
      }
      return set;
    }
    const { dockerHost, dockerContext, sshIdentity } = await this.connectionSettings();
    const env = this.opts.env ?? process.env;
    // The environment is part of the key: DOCKER_HOST/DOCKER_CONTEXT decide when the settings do not.
    const key = JSON.stringify([dockerHost, dockerContext, sshIdentity, env.DOCKER_HOST ?? '', env.DOCKER_CONTEXT ?? '']);
    const shared = this.opts.sharedProviders;
    if (shared) {
      let set = shared.get(key);
      if (!set) shared.set(key, (set = createProviders({ dataDir: this.dataDir, dockerHost, dockerContext, sshIdentity, env, ...(this.opts.forwarderCommand ? { forwarderCommand: this.opts.forwarderCommand } : {}) })));
      return set;
    }
    if (!this.providersFor || this.providersFor.key !== key) {
      // A run may still be using the old set: it is closed with the engine, not now.
      if (this.providersFor) this.retired.push(this.providersFor.set);
      this.providersFor = { key, set: createProviders({ dataDir: this.dataDir, dockerHost, dockerContext, sshIdentity, env, ...(this.opts.forwarderCommand ? { forwarderCommand: this.opts.forwarderCommand } : {}) }) };
    }
    return this.providersFor.set;
  }

  // host-keys.ts loads ssh2: only when host keys are asked for.
  private async hostKeys() {
    const { HostKeyStore, fetchHostKey } = await import('./backends/ssh/host-keys.js');
    return { store: HostKeyStore.inDataDir(this.dataDir), fetchHostKey };
  }

  /** The settings of a profile that hand this computer over (privileged, host bind mounts, …). */
  riskySettings(profile: Profile): RiskySetting[] {
    return riskySettings(profile, os.homedir());
  }

  /** `prodlike allow`: records that the user allows exactly these settings of this profile here. */
  async allowProfile(fileOrName: string): Promise<{ profile: string; file: string; settings: RiskySetting[] }> {
    const profile = await this.loadProfile(fileOrName);
    const settings = this.riskySettings(profile);
    if (settings.length) await allowProfile(this.dataDir, profile.file, riskHash(settings), settings.map((s) => `${s.machine}: ${s.setting}`));
    return { profile: profile.name, file: profile.file, settings };
  }

  /** Before anything is created: risky settings need the user's allow, for exactly these settings. */
  private async refuseUnallowedSettings(profile: Profile): Promise<void> {
    const settings = this.riskySettings(profile);
    if (settings.length === 0) return;
    const allowed = await allowedHash(this.dataDir, profile.file);
    if (allowed === riskHash(settings)) return;
    const list = settings.map((s) => `machine ${s.machine}: ${s.setting} (${s.why})`).join('; ');
    throw new RefusedError(
      `profile ${profile.name} asks for settings that hand this computer over, and ${allowed ? 'they changed since you allowed it' : 'it is not allowed on this computer'}: ${list}`,
      {
        where: settings[0]!.where ?? profile.file,
        hint: `if you trust this profile, allow it here: prodlike allow ${path.relative(process.cwd(), profile.file) || profile.file}`,
        details: { settings: settings.map((s) => ({ machine: s.machine, setting: s.setting })) },
      },
    );
  }

  async listHostKeys(): Promise<TrustedHostKey[]> {
    return (await this.hostKeys()).store.list();
  }

  async trustHostKey(host: string, port: number): Promise<TrustedHostKey> {
    const { store, fetchHostKey } = await this.hostKeys();
    const key = await fetchHostKey(host, port, 10_000);
    return store.trust(host, port, key.keyType, key.key);
  }

  async revokeHostKey(host: string, port: number): Promise<boolean> {
    return (await this.hostKeys()).store.revoke(host, port);
  }

  async openShell(file: string, machine: string, size: { cols: number; rows: number }, cb: ShellCallbacks): Promise<ShellSession> {
    const profile = await this.loadProfile(file);
    const m = profile.machines.find((x) => x.name === machine);
    if (!m) throw new ProdlikeError(`No machine "${machine}" in profile ${profile.name}.`, { where: profile.file });
    const { providerFor } = await import('./runner/backends.js');
    return (await providerFor(await this.providers(profile), m)).openShell(profile, m, size, cb);
  }

  private async doctorOptions(interactive: boolean): Promise<DoctorOptions> {
    const { dockerHost, dockerContext, sshIdentity } = await this.connectionSettings();
    return { env: this.opts.env ?? process.env, dataDir: this.dataDir, profileFolders: await this.profileFolders(), dockerHost, dockerContext, sshIdentity, interactive };
  }

  /** `interactive`: a person at a terminal could answer sudo's password prompt. */
  async doctor(interactive = false): Promise<DoctorReport> {
    const { checkMachine } = await import('./doctor/index.js');
    return checkMachine(await this.doctorOptions(interactive));
  }

  /** The checks, and the failing ones `doctorFix` would fix first (for "--fix without consent"). */
  async doctorPlan(interactive = false): Promise<{ report: DoctorReport; fixable: DoctorCheck[] }> {
    const { diagnose, fixable } = await import('./doctor/index.js');
    const { report, decided } = await diagnose(await this.doctorOptions(interactive));
    return { report, fixable: fixable(decided).map((d) => d.check) };
  }

  async doctorFix(opts: FixOptions, interactive = false): Promise<DoctorFixResult> {
    const { fixMachine } = await import('./doctor/index.js');
    return fixMachine(await this.doctorOptions(interactive), opts);
  }

  async close(): Promise<void> {
    this.detach?.();
    this.statusWatch?.close();
    for (const c of this.running.values()) c.abort();
    await Promise.all([this.providersFor?.set.close(), ...this.retired.map((s) => s.close()), ...[...this.profileEngines.values()].map((s) => s.close())]);
  }
}

// The size cap in GB as the settings say it: 10^9 bytes, the unit sizes are shown in (shared/bytes.ts).
const gb = (n: number) => Math.round(n * GB);
const ADOPT_TTL_MS = 10 * 60_000;

function publicEntry(e: { key: string; profile: string; machine: string; prefix: number; total: number; savedAt: string; lastUsed: string; sizeBytes: number }) {
  return { key: e.key, profile: e.profile, machine: e.machine, prefix: e.prefix, total: e.total, savedAt: e.savedAt, lastUsed: e.lastUsed, sizeBytes: e.sizeBytes };
}

function publicVmEntry(e: Parameters<typeof publicEntry>[0]): CacheEntryInfo {
  return { ...publicEntry(e), backend: 'vm' };
}

function expandHome(p: string): string {
  return p.replace(/^~(?=$|\/)/, os.homedir());
}

/** What a failed run's record says when the run itself has no error: its first machine or resource failure. */
function firstFailure(machines: MachineResult[]): ErrorInfo | undefined {
  for (const m of machines) {
    if (m.error) return m.error;
    const r = m.resources.find((x) => x.status === 'failed' && x.error);
    if (r?.error) return r.error;
  }
  return undefined;
}

export function summarize(machines: MachineResult[]): RunSummary {
  const s: RunSummary = { ok: 0, changed: 0, pending: 0, failed: 0 };
  for (const m of machines) {
    for (const r of m.resources) {
      if (r.status === 'ok') s.ok++;
      else if (r.status === 'changed') s.changed++;
      else if (r.status === 'pending') s.pending++;
      else if (r.status === 'failed') s.failed++;
      else if (r.status === 'skipped') s.skipped = (s.skipped ?? 0) + 1;
    }
    if (m.status === 'failed' && !m.resources.some((r) => r.status === 'failed')) s.failed++;
  }
  return s;
}

export type { RunEvent };
