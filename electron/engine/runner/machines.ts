// Which provider serves which machine, and how to reach machines that already exist (plan and drift
// never create anything).

import { machineProvider, type MachineSpec, type Profile } from '../../../shared/profile.js';
import type { MachineStatus } from '../../../shared/report.js';
import type { DockerProvider } from '../providers/docker-provider.js';
import type { MachineProvider, RunContext } from '../providers/provider.js';
import type { SshProvider } from '../providers/ssh-provider.js';
import type { Transport } from '../transport/transport.js';
import type { VmProvider } from '../backends/vm/vm-provider.js';

// Providers load on first use: a run that has no Docker machine never loads dockerode, one with no SSH
// machine never loads ssh2 (they are most of the CLI's start-up time).
export interface ProviderSet {
  docker(): Promise<DockerProvider>;
  ssh(): Promise<SshProvider>;
  vm(): Promise<VmProvider>;
  close(): Promise<void>;
}

export function createProviders(opts: { dataDir: string; dockerHost?: string; sshIdentity?: string }): ProviderSet {
  let docker: Promise<DockerProvider> | undefined;
  let ssh: Promise<SshProvider> | undefined;
  let vm: Promise<VmProvider> | undefined;
  return {
    docker: () => (docker ??= import('../providers/docker-provider.js').then((m) => new m.DockerProvider(opts.dockerHost ? { host: opts.dockerHost } : {}))),
    ssh: () => (ssh ??= import('../providers/ssh-provider.js').then((m) => new m.SshProvider({ dataDir: opts.dataDir, ...(opts.sshIdentity ? { defaultIdentity: opts.sshIdentity } : {}) }))),
    vm: () => (vm ??= import('../backends/vm/vm-provider.js').then((m) => new m.VmProvider({ dataDir: opts.dataDir }))),
    async close() {
      await Promise.all([docker?.then((p) => p.close()), ssh?.then((p) => p.close()), vm?.then((p) => p.close())]);
    },
  };
}

/** Splits a profile's machines by provider, keeping profile order inside each group. */
export async function byProvider(providers: ProviderSet, machines: MachineSpec[]): Promise<{ provider: MachineProvider; machines: MachineSpec[] }[]> {
  const docker = machines.filter((m) => m.docker);
  const ssh = machines.filter((m) => m.ssh);
  const out: { provider: MachineProvider; machines: MachineSpec[] }[] = [];
  if (docker.length) out.push({ provider: await providers.docker(), machines: docker });
  if (ssh.length) out.push({ provider: await providers.ssh(), machines: ssh });
  const vm = machines.filter((m) => m.vm);
  if (vm.length) out.push({ provider: await providers.vm(), machines: vm });
  return out;
}

/** Brings machines up (creating containers as needed): one map for all providers. */
export async function upAll(providers: ProviderSet, profile: Profile, machines: MachineSpec[], ctx: RunContext): Promise<Map<string, Transport | Error>> {
  const parts = await Promise.all((await byProvider(providers, machines)).map((g) => g.provider.up(profile, g.machines, ctx)));
  return new Map(parts.flatMap((m) => [...m]));
}

/**
 * Transports to machines that exist and run now, without creating or starting anything. A Docker
 * machine that is not running maps to an Error that says so.
 */
export async function attachAll(providers: ProviderSet, profile: Profile, machines: MachineSpec[], ctx: RunContext): Promise<Map<string, Transport | Error>> {
  const out = new Map<string, Transport | Error>();
  const docker = machines.filter((m) => m.docker);
  const ssh = machines.filter((m) => m.ssh);
  const vm = machines.filter((m) => m.vm);
  await Promise.all([
    vm.length
      ? providers
          .vm()
          .then((p) => p.attach(profile, vm))
          .then((m) => m.forEach((v, k) => out.set(k, v)))
      : undefined,
    docker.length
      ? providers
          .docker()
          .then((p) => p.attach(profile, docker))
          .then((m) => m.forEach((v, k) => out.set(k, v)))
      : undefined,
    ssh.length
      ? providers
          .ssh()
          .then((p) => p.up(profile, ssh, ctx))
          .then((m) => m.forEach((v, k) => out.set(k, v)))
      : undefined,
  ]);
  return out;
}

export async function statusAll(providers: ProviderSet, profile: Profile): Promise<MachineStatus[]> {
  const parts = await Promise.all((await byProvider(providers, profile.machines)).map((g) => g.provider.status(profile, g.machines)));
  const byName = new Map(parts.flat().map((s) => [s.machine, s]));
  return profile.machines.map((m) => byName.get(m.name) ?? { machine: m.name, provider: machineProvider(m), state: 'unknown', target: '', ports: [] });
}
