// The runs a user starts: up, plan, down, destroy, use. Each takes a loaded profile and a context, and
// returns per-machine results; the Engine wraps them with locking, events and history.

import { machineProvider, type MachineSpec, type Profile } from '../../../shared/profile.js';
import type { MachineResult } from '../../../shared/report.js';
import { toErrorInfo } from '../errors.js';
import type { RunContext } from '../providers/provider.js';
import type { Transport } from '../transport/transport.js';
import { parsePort } from '../providers/config-hash.js';
import { converge, refOf } from './converge.js';
import { attachAll, byProvider, upAll, type ProviderSet } from './machines.js';

function failedMachine(m: MachineSpec, err: Error, ctx: RunContext, phase: 'provision' | 'probe' = 'provision'): MachineResult {
  const error = toErrorInfo(err);
  ctx.emit({ type: 'machine', runId: ctx.runId, machine: m.name, phase, status: 'failed', error });
  // Every resource of a machine that could not be reached is reported, so nothing looks "ok" by omission.
  const resources = m.resources.map((r) => ({ ...refOf(r), status: 'skipped' as const, changes: [] }));
  return { machine: m.name, provider: machineProvider(m), status: 'failed', resources, error, durationMs: 0 };
}

async function convergeAll(profile: Profile, transports: Map<string, Transport | Error>, mode: 'apply' | 'plan', ctx: RunContext): Promise<MachineResult[]> {
  return Promise.all(
    profile.machines.map(async (m) => {
      const t = transports.get(m.name);
      if (!t) return failedMachine(m, new Error(`machine ${m.name} was not brought up`), ctx);
      if (t instanceof Error) return failedMachine(m, t, ctx, mode === 'plan' ? 'probe' : 'provision');
      return converge(m, t, mode, ctx);
    }),
  );
}

export async function runUp(providers: ProviderSet, profile: Profile, ctx: RunContext): Promise<MachineResult[]> {
  const transports = await upAll(providers, profile, profile.machines, ctx);
  return convergeAll(profile, transports, 'apply', ctx);
}

/**
 * What up would change. Machines that do not run yet cannot be probed: their resources are all
 * pending ("machine will be created") rather than guessed.
 */
export async function runPlan(providers: ProviderSet, profile: Profile, ctx: RunContext): Promise<MachineResult[]> {
  const transports = await attachAll(providers, profile, profile.machines, ctx);
  return Promise.all(
    profile.machines.map(async (m) => {
      const t = transports.get(m.name);
      if (t && !(t instanceof Error)) return converge(m, t, 'plan', ctx, { readOnly: profile.role === 'production' });
      if (m.docker || m.vm) {
        const why = t instanceof Error ? t.message : 'not created';
        ctx.emit({ type: 'machine', runId: ctx.runId, machine: m.name, phase: 'provision', status: 'done', detail: `will be created or started (${why})` });
        const resources = m.resources.map((r) => {
          const change = { field: 'machine', summary: `will be applied once ${m.name} runs` };
          ctx.emit({ type: 'resource', runId: ctx.runId, machine: m.name, resource: refOf(r), status: 'pending', changes: [change] });
          return { ...refOf(r), status: 'pending' as const, changes: [change] };
        });
        return { machine: m.name, provider: machineProvider(m), status: 'pending' as const, resources, durationMs: 0 };
      }
      return failedMachine(m, t ?? new Error('not reachable'), ctx, 'probe');
    }),
  );
}

export async function runDown(providers: ProviderSet, profile: Profile, ctx: RunContext): Promise<MachineResult[]> {
  await Promise.all((await byProvider(providers, profile.machines)).map((g) => g.provider.stop(profile, g.machines, ctx)));
  return [];
}

export async function runDestroy(providers: ProviderSet, profile: Profile, volumes: boolean, ctx: RunContext): Promise<MachineResult[]> {
  await Promise.all((await byProvider(providers, profile.machines)).map((g) => g.provider.destroy(profile, g.machines, { volumes }, ctx)));
  return [];
}

/**
 * Switch: stop every other profile's running containers, and bring this one up. When none of the
 * others publishes a host port this profile wants, both happen at once (stopping and starting
 * containers are each a few hundred ms); otherwise the others stop first, freeing their ports.
 */
export async function runUse(providers: ProviderSet, profile: Profile, ctx: RunContext): Promise<MachineResult[]> {
  const docker = await providers.docker();
  const running = await docker.runningProfiles();
  running.delete(profile.name);
  if (running.size === 0) return runUp(providers, profile, ctx);
  ctx.emit({ type: 'log', runId: ctx.runId, stream: 'info', text: `stopping ${[...running.keys()].join(', ')}` });
  const wanted = new Set(profile.machines.flatMap((m) => (m.docker?.ports ?? []).flatMap((spec) => hostPorts(spec))));
  const clash = [...running.values()].some((ports) => [...ports].some((p) => wanted.has(p)));
  // The other profiles' machines are not this run's machines (and may share their names): their
  // stop is reported as lines of the log, not as machine events.
  const stopping = Promise.all(
    [...running.keys()].map((name) =>
      docker.stopProfileByName(name, {
        ...ctx,
        emit: (e) => {
          if (e.type !== 'machine') return ctx.emit(e);
          if (e.status === 'start') return;
          const text = e.status === 'failed' ? `could not stop ${name}/${e.machine}: ${e.error?.message ?? ''}` : `stopped ${name}/${e.machine}`;
          ctx.emit({ type: 'log', runId: ctx.runId, stream: e.status === 'failed' ? 'warn' : 'info', text });
        },
      }),
    ),
  );
  if (clash) {
    await stopping;
    return runUp(providers, profile, ctx);
  }
  const [results] = await Promise.all([runUp(providers, profile, ctx), stopping]);
  return results;
}

/** "8080:80", "127.0.0.1:8080-8081:80-81/udp" → ["8080/tcp"], ["8080/udp", "8081/udp"]. */
function hostPorts(spec: string): string[] {
  try {
    return parsePort(spec)
      .filter((b) => b.hostPort)
      .map((b) => `${b.hostPort}/${b.proto}`);
  } catch {
    return [];
  }
}
