// Status you can trust: machine state changes pushed as they happen. Docker machines from the engine's
// event stream (docker-events.ts), SSH machines of the profiles on screen from a light reachability
// check every SSH_CHECK_MS. A watch is a lease the front end renews; one not renewed ends, so a closed
// tab stops costing checks. Nothing runs while nobody listens.

import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import type { MachineStateChange } from '../../shared/machines-live.js';
import { SSH_CHECK_MS, WATCH_LEASE_MS } from '../../shared/machines-live.js';
import type { Profile } from '../../shared/profile.js';
import type { MachineState } from '../../shared/report.js';
import { ProdlikeError } from './errors.js';
import { watchDockerEvents, type EventWatch } from './backends/docker/events.js';
import { checkSshReachable, type Reachability } from './backends/ssh/reachability.js';

export interface StatusWatchDeps {
  docker(): Promise<Docker>;
  loadProfile(file: string): Promise<Profile>;
  /** For tests. */
  checkMs?: number;
  leaseMs?: number;
  check?: (host: string, port: number) => Promise<Reachability>;
}

interface Lease {
  file: string;
  profile: Profile;
  expires: number;
}

export class StatusWatch {
  private readonly listeners = new Set<(c: MachineStateChange) => void>();
  private docker?: EventWatch;
  /** Bumped each time the event stream is stopped: a connect that resolves late is dropped. */
  private generation = 0;
  private readonly leases = new Map<string, Lease>();
  private timer?: NodeJS.Timeout;
  /** Last reported SSH state, per "file\0machine": a push only when it changes. */
  private readonly sshLast = new Map<string, string>();

  constructor(private readonly deps: StatusWatchDeps) {}

  subscribe(listener: (c: MachineStateChange) => void): () => void {
    this.listeners.add(listener);
    if (!this.docker) {
      const gen = this.generation;
      let inner: EventWatch | undefined;
      let retry: NodeJS.Timeout | undefined;
      let delay = 2000;
      this.docker = {
        stop: () => {
          if (retry) clearTimeout(retry);
          inner?.stop();
        },
      };
      // The engine may not be up yet (the app starts first): try again now and then, doubling to 30 s.
      const connect = () =>
        void this.deps.docker().then(
          (d) => {
            if (gen === this.generation) inner = watchDockerEvents(d, (c) => this.publish(c));
          },
          () => {
            if (gen !== this.generation) return;
            retry = setTimeout(connect, delay);
            retry.unref?.();
            delay = Math.min(delay * 2, 30_000);
          },
        );
      connect();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopEvents();
    };
  }

  /** Starts or renews the watch of a profile on screen; its SSH machines are checked now and then periodically. */
  async watch(file: string, watchId?: string): Promise<string> {
    if (watchId && this.leases.has(watchId)) {
      const lease = this.leases.get(watchId)!;
      if (lease.file === file) {
        lease.expires = Date.now() + (this.deps.leaseMs ?? WATCH_LEASE_MS);
        return watchId;
      }
      this.leases.delete(watchId);
    }
    const profile = await this.deps.loadProfile(file);
    const id = watchId && /^[A-Za-z0-9-]{1,100}$/.test(watchId) ? watchId : randomUUID();
    this.leases.set(id, { file, profile, expires: Date.now() + (this.deps.leaseMs ?? WATCH_LEASE_MS) });
    // A new watch is told every SSH machine's state, even if unchanged since an earlier watch.
    for (const m of profile.machines) if (m.ssh) this.sshLast.delete(`${file}\0${m.name}`);
    void this.checkSsh(profile);
    this.timer ??= setInterval(() => this.tick(), this.deps.checkMs ?? SSH_CHECK_MS);
    this.timer.unref?.();
    return id;
  }

  unwatch(watchId: string): void {
    if (!this.leases.delete(watchId)) throw new ProdlikeError('This status watch has ended.', { hint: 'Start a new one.' });
    this.stopTimerIfIdle();
  }

  private stopEvents(): void {
    this.generation++;
    this.docker?.stop();
    this.docker = undefined;
  }

  close(): void {
    this.stopEvents();
    this.listeners.clear();
    this.leases.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = Date.now();
    const profiles = new Map<string, Profile>();
    for (const [id, lease] of this.leases) {
      if (lease.expires < now) this.leases.delete(id);
      else profiles.set(lease.file, lease.profile);
    }
    this.stopTimerIfIdle();
    for (const p of profiles.values()) void this.checkSsh(p);
  }

  private stopTimerIfIdle(): void {
    if (this.leases.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async checkSsh(profile: Profile): Promise<void> {
    const check = this.deps.check ?? checkSshReachable;
    await Promise.all(
      profile.machines.map(async (m) => {
        if (!m.ssh) return;
        const via = m.ssh.jump;
        const r = await check(via ? via.host : m.ssh.host, via ? via.port : m.ssh.port);
        const state: MachineState = r.ok ? 'running' : 'unreachable';
        const reason = r.ok ? undefined : via ? `jump host ${via.host}: ${r.reason}` : r.reason;
        const key = `${profile.file}\0${m.name}`;
        const sig = `${state}\0${reason ?? ''}`;
        if (this.sshLast.get(key) === sig) return;
        this.sshLast.set(key, sig);
        this.publish({ profile: profile.name, profileFile: profile.file, machine: m.name, state, ...(reason ? { reason } : {}), cause: 'check', at: new Date().toISOString() });
      }),
    );
  }

  private publish(c: MachineStateChange): void {
    for (const l of this.listeners) {
      try {
        l(c);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
