// The engine's facade: what the CLI, Electron's main process and the browser-mode server call.
// Implemented by Engine (engine.ts). Node only; never imports electron.

import type { CacheListing, CachePruneRequest, CachePruneResult, DockerEngineInfo, ProfileDetail, ProfileSummary, Settings, StartRunRequest, TrustedHostKey } from '../../shared/api.js';
import type { DoctorFixResult, DoctorReport } from '../../shared/doctor.js';
import type { EventSink } from '../../shared/events.js';
import type { Profile } from '../../shared/profile.js';
import type { DriftReport, MachineStatus, ProfileStatus, RunRecord, RunResult } from '../../shared/report.js';
import type { FixOptions } from './doctor/index.js';
import type { UsePlan } from '../../shared/use-plan.js';
import type { ShellCallbacks, ShellSession } from './backends/shell.js';
import type { RunDetail } from '../../shared/history.js';
import type { AdoptPreview, AdoptRequest, AdoptResult } from '../../shared/adopt.js';
import type { MachineStateChange } from '../../shared/machines-live.js';

export interface StartedRun {
  runId: string;
  /** Settles when the run ends; never rejects (failures are in the result, `ok: false`). */
  done: Promise<RunResult | DriftReport>;
}

export interface EngineApi {
  /** Profiles in the profile folders; one that does not load is listed with its error. */
  listProfiles(): Promise<ProfileSummary[]>;
  /** A path, or a bare name looked up in the profile folders. Throws ProfileError (file:line:col). */
  loadProfile(fileOrName: string): Promise<Profile>;
  getProfile(file: string): Promise<ProfileDetail>;
  status(file: string): Promise<ProfileStatus>;
  /** What `use` would stop and start, and the preflight's problems; changes nothing. */
  planUse(file: string): Promise<UsePlan>;
  /** Starts a run; events go to `emit` (and to the engine's own subscribers). */
  start(req: StartRunRequest, emit?: EventSink): StartedRun;
  cancel(runId: string): boolean;
  history(file?: string, limit?: number): Promise<RunRecord[]>;
  lastDrift(file: string): Promise<DriftReport | null>;
  getSettings(): Promise<Settings>;
  setSettings(patch: Partial<Settings>): Promise<Settings>;
  /** The environment cache: cached machine states on the Docker engine. */
  cacheList(): Promise<CacheListing>;
  cachePrune(req: CachePruneRequest): Promise<CachePruneResult>;
  listHostKeys(): Promise<TrustedHostKey[]>;
  /** Connects, reads the host key and trusts it (never silently: the caller shows the fingerprint). */
  trustHostKey(host: string, port: number): Promise<TrustedHostKey>;
  revokeHostKey(host: string, port: number): Promise<boolean>;
  /** An interactive shell on a running machine (docker exec with a TTY, or an SSH shell channel). */
  openShell(file: string, machine: string, size: { cols: number; rows: number }, cb: ShellCallbacks): Promise<ShellSession>;
  /** Every event of every run, whoever started it (tray, window, another tab). */
  subscribe(listener: EventSink): () => void;
  /** Called once a run has ended and is recorded in the history. */
  subscribeRunsDone(listener: (runId: string) => void): () => void;
  /** The folders profiles are listed from (built-in and from settings). */
  profileFolders(): Promise<string[]>;
  /** What runs need on this machine: engine, base images, disk, SSH keys; each problem with its fix. */
  doctor(): Promise<DoctorReport>;
  /** Does doctor's automatic fixes; the caller gets consent (`confirm`, asked before each fix). */
  doctorFix(opts: FixOptions): Promise<DoctorFixResult>;
  /** One run in full (history detail), also while it runs. Throws when the history does not have it. */
  runDetail(runId: string): Promise<RunDetail>;
  /** The runs going now. */
  activeRuns(): RunRecord[];
  /** Machine state changes as they happen (Docker events; SSH checks of watched profiles). */
  subscribeMachines(listener: (change: MachineStateChange) => void): () => void;
  /** Marks a profile as on screen (a lease, renewed by calling again with the id); returns its status. */
  watchStatus(file: string, watchId?: string): Promise<{ watchId: string; status: ProfileStatus }>;
  unwatchStatus(watchId: string): void;
  /** Adopt into profile: the preview (diffs of the files it would write), then the write on confirm. */
  adoptPreview(req: AdoptRequest): Promise<AdoptPreview>;
  adoptApply(adoptId: string): Promise<AdoptResult>;
  /** A Docker machine's container logs: the last lines, then (follow) new ones until stopped. */
  machineLogs(file: string, machine: string, opts: { follow: boolean; tail: number }, onLines: (lines: string[]) => void, onEnd: (err?: Error) => void): Promise<{ lines: string[]; stop(): void }>;
  restartMachine(file: string, machine: string): Promise<MachineStatus>;
  /** The Docker engine runs use, why, and the Docker CLI's contexts. */
  dockerEngine(): Promise<DockerEngineInfo>;
  close(): Promise<void>;
}
