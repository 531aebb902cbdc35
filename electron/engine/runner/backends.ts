// Which provider serves which machine, and how to reach machines that already exist (plan and drift
// never create anything).

import { machineProvider, type MachineSpec, type Profile } from '../../../shared/profile.js';
import type { MachineStatus } from '../../../shared/report.js';
import type { DockerProvider } from '../backends/docker/provider.js';
import { ReachedMachines, type MachineProvider, type OnReached, type RunContext } from '../backends/backend.js';
import type { SshProvider } from '../backends/ssh/provider.js';
import type { VmProvider } from '../backends/vm/vm-provider.js';

// Providers load on first use: a run that has no Docker machine never loads dockerode, one with no SSH
// machine never loads ssh2 (they are most of the CLI's start-up time).
export interface ProviderSet {
  docker(): Promise<DockerProvider>;
  ssh(): Promise<SshProvider>;
  vm(): Promise<VmProvider>;
  close(): Promise<void>;
}

export function createProviders(opts: { dataDir: string; dockerHost?: string; dockerContext?: string; sshIdentity?: string; env?: NodeJS.ProcessEnv; forwarderCommand?: string[] }): ProviderSet {
  let docker: Promise<DockerProvider> | undefined;
  let ssh: Promise<SshProvider> | undefined;
  let vm: Promise<VmProvider> | undefined;
  return {
    docker: () => (docker ??= import('../backends/docker/provider.js').then((m) => new m.DockerProvider(dockerOptions(opts)))),
    ssh: () => (ssh ??= import('../backends/ssh/provider.js').then((m) => new m.SshProvider({ dataDir: opts.dataDir, ...(opts.sshIdentity ? { defaultIdentity: opts.sshIdentity } : {}) }))),
    vm: () => (vm ??= import('../backends/vm/vm-provider.js').then((m) => new m.VmProvider({ dataDir: opts.dataDir }))),
    async close() {
      await Promise.all([docker?.then((p) => p.close()), ssh?.then((p) => p.close()), vm?.then((p) => p.close())]);
    },
  };
}

function dockerOptions(opts: Parameters<typeof createProviders>[0]): import('../backends/docker/provider.js').DockerProviderOptions {
  const o: import('../backends/docker/provider.js').DockerProviderOptions = { ssh: { dataDir: opts.dataDir, ...(opts.sshIdentity ? { identity: opts.sshIdentity } : {}) } };
  if (opts.dockerHost) o.host = opts.dockerHost;
  if (opts.dockerContext) o.context = opts.dockerContext;
  if (opts.env) o.env = opts.env;
  if (opts.forwarderCommand) o.forwarderCommand = opts.forwarderCommand;
  return o;
}

/** The backend that serves a machine. */
export function providerFor(providers: ProviderSet, m: MachineSpec): Promise<MachineProvider> {
  if (m.ssh) return providers.ssh();
  if (m.vm) return providers.vm();
  return providers.docker();
}

/** Splits a profile's machines by backend (Docker, SSH, VM), keeping profile order inside each group. */
export async function byProvider(providers: ProviderSet, machines: MachineSpec[]): Promise<{ provider: MachineProvider; machines: MachineSpec[] }[]> {
  const groups = [machines.filter((m) => m.docker), machines.filter((m) => m.ssh), machines.filter((m) => m.vm)];
  return Promise.all(groups.filter((g) => g.length).map(async (g) => ({ provider: await providerFor(providers, g[0]!), machines: g })));
}

/**
 * Brings machines up (creating containers as needed): one map for all backends. `onReached` hears of
 * each machine as soon as its backend is done with it.
 */
export async function upAll(providers: ProviderSet, profile: Profile, machines: MachineSpec[], ctx: RunContext, onReached?: OnReached): Promise<ReachedMachines> {
  const parts = await Promise.all((await byProvider(providers, machines)).map((g) => g.provider.up(profile, g.machines, ctx, onReached)));
  return new ReachedMachines(parts.flatMap((m) => [...m]));
}

/**
 * Transports to machines that exist and run now, without creating or starting anything. A Docker
 * machine that is not running maps to an Error that says so.
 */
export async function attachAll(providers: ProviderSet, profile: Profile, machines: MachineSpec[], ctx: RunContext): Promise<ReachedMachines> {
  const parts = await Promise.all((await byProvider(providers, machines)).map((g) => g.provider.attach(profile, g.machines, ctx)));
  return new ReachedMachines(parts.flatMap((m) => [...m]));
}

export async function statusAll(providers: ProviderSet, profile: Profile): Promise<MachineStatus[]> {
  const parts = await Promise.all((await byProvider(providers, profile.machines)).map((g) => g.provider.status(profile, g.machines)));
  const byName = new Map(parts.flat().map((s) => [s.machine, s]));
  return profile.machines.map((m) => byName.get(m.name) ?? { machine: m.name, provider: machineProvider(m), state: 'unknown', target: '', ports: [] });
}
