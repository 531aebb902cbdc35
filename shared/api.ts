// The API between the engine host (Electron main, or the browser-mode server) and the renderer.
// One line per channel: name → request and result. Nothing can call a channel this map does not name.
// Both transports (IPC, and HTTP with server-sent events) are generated from it; errors cross as ErrorInfo and are
// rethrown on the calling side as ApiError, so the UI shows the engine's real message.

import type { DoctorFixResult, DoctorReport } from './doctor.js';
import type { RunEvent } from './events.js';
import type { Profile, Role } from './profile.js';
import type { DriftReport, ErrorInfo, ProfileStatus, RunKind, RunRecord } from './report.js';
import type { UsePlan } from './use-plan.js';

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
  /** Default SSH identity file; empty means ssh-agent. */
  sshIdentity: string;
  /** Extra folders to look for profiles in (besides the built-in profiles folder). */
  profileFolders: string[];
  /** The environment cache's size cap in GB; the least recently used states go first. */
  cacheMaxGb: number;
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
  /** drift/capture: at most this many machines at a time (default 20). */
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
}

export interface CacheListing {
  entries: CacheEntryInfo[];
  totalBytes: number;
  capBytes: number;
}

export interface CachePruneRequest {
  /** Every cached state. */
  all?: boolean;
  /** Those not used for this long (ms). */
  olderThanMs?: number;
}

export interface CachePruneResult {
  removed: CacheEntryInfo[];
  kept: { entry: CacheEntryInfo; why: string }[];
  freedBytes: number;
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
}

export type ApiChannel = keyof ApiChannels;
export type ApiRequest<C extends ApiChannel> = ApiChannels[C][0];
export type ApiResult<C extends ApiChannel> = ApiChannels[C][1];

/** Pushed from the engine host to the renderer. */
export type ApiPush =
  | { type: 'run-event'; event: RunEvent }
  | { type: 'shell-data'; shellId: string; data: string }
  | { type: 'shell-exit'; shellId: string; code: number }
  | { type: 'profiles-changed' };

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
];
