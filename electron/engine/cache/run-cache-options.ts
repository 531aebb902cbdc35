// How a run uses the environment cache (set by the engine on the run's context), and the hook that
// connects a machine's transport to its cache session. No runtime imports: the runner loads this
// without loading the Docker client.

import type { ServiceStart } from './runtime-state.js';

export interface CacheSessionInfo {
  readonly machine: { name: string };
  readonly keys: { keys: string[]; savePoints: number[] };
  /** Keys saved by this run. */
  readonly saved: string[];
  readonly lastSavePoint: number;
  /** Why no state of this machine can be saved (undefined: some can). */
  readonly nothingSavedWhy?: string | undefined;
  /** The keys a state after n resources may be cached under for this machine. */
  usableKeys(n: number): string[];
  afterPrefix(n: number): Promise<PrefixOutcome>;
  /** Called before a step of `kind` is applied, its first `n` resources in sync (apt lists kept between runs). */
  beforeApply(n: number, kind: string): Promise<void>;
  /** Waits for the saves still being written (a run ends only once they are). */
  flush(): Promise<void>;
}

/**
 * What a save point did to the machine: `restarted` when it now runs in a new container, made from the
 * state after `from` resources (the save point's own, or 0: its base image, when that could not be saved).
 */
export interface PrefixOutcome {
  restarted?: boolean;
  from?: number;
}

export interface RunCacheOptions {
  /**
   * False with --no-cache: nothing is read from the cache, and nothing written but the state a machine
   * whose named volumes exist carries on from (cache-session.ts, volumesAt).
   */
  enabled: boolean;
  /** Secret values of the profile: a resource holding one is never saved. */
  secrets: string[];
  /** The profile's `cache.from` registry repository. */
  from?: string;
  /**
   * Set at the first pull from `from` that failed for another reason than a missing state (unreachable,
   * TLS, credentials): said once, and the run pulls nothing more from it.
   */
  fromFailed?: string;
  /** The profile name written on cached states (bake runs under a temporary name). */
  profileLabel?: string;
  /** apt's package lists kept between runs (backends/docker/apt-lists.ts): where, and how long they are used; absent: not kept. */
  aptLists?: { dir: string; maxAgeMs: number };
  /** The smallest saved layer a machine carries on over (default 64 MB). */
  stackMinBytes?: number;
  /** How many states this run saved (the size cap is checked only then). */
  saved?: number;
  /**
   * Shell text that starts these services in a container with no init system (the service kind's; set
   * by the runner, so that backends do not import resources).
   */
  startServices?: (services: readonly ServiceStart[]) => string;
  /** Told about every machine that uses the cache (bake collects them). */
  onSession?: (session: CacheSessionInfo) => void;
}

const sessions = new WeakMap<object, CacheSessionInfo>();

export function registerSession(transport: object, session: CacheSessionInfo): void {
  sessions.set(transport, session);
}

/**
 * converge's hooks for a transport whose container this run created with a cache session: told when a
 * prefix is in sync (saves), and before each step is applied (apt lists); none without a session.
 */
export function cacheHooks(transport: object): { afterPrefix?: (n: number) => Promise<PrefixOutcome>; beforeApply?: (n: number, kind: string) => Promise<void> } {
  const s = sessions.get(transport);
  return s ? { afterPrefix: (n) => s.afterPrefix(n), beforeApply: (n, kind) => s.beforeApply(n, kind) } : {};
}

/** Waits for the saves a machine's cache session is still writing (none without a session). */
export async function flushSaves(transport: object): Promise<void> {
  await sessions.get(transport)?.flush();
}
