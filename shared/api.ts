// The API between the engine host (Electron main, or the browser-mode server) and the renderer.
// One line per channel: name → request and result. Nothing can call a channel this map does not name.
// Both transports (IPC, and HTTP with server-sent events) are generated from it; errors cross as ErrorInfo and are
// rethrown on the calling side as ApiError, so the UI shows the engine's real message.

import type { DoctorFixResult, DoctorReport } from './doctor.js';
import type { RunEvent } from './events.js';
import type { Profile, Role } from './profile.js';
import type { DriftReport, ErrorInfo, MachineStatus, ProfileStatus, RunKind, RunRecord } from './report.js';
import type { UsePlan } from './use-plan.js';
import type { RunDetail } from './history.js';
import type { MachineLogsRequest, MachineStateChange, ShellAttach, ShellInfo, StatusWatchRequest } from './machines-live.js';
import type { AdoptPreview, AdoptRequest, AdoptResult } from './adopt.js';
import type { DriftNotice, DriftSchedule } from './agent.js';

export type * from './history.js';
export type * from './machines-live.js';
export type * from './adopt.js';

export interface ProfileSummary {
  /** Absolute path: the identity of a profile in the API. */
  file: string;
  /** Folder it was found in (one of the profile folders). */
  folder: string;
  name: string;
  description?: string;
  role?: Role;
  machines: number;
  /** Set when the profile does not load; the badge says "invalid". */
  error?: ErrorInfo;
}

export interface ProfileDetail {
  profile: Profile;
  status: ProfileStatus;
}

export interface Settings {
  /** Docker engine address (DOCKER_HOST form); empty means the default socket. */
  dockerHost: string;
  /** A Docker CLI context to use (when dockerHost is empty); empty: DOCKER_HOST, DOCKER_CONTEXT, the CLI's current one. */
  dockerContext?: string;
  /** Default SSH identity file; empty means ssh-agent. */
  sshIdentity: string;
  /** Extra folders to look for profiles in (besides the built-in profiles folder). */
  profileFolders: string[];
  /** The environment cache's size cap in GB; the least recently used states go first. */
  cacheMaxGb: number;
}

/** A Docker CLI context (~/.docker/contexts), as Settings lists them. */
export interface DockerContextSummary {
  name: string;
  /** Its engine address (DOCKER_HOST form). */
  host: string;
  description?: string;
  /** The one the docker CLI uses now (DOCKER_CONTEXT, or the config's currentContext). */
  current: boolean;
}

/** Which Docker engine runs use, and why (doctor and Settings show it). */
export interface DockerEngineInfo {
  /** DOCKER_HOST form; empty when the choice does not resolve (see error). */
  address: string;
  /** Where the address came from: the app's setting, DOCKER_HOST, DOCKER_CONTEXT, the CLI's config, the default. */
  source: 'setting' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'config' | 'default';
  context: string;
  /** "context build-box (DOCKER_CONTEXT)". */
  why: string;
  contexts: DockerContextSummary[];
  /** The chosen context does not exist, or the CLI's files do not parse. */
  error?: ErrorInfo;
}

export interface TrustedHostKey {
  /** host or [host]:port, as in known_hosts. */
  host: string;
  keyType: string;
  /** SHA256:... as ssh-keygen prints it. */
  fingerprint: string;
  addedAt: string;
}

export interface StartRunRequest {
  kind: RunKind;
  file: string;
  /** Baseline file for drift/reconcile against production; capture writes here. */
  baseline?: string;
  /** destroy: also remove named volumes. */
  volumes?: boolean;
  /** use: when the target fails, leave the previous profile stopped instead of starting it again. */
  noRollback?: boolean;
  /** up/use: neither start from nor save to the environment cache. */
  noCache?: boolean;
  /** bake: push the baked states to this registry repository (`127.0.0.1:5000/shop`). */
  push?: string;
  /**
   * up/reconcile: only these resources ("reconcile this one": a drift finding's machine and resource id).
   * The machine is brought up as usual; its other resources are neither probed nor changed.
   */
  only?: { machine: string; resource: string }[];
  /**
   * up: apply exactly what this plan run showed (its runId). The machines are probed again first; if
   * anything differs from what the plan saw, the run refuses and changes nothing.
   */
  planId?: string;
  /** drift/capture: at most this many machines at a time (default DEFAULT_FORKS). */
  forks?: number;
  /** capture: write the baseline even when some hosts could not be captured (marked "not captured" in it). */
  allowUnreachable?: boolean;
}

/** One cached machine state (an image labelled prodlike.cache-*). */
export interface CacheEntryInfo {
  key: string;
  profile: string;
  machine: string;
  /** Resources covered, of how many. */
  prefix: number;
  total: number;
  savedAt: string;
  lastUsed: string;
  /** Bytes of its own layer. */
  sizeBytes: number;
  /** 'vm': a cached VM base (a qcow2 file); absent: a cached container state (an image). */
  backend?: 'vm';
  /**
   * Why no prune or size cap removes it while it is so: a container uses it, or an image a container
   * uses is built on it. Absent: nothing on the engine uses it (listed container states only).
   */
  inUse?: string;
}

export interface CacheListing {
  entries: CacheEntryInfo[];
  totalBytes: number;
  capBytes: number;
  /** What could not be listed (e.g. containers' states without a Docker engine). */
  warnings?: string[];
}

export interface CachePruneRequest {
  /** Every cached state. */
  all?: boolean;
  /** Those not used for this long (ms). */
  olderThanMs?: number;
  /**
   * These states: each a key or its first characters, as `cache ls` prints them (`docker rmi` takes an
   * image ID's start too); each must name exactly one state, else nothing is removed.
   */
  keys?: string[];
}

export interface CachePruneResult {
  removed: CacheEntryInfo[];
  kept: { entry: CacheEntryInfo; why: string }[];
  freedBytes: number;
  /** `all`: the bytes of apt's package lists kept between runs that went too (not in freedBytes). */
  aptListsBytes?: number;
  /** What could not be pruned (e.g. containers' states without a Docker engine). */
  warnings?: string[];
}

/** The app's per-profile "Check for drift" setting. */
export interface DriftScheduleRequest {
  file: string;
  /** "off" (removes the profile's schedules), or a duration: "15m", "1h", "1d" (at least 5s). */
  every: string;
  /** A baseline file (one found beside the profiles); absent: against the profile itself. */
  against?: string;
}

export interface ShellOpenRequest {
  file: string;
  machine: string;
  cols: number;
  rows: number;
}

/** Channel name → [request, result]. */
export interface ApiChannels {
  'app:info': [void, { version: string; mode: 'electron' | 'web'; dataDir: string }];
  'profiles:list': [void, ProfileSummary[]];
  'profiles:get': [{ file: string }, ProfileDetail];
  /** What switching to the profile would stop and start, and what would prevent it. */
  'profiles:use-plan': [{ file: string }, UsePlan];
  'runs:start': [StartRunRequest, { runId: string }];
  'runs:cancel': [{ runId: string }, { cancelled: boolean }];
  'runs:history': [{ file?: string; limit?: number }, RunRecord[]];
  /** One run in full (diffs of what it changed, its whole log); also a run still going. */
  'runs:get': [{ runId: string }, RunDetail];
  /** Runs going now (a reloaded page picks up their panel, then reads `runs:get` for the log so far). */
  'runs:active': [void, RunRecord[]];
  /** Marks a profile as on screen: returns its status now; `machine-state` pushes follow. Renew with watchId. */
  'status:watch': [StatusWatchRequest, { watchId: string; status: ProfileStatus }];
  'status:unwatch': [{ watchId: string }, void];
  /** Adopt into profile: the YAML (or src file) diff that taking the machine's value would write. */
  'drift:adopt-preview': [AdoptRequest, AdoptPreview];
  /** Writes exactly the preview; refuses if a file changed since. */
  'drift:adopt-apply': [{ adoptId: string }, AdoptResult];
  /** Container logs: the last lines, then (follow) `machine-logs` pushes until stopped. */
  'machines:logs': [MachineLogsRequest, { streamId: string; lines: string[] }];
  'machines:logs-stop': [{ streamId: string }, void];
  /** Restarts a Docker machine's container (SSH: refused; VM: restarted through QMP where supported). */
  'machines:restart': [{ file: string; machine: string }, MachineStatus];
  /** Open shells (to re-attach after a tab change or reload). */
  'shell:list': [void, ShellInfo[]];
  'shell:attach': [{ shellId: string }, ShellAttach];
  'drift:last': [{ file: string }, DriftReport | null];
  'baselines:list': [void, { file: string; hosts: string[] }[]];
  'settings:get': [void, Settings];
  'settings:set': [Partial<Settings>, Settings];
  'cache:list': [void, CacheListing];
  'cache:prune': [CachePruneRequest, CachePruneResult];
  'hostkeys:list': [void, TrustedHostKey[]];
  'hostkeys:trust': [{ host: string; port: number }, TrustedHostKey];
  'hostkeys:revoke': [{ host: string; port: number }, { revoked: boolean }];
  'shell:open': [ShellOpenRequest, { shellId: string }];
  'shell:input': [{ shellId: string; data: string }, void];
  'shell:resize': [{ shellId: string; cols: number; rows: number }, void];
  'shell:close': [{ shellId: string }, void];
  /** What runs need on this machine (the first screen's checks). */
  'doctor:check': [void, DoctorReport];
  /** The Fix button: does that check's fix (the click is the consent), then the checks again. */
  'doctor:fix': [{ id: string }, DoctorFixResult];
  /** The Docker engine runs use, why, and the contexts Settings can pick from. */
  'docker:engine': [void, DockerEngineInfo];
  /** Scheduled drift checks (every profile's; the CLI's `drift --every` ones too). */
  'drift:schedules': [void, DriftSchedule[]];
  /** Sets the profile's one schedule (replacing any other of that profile); "off" removes them: null. */
  'drift:schedule-set': [DriftScheduleRequest, DriftSchedule | null];
  /** Removes the profile's schedules (only the one against `against` when given). */
  'drift:schedule-remove': [{ file: string; against?: string }, { removed: number }];
}

export type ApiChannel = keyof ApiChannels;
export type ApiRequest<C extends ApiChannel> = ApiChannels[C][0];
export type ApiResult<C extends ApiChannel> = ApiChannels[C][1];

/** Pushed from the engine host to the renderer. */
export type ApiPush =
  | { type: 'run-event'; event: RunEvent }
  | { type: 'shell-data'; shellId: string; data: string }
  | { type: 'shell-exit'; shellId: string; code: number }
  | { type: 'profiles-changed' }
  /** A machine's state changed (Docker event, or an SSH reachability check). */
  | { type: 'machine-state'; change: MachineStateChange }
  /** A profile's status changed as a whole (a run ended: lastRun / lastFailure): read it again. */
  | { type: 'status-changed'; file: string }
  | { type: 'machine-logs'; streamId: string; lines: string[] }
  | { type: 'machine-logs-end'; streamId: string; error?: ErrorInfo }
  /** A scheduled drift check's state changed: drift appeared, went away, or the machines cannot be checked. */
  | { type: 'drift-notice'; notice: DriftNotice }
  /** The profile's drift schedules changed (set, removed, or a check ended): read them again. */
  | { type: 'drift-schedule'; file: string };

/** What the renderer sees as `window.prodlike`, whichever transport is behind it. */
export interface ProdlikeApi {
  call<C extends ApiChannel>(channel: C, request: ApiRequest<C>): Promise<ApiResult<C>>;
  /** Subscribe to pushes; returns the unsubscribe function. */
  subscribe(listener: (push: ApiPush) => void): () => void;
}

/** Browser mode: the header that carries the session token on API requests. */
export const TOKEN_HEADER = 'x-prodlike-token';

/** How a handler's outcome crosses a transport (Podman Desktop's pattern). */
export type ApiEnvelope<T> = { result: T } | { error: ErrorInfo };

export class ApiError extends Error implements ErrorInfo {
  override name: string;
  hint?: string;
  where?: string;
  details?: Record<string, unknown>;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = info.name;
    this.hint = info.hint;
    this.where = info.where;
    this.details = info.details;
  }
}

export const API_CHANNELS: readonly ApiChannel[] = [
  'app:info',
  'profiles:list',
  'profiles:get',
  'profiles:use-plan',
  'runs:start',
  'runs:cancel',
  'runs:history',
  'runs:get',
  'runs:active',
  'status:watch',
  'status:unwatch',
  'drift:adopt-preview',
  'drift:adopt-apply',
  'machines:logs',
  'machines:logs-stop',
  'machines:restart',
  'shell:list',
  'shell:attach',
  'drift:last',
  'baselines:list',
  'settings:get',
  'settings:set',
  'cache:list',
  'cache:prune',
  'hostkeys:list',
  'hostkeys:trust',
  'hostkeys:revoke',
  'shell:open',
  'shell:input',
  'shell:resize',
  'shell:close',
  'doctor:check',
  'doctor:fix',
  'docker:engine',
  'drift:schedules',
  'drift:schedule-set',
  'drift:schedule-remove',
];

/** drift/capture over a fleet: machines worked on at a time, by default and at most. */
export const DEFAULT_FORKS = 20;
export const MAX_FORKS = 1000;
