// drift, capture and reconcile: the runs that compare machines with a profile or a production baseline.
//
//   drift <profile>                     probe → diff against the profile (drift.ts)
//   drift <profile> --against FILE      local facts (one round-trip) vs the baseline host each machine mirrors
//   capture <profile> --out FILE        read-only facts of the profile's SSH hosts → a baseline file
//   reconcile <profile> --against FILE  production's values substituted into the profile, applied by converge

import path from 'node:path';
import type { StartRunRequest } from '../../../shared/api.js';
import type { EventSink } from '../../../shared/events.js';
import { machineProvider, type MachineSpec, type ProviderName, type Profile } from '../../../shared/profile.js';
import { isDrift, type DriftFinding, type DriftReport, type ErrorInfo, type MachineResult } from '../../../shared/report.js';
import { BaselineError, captureBaseline, readBaseline, writeBaseline, type Baseline, type BaselineHost } from '../baseline.js';
import { ProdlikeError, RefusedError, toErrorInfo } from '../errors.js';
import { gatherFacts } from '../facts/index.js';
import type { RunContext } from '../backends/backend.js';
import type { Transport } from '../transport.js';
import { compareWithBaseline, pathsToGather } from './baseline-drift.js';
import { converge } from './converge.js';
import { driftAgainstProfile } from './drift.js';
import { attachAll, type ProviderSet } from './backends.js';
import { registerProductionHosts } from './production-guard.js';
import { reconcilePlan } from './reconcile.js';

export interface DriftRunOptions {
  providers: ProviderSet;
  allowProductionHosts: boolean;
  /** The app's data folder: capture of a production profile registers its hosts there. */
  dataDir?: string;
}

type MachineError = { machine: string; error: ErrorInfo };

export async function runDriftOrBaseline(
  req: StartRunRequest,
  profile: Profile,
  ctx: RunContext,
  opts: DriftRunOptions,
): Promise<DriftReport | { machines: MachineResult[] }> {
  switch (req.kind) {
    case 'drift':
      return req.baseline ? driftAgainstBaseline(req.baseline, profile, ctx, opts) : driftReport(profile, ctx, opts);
    case 'capture':
      if (!req.baseline) throw new ProdlikeError('capture needs a file to write the baseline to', { hint: 'prodlike capture <profile> --out baselines/production.yaml' });
      return capture(req.baseline, profile, ctx, opts);
    case 'reconcile':
      if (!req.baseline) throw new ProdlikeError('reconcile needs a baseline to reconcile with', { hint: 'prodlike reconcile <profile> --against baselines/production.yaml' });
      return reconcile(req.baseline, profile, ctx, opts);
    default:
      throw new ProdlikeError(`${req.kind} is not a drift run`);
  }
}

function machineFailed(ctx: RunContext, machine: string, error: ErrorInfo, phase: 'probe' | 'provision' = 'probe') {
  ctx.emit({ type: 'machine', runId: ctx.runId, machine, phase, status: 'failed', error });
}

function inProfileOrder<T extends { machine: string }>(profile: Profile, items: T[]): T[] {
  const order = new Map(profile.machines.map((m, i) => [m.name, i]));
  return items.sort((a, b) => order.get(a.machine)! - order.get(b.machine)!);
}

function report(profile: Profile, ctx: RunContext, against: string, started: number, findings: DriftFinding[], errors: MachineError[]): DriftReport {
  inProfileOrder(profile, findings);
  inProfileOrder(profile, errors);
  return {
    runId: ctx.runId,
    profile: profile.name,
    profileFile: profile.file,
    against,
    checkedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    findings,
    errors,
    inSync: errors.length === 0 && findings.every((f) => !isDrift(f.status)),
  };
}

async function driftReport(profile: Profile, ctx: RunContext, opts: DriftRunOptions): Promise<DriftReport> {
  const started = Date.now();
  const transports = await attachAll(opts.providers, profile, profile.machines, ctx);
  const findings: DriftFinding[] = [];
  const errors: MachineError[] = [];
  await Promise.all(
    profile.machines.map(async (m) => {
      const { transport: t, error: unreachable } = transports.reach(m.name);
      if (!t) {
        const error = toErrorInfo(unreachable);
        errors.push({ machine: m.name, error });
        machineFailed(ctx, m.name, error);
        return;
      }
      try {
        for (const f of await driftAgainstProfile(m, t, ctx, { readOnly: !!ctx.productionMachines?.has(m.name) })) {
          findings.push(f);
          ctx.emit({ type: 'drift', runId: ctx.runId, finding: f });
        }
      } catch (err) {
        const error = toErrorInfo(err);
        errors.push({ machine: m.name, error });
        machineFailed(ctx, m.name, error);
      }
    }),
  );
  return report(profile, ctx, 'profile', started, findings, errors);
}

// ---- against a baseline ----

interface Mirror {
  machine: MachineSpec;
  hostName: string;
  host: BaselineHost;
}

/** Pairs each local machine with the baseline host it mirrors; the others get an error saying why not. */
function mirrorsOf(profile: Profile, baseline: Baseline, file: string): { pairs: Mirror[]; errors: MachineError[] } {
  const pairs: Mirror[] = [];
  const errors: MachineError[] = [];
  const hosts = Object.keys(baseline.hosts);
  const rel = path.relative(process.cwd(), file) || file;
  for (const m of profile.machines) {
    const where = m.pos ? `${m.pos.file}:${m.pos.line}:${m.pos.col}` : profile.file;
    if (!m.mirrors) {
      errors.push({
        machine: m.name,
        error: { name: 'BaselineError', message: `machine ${m.name} does not say which production host it mirrors`, where, hint: `add \`mirrors: <host>\` to machine ${m.name}; ${rel} has: ${hosts.join(', ')}` },
      });
    } else if (!baseline.hosts[m.mirrors]) {
      errors.push({
        machine: m.name,
        error: { name: 'BaselineError', message: `machine ${m.name} mirrors ${m.mirrors}, which is not in the baseline ${rel}; it has: ${hosts.join(', ')}`, where, hint: `fix \`mirrors:\` of ${m.name}, or capture a baseline that has ${m.mirrors}` },
      });
    } else {
      pairs.push({ machine: m, hostName: m.mirrors, host: baseline.hosts[m.mirrors]! });
    }
  }
  return { pairs, errors };
}

/** Local facts (one read-only round-trip) compared with the mirrored host. */
async function compareOne(pair: Mirror, t: Transport, ctx: RunContext): Promise<DriftFinding[]> {
  const base = { type: 'machine', runId: ctx.runId, machine: pair.machine.name, phase: 'probe' } as const;
  ctx.emit({ ...base, status: 'start', detail: `comparing with ${pair.hostName}` });
  const facts = await gatherFacts(t, pathsToGather(pair.host), pair.machine.ssh ? { timeoutMs: pair.machine.ssh.commandTimeoutMs } : {});
  ctx.emit({ ...base, status: 'done' });
  return compareWithBaseline({ machine: pair.machine, hostName: pair.hostName, host: pair.host, facts });
}

async function driftAgainstBaseline(file: string, profile: Profile, ctx: RunContext, opts: DriftRunOptions): Promise<DriftReport> {
  const baseline = await readBaseline(file);
  const started = Date.now();
  const { pairs, errors } = mirrorsOf(profile, baseline, file);
  for (const e of errors) machineFailed(ctx, e.machine, e.error);
  const findings: DriftFinding[] = [];
  const transports = await attachAll(opts.providers, profile, pairs.map((p) => p.machine), ctx);
  await Promise.all(
    pairs.map(async (pair) => {
      const name = pair.machine.name;
      const { transport: t, error: unreachable } = transports.reach(name);
      // A machine that could not be reached was announced by its provider already.
      if (!t) return void errors.push({ machine: name, error: toErrorInfo(unreachable) });
      try {
        for (const f of await compareOne(pair, t, ctx)) {
          findings.push(f);
          ctx.emit({ type: 'drift', runId: ctx.runId, finding: f });
        }
      } catch (err) {
        const error = toErrorInfo(err);
        errors.push({ machine: name, error });
        machineFailed(ctx, name, error);
      }
    }),
  );
  return report(profile, ctx, file, started, findings, errors);
}

// ---- capture ----

async function capture(file: string, profile: Profile, ctx: RunContext, opts: DriftRunOptions): Promise<{ machines: MachineResult[] }> {
  if (profile.machines.length === 0) throw new ProdlikeError(`profile ${profile.name} has no machines to capture`, { where: profile.file });
  const notSsh = profile.machines.filter((m) => !m.ssh);
  if (notSsh.length) {
    throw new RefusedError(`capture reads existing hosts over SSH, and ${notSsh.map((m) => m.name).join(', ')} ${notSsh.length > 1 ? 'are Docker machines' : 'is a Docker machine'}`, {
      where: profile.file,
      hint: 'capture the production profile (its machines are ssh: hosts); compare Docker machines with it through `prodlike drift <profile> --against <baseline>`',
    });
  }
  if (profile.role !== 'production') {
    ctx.emit({ type: 'log', runId: ctx.runId, stream: 'info', text: `${profile.name} has role: ${profile.role}; capturing it anyway (read-only). Its hosts are not registered as production hosts.` });
  }
  const started = Date.now();
  const failed = new Map<string, ErrorInfo>();
  const emit: EventSink = (e) => {
    if (e.type === 'machine' && e.status === 'failed' && e.error && !failed.has(e.machine)) failed.set(e.machine, e.error);
    ctx.emit(e);
  };
  const transports = await attachAll(opts.providers, profile, profile.machines, { ...ctx, emit });
  let baseline: Baseline | undefined;
  // All or nothing: when a host cannot be reached, the others are not probed for a baseline never written.
  if (failed.size === 0) {
    try {
      baseline = await captureBaseline(profile, transports, emit, { runId: ctx.runId });
    } catch (err) {
      // Per-machine failures arrived as events; anything else is the run's error.
      if (!(err instanceof BaselineError) || failed.size === 0) throw err;
    }
  }
  const rel = path.relative(process.cwd(), file) || file;
  if (baseline) {
    await writeBaseline(file, baseline);
    if (profile.role === 'production' && opts.dataDir) await registerProductionHosts(opts.dataDir, baseline, file);
    ctx.emit({ type: 'log', runId: ctx.runId, stream: 'info', text: `wrote ${rel}: ${Object.keys(baseline.hosts).length} host(s)` });
  } else {
    ctx.emit({ type: 'log', runId: ctx.runId, stream: 'warn', text: `no baseline was written (${rel} is unchanged): ${failed.size} of ${profile.machines.length} machine(s) could not be captured` });
  }
  const durationMs = Date.now() - started;
  return {
    machines: profile.machines.map((m): MachineResult => {
      const error = failed.get(m.name);
      return error ? { machine: m.name, provider: 'ssh', status: 'failed', resources: [], error, durationMs } : { machine: m.name, provider: 'ssh', status: 'ok', resources: [], durationMs };
    }),
  };
}

// ---- reconcile ----

async function reconcile(file: string, profile: Profile, ctx: RunContext, opts: DriftRunOptions): Promise<{ machines: MachineResult[] }> {
  const baseline = await readBaseline(file);
  const { pairs, errors } = mirrorsOf(profile, baseline, file);
  const results: MachineResult[] = errors.map((e) => ({ machine: e.machine, provider: provider(profile, e.machine), status: 'failed', resources: [], error: e.error, durationMs: 0 }));
  for (const e of errors) machineFailed(ctx, e.machine, e.error);
  const transports = await attachAll(opts.providers, profile, pairs.map((p) => p.machine), ctx);
  await Promise.all(
    pairs.map(async (pair) => {
      const name = pair.machine.name;
      const started = Date.now();
      const { transport: t, error: unreachable } = transports.reach(name);
      if (!t) {
        const error = toErrorInfo(unreachable);
        return void results.push({ machine: name, provider: provider(profile, name), status: 'failed', resources: [], error, durationMs: 0 });
      }
      try {
        const findings = await compareOne(pair, t, ctx);
        const plan = reconcilePlan(pair.machine, pair.host, findings);
        for (const u of plan.unfixable) {
          ctx.emit({ type: 'log', runId: ctx.runId, machine: name, stream: 'warn', text: `not reconciled: ${u.finding.resource.kind} ${u.finding.resource.name} (${u.finding.status}): ${u.why}` });
        }
        results.push(await converge(plan.spec, t, 'apply', ctx));
      } catch (err) {
        const error = toErrorInfo(err);
        machineFailed(ctx, name, error);
        results.push({ machine: name, provider: provider(profile, name), status: 'failed', resources: [], error, durationMs: Date.now() - started });
      }
    }),
  );
  return { machines: inProfileOrder(profile, results) };
}

function provider(profile: Profile, machine: string): ProviderName {
  const m = profile.machines.find((x) => x.name === machine);
  return m ? machineProvider(m) : 'ssh';
}
