// The runs a user starts: up, plan, down, destroy (use, the switch, is in use.ts). Each takes a loaded
// profile and a context, and returns per-machine results; the Engine wraps them with locking, events
// and history.

import { machineProvider, type MachineSpec, type Profile } from '../../../shared/profile.js';
import type { MachineResult } from '../../../shared/report.js';
import { ProdlikeError, toErrorInfo } from '../errors.js';
import { reachedOf, type RunContext } from '../backends/backend.js';
import type { Transport } from '../transport.js';
import { cacheHooks, flushSaves } from '../cache/run-cache-options.js';
import { startServicesScript, stopServicesScript } from '../resources/service-resource.js';
import { converge, refOf } from './converge.js';
import { attachAll, byProvider, upAll, type ProviderSet } from './backends.js';

function failedMachine(m: MachineSpec, err: Error, ctx: RunContext, phase: 'provision' | 'probe' = 'provision'): MachineResult {
  const error = toErrorInfo(err);
  ctx.emit({ type: 'machine', runId: ctx.runId, machine: m.name, phase, status: 'failed', error });
  // Every resource of a machine that could not be reached is reported, so nothing looks "ok" by omission.
  const resources = m.resources.map((r) => ({ ...refOf(r), status: 'skipped' as const, changes: [] }));
  return { machine: m.name, provider: machineProvider(m), status: 'failed', resources, error, durationMs: 0 };
}

/**
 * A machine's last save is written while the others still converge; its result comes once it is (an
 * image is never left half-written). A save that left the machine unusable — a VM its save paused and
 * that did not run again — fails the machine, with what to do; a save that merely did not happen is a
 * warning in the log.
 */
async function convergeAndSave(m: MachineSpec, t: Transport, ctx: RunContext): Promise<MachineResult> {
  let result: MachineResult;
  try {
    result = await converge(m, t, 'apply', ctx, cacheHooks(t));
  } catch (err) {
    await flushSaves(t).catch(() => undefined);
    throw err;
  }
  try {
    await flushSaves(t);
  } catch (err) {
    const error = toErrorInfo(err as Error);
    ctx.emit({ type: 'machine', runId: ctx.runId, machine: m.name, phase: 'apply', status: 'failed', error });
    return { ...result, status: 'failed', error };
  }
  return result;
}

/**
 * Brings the machines up and converges each one as soon as its backend has it, not once all have: the
 * machine whose container started first is probed while the others still start, and containers converge
 * while a VM boots. Nothing in a machine's convergence waits on another machine; depends_on orders the
 * starts themselves (docker/depends.ts). Results are in the order of `machines`.
 */
async function upAndConverge(providers: ProviderSet, profile: Profile, machines: MachineSpec[], ctx: RunContext): Promise<MachineResult[]> {
  const converging = new Map<string, Promise<MachineResult>>();
  const start = (m: MachineSpec, r: Transport | Error | undefined): Promise<MachineResult> => {
    let p = converging.get(m.name);
    if (!p) {
      const { transport: t, error } = reachedOf(m.name, r);
      p = t ? convergeAndSave(m, t, ctx) : Promise.resolve(failedMachine(m, error, ctx));
      p.catch(() => undefined); // awaited below, once every machine is reached: not an unhandled rejection meanwhile
      converging.set(m.name, p);
    }
    return p;
  };
  const byName = new Map(machines.map((m) => [m.name, m]));
  try {
    const reached = await upAll(providers, profile, machines, ctx, (name, r) => {
      const m = byName.get(name);
      if (m) void start(m, r);
    });
    return await Promise.all(machines.map((m) => start(m, reached.get(m.name))));
  } finally {
    // Also when bringing machines up failed: no convergence (or save) outlives the run.
    await Promise.allSettled(converging.values());
  }
}

export async function runUp(providers: ProviderSet, profile: Profile, ctx: RunContext): Promise<MachineResult[]> {
  if (ctx.cache) ctx.cache.startServices ??= startServicesScript;
  return upAndConverge(providers, profile, profile.machines, ctx);
}

/**
 * What up would change. Machines that do not run yet cannot be probed: their resources are all
 * pending ("machine will be created") rather than guessed.
 */
export async function runPlan(providers: ProviderSet, profile: Profile, ctx: RunContext): Promise<MachineResult[]> {
  const transports = await attachAll(providers, profile, profile.machines, ctx);
  return Promise.all(
    profile.machines.map(async (m) => {
      const { transport: t, error } = transports.reach(m.name);
      if (t) return converge(m, t, 'plan', ctx, { readOnly: !!ctx.productionMachines?.has(m.name) });
      if (m.docker || m.vm) {
        const why = error.message;
        ctx.emit({ type: 'machine', runId: ctx.runId, machine: m.name, phase: 'provision', status: 'done', detail: `will be created or started (${why})` });
        const resources = m.resources.map((r) => {
          const change = { field: 'machine', summary: `will be applied once ${m.name} runs` };
          ctx.emit({ type: 'resource', runId: ctx.runId, machine: m.name, resource: refOf(r), status: 'pending', changes: [change] });
          return { ...refOf(r), status: 'pending' as const, changes: [change] };
        });
        return { machine: m.name, provider: machineProvider(m), status: 'pending' as const, resources, durationMs: 0 };
      }
      return failedMachine(m, error, ctx, 'probe');
    }),
  );
}

export async function runDown(providers: ProviderSet, profile: Profile, ctx: RunContext): Promise<MachineResult[]> {
  ctx.stopServices ??= stopServicesScript;
  await Promise.all((await byProvider(providers, profile.machines)).map((g) => g.provider.stop(profile, g.machines, ctx)));
  return [];
}

export async function runDestroy(providers: ProviderSet, profile: Profile, volumes: boolean, ctx: RunContext): Promise<MachineResult[]> {
  ctx.stopServices ??= stopServicesScript;
  await Promise.all((await byProvider(providers, profile.machines)).map((g) => g.provider.destroy(profile, g.machines, { volumes }, ctx)));
  return [];
}

/**
 * "Reconcile this one": up for only the named resources. Their machines are brought up as usual (no
 * other machine, and no orphan removal: that needs the whole profile); their other resources are
 * neither probed nor changed.
 */
export async function runUpOnly(providers: ProviderSet, profile: Profile, only: { machine: string; resource: string }[], ctx: RunContext): Promise<MachineResult[]> {
  const wanted = new Map<string, Set<string>>();
  for (const o of only) {
    const m = profile.machines.find((x) => x.name === o.machine);
    if (!m) throw new ProdlikeError(`No machine "${o.machine}" in profile ${profile.name}.`, { where: profile.file });
    if (!m.resources.some((r) => r.id === o.resource)) {
      throw new ProdlikeError(`Machine ${o.machine} of profile ${profile.name} has no resource ${o.resource}.`, { where: m.pos ? `${m.pos.file}:${m.pos.line}:${m.pos.col}` : profile.file, hint: 'the profile may have changed since the check: check again' });
    }
    wanted.set(o.machine, (wanted.get(o.machine) ?? new Set()).add(o.resource));
  }
  const machines = profile.machines.filter((m) => wanted.has(m.name)).map((m) => ({ ...m, resources: m.resources.filter((r) => wanted.get(m.name)!.has(r.id)) }));
  return upAndConverge(providers, profile, machines, ctx);
}
