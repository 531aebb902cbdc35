// SshProvider: SSH machines are existing hosts or VMs. There is nothing to create, stop or remove; `up`
// only connects (verifying host keys, and sudo when `become` is set) and hands out transports that share
// one connection per user@host:port for the whole run.

import type { MachineSpec, Profile } from '../../../../shared/profile.js';
import type { MachineStatus } from '../../../../shared/report.js';
import { SshError, toErrorInfo } from '../../errors.js';
import type { ConnectGuard } from './address.js';
import { HostKeyStore } from './host-keys.js';
import { SshConnectionPool } from './connection.js';
import { SshTransport } from './transport.js';
import type { Transport } from '../../transport.js';
import type { MachineProvider, OnReached, RunContext, ShellCallbacks, ShellSession } from '../backend.js';
import { openSshShell } from '../shell.js';

export interface SshProviderOptions {
  /** The app's data folder: the trusted host keys live there (trusted-host-keys.json). */
  dataDir: string;
  /** known_hosts files to trust; default ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts. */
  knownHostsFiles?: string[];
  /** ssh-agent socket; default $SSH_AUTH_SOCK. */
  agentSocket?: string;
  /** Key for machines whose profile names no identity (the agent is still offered with it). */
  defaultIdentity?: string;
}

export class SshProvider implements MachineProvider {
  readonly pool: SshConnectionPool;
  private readonly opts: SshProviderOptions;

  constructor(opts: SshProviderOptions) {
    this.opts = opts;
    this.pool = SshProvider.newPool(opts);
  }

  private static newPool(opts: SshProviderOptions): SshConnectionPool {
    const hostKeys: ConstructorParameters<typeof SshConnectionPool>[0]['hostKeys'] = { store: HostKeyStore.inDataDir(opts.dataDir) };
    if (opts.knownHostsFiles) hostKeys.knownHostsFiles = opts.knownHostsFiles;
    const poolOpts: ConstructorParameters<typeof SshConnectionPool>[0] = { hostKeys };
    if (opts.agentSocket !== undefined) poolOpts.agentSocket = opts.agentSocket;
    if (opts.defaultIdentity) poolOpts.defaultIdentity = opts.defaultIdentity;
    return new SshConnectionPool(poolOpts);
  }

  /** Existing hosts: attaching is connecting, as `up` does. */
  attach(profile: Profile, machines: MachineSpec[], ctx: RunContext): Promise<Map<string, Transport | Error>> {
    return this.up(profile, machines, ctx);
  }

  async openShell(_profile: Profile, m: MachineSpec, size: { cols: number; rows: number }, cb: ShellCallbacks): Promise<ShellSession> {
    if (!m.ssh) throw new SshError(`machine ${m.name} has no ssh: section`, { where: m.name });
    // A pool of the shell's own (same trusted keys): closing the shell closes only its connections.
    return openSshShell(SshProvider.newPool(this.opts), m.ssh, size, cb);
  }

  async up(_profile: Profile, machines: MachineSpec[], ctx: RunContext, onReached?: OnReached): Promise<Map<string, Transport | Error>> {
    const results = new Map<string, Transport | Error>();
    await Promise.all(
      machines.map(async (m) => {
        const base = { type: 'machine', runId: ctx.runId, machine: m.name, phase: 'provision' } as const;
        ctx.emit({ ...base, status: 'start', detail: m.ssh ? `connecting to ${describe(m)}` : undefined });
        try {
          const transport = this.transport(m, ctx.connectGuard);
          await transport.connect();
          ctx.emit({ ...base, status: 'done', detail: `connected to ${describe(m)}`, state: 'running' });
          results.set(m.name, transport);
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          ctx.emit({ ...base, status: 'failed', state: 'unreachable', error: toErrorInfo(error) });
          results.set(m.name, error);
        }
        onReached?.(m.name, results.get(m.name)!);
      }),
    );
    return results;
  }

  /** A transport over the shared pool, without connecting yet. */
  transport(m: MachineSpec, guard?: ConnectGuard): SshTransport {
    if (!m.ssh) throw new SshError(`machine ${m.name} has no ssh: section`, { where: m.name });
    return new SshTransport(m.ssh, this.pool, guard);
  }

  async stop(_profile: Profile, machines: MachineSpec[], ctx: RunContext): Promise<void> {
    this.leaveAlone(machines, ctx, 'stopped');
  }

  async destroy(_profile: Profile, machines: MachineSpec[], _opts: { volumes: boolean }, ctx: RunContext): Promise<void> {
    this.leaveAlone(machines, ctx, 'removed');
  }

  private leaveAlone(machines: MachineSpec[], ctx: RunContext, what: string): void {
    for (const m of machines) {
      ctx.emit({
        type: 'log',
        runId: ctx.runId,
        machine: m.name,
        stream: 'info',
        text: `${m.name} is an existing SSH host (${describe(m)}): Prodlike does not manage its lifecycle, so it is not ${what}`,
      });
    }
  }

  async status(_profile: Profile, machines: MachineSpec[]): Promise<MachineStatus[]> {
    return Promise.all(
      machines.map(async (m): Promise<MachineStatus> => {
        const status: MachineStatus = { machine: m.name, provider: 'ssh', state: 'unknown', target: describe(m), ports: [] };
        try {
          await this.transport(m).connect();
          status.state = 'running';
        } catch (err) {
          status.state = 'unreachable';
          status.error = toErrorInfo(err);
        }
        return status;
      }),
    );
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function describe(m: MachineSpec): string {
  if (!m.ssh) return m.name;
  const s = m.ssh;
  const via = s.jump ? ` via ${s.jump.user}@${s.jump.host}:${s.jump.port}` : '';
  return `${s.user}@${s.host}:${s.port}${via}`;
}
