// drift, capture and reconcile: the runs that compare machines with a profile or a production baseline.
//
//   drift <profile>                     probe → diff against the profile (drift.ts)
//   drift <profile> --against FILE      local facts (one round-trip) vs the baseline host each machine mirrors
//   capture <profile> --out FILE        read-only facts of the profile's SSH hosts → a baseline file
//   reconcile <profile> --against FILE  production's values substituted into the profile, applied by converge

import path from 'node:path';
import type { StartRunRequest } from '../../../shared/api.js';
import { machineProvider, type MachineSpec, type ProviderName, type Profile } from '../../../shared/profile.js';
import { isDrift, type DriftFinding, type DriftReport, type ErrorInfo, type MachineResult } from '../../../shared/report.js';
import { addressOf, BASELINE_FORMAT, baselineChunks, captureHost, hostYamlChunks, parseCapturedHost, readBaseline, type Baseline, type BaselineHost } from '../baseline.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { byKey } from '../by-key.js';
import { ProdlikeError, RefusedError, toErrorInfo } from '../errors.js';
import { gatherFacts } from '../facts/index.js';
import type { RunContext } from '../backends/backend.js';
import type { Transport } from '../transport.js';
import { compareWithBaseline, pathsToGather } from './baseline-drift.js';
import { converge } from './converge.js';
import { driftAgainstProfile } from './drift.js';
import { attachAll, type ProviderSet } from './backends.js';
import { forEachMachine } from './fleet.js';
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
      return req.baseline ? driftAgainstBaseline(req.baseline, profile, ctx, opts, req.forks) : driftReport(profile, ctx, opts, req.forks);
    case 'capture':
      if (!req.baseline) throw new ProdlikeError('capture needs a file to write the baseline to', { hint: 'prodlike capture <profile> --out baselines/production.yaml' });
      return capture(req.baseline, profile, ctx, opts, req);
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

async function driftReport(profile: Profile, ctx: RunContext, opts: DriftRunOptions, forks?: number): Promise<DriftReport> {
  const started = Date.now();
  const findings: DriftFinding[] = [];
  const errors: MachineError[] = [];
  await forEachMachine({
    providers: opts.providers,
    profile,
    machines: profile.machines,
    ctx,
    ...(forks ? { forks } : {}),
    work: async (m, t) => {
      for (const f of await driftAgainstProfile(m, t, ctx, { readOnly: !!ctx.productionMachines?.has(m.name) })) {
        findings.push(f);
        ctx.emit({ type: 'drift', runId: ctx.runId, finding: f });
      }
    },
    failed: (m, err) => {
      const error = toErrorInfo(err);
      errors.push({ machine: m.name, error });
      machineFailed(ctx, m.name, error);
    },
  });
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
    } else if (!baseline.hosts[m.mirrors] && baseline.not_captured?.[m.mirrors]) {
      const nc = baseline.not_captured[m.mirrors]!;
      errors.push({
        machine: m.name,
        error: {
          name: 'BaselineError',
          message: `machine ${m.name} mirrors ${m.mirrors}, which was not captured in ${rel} (${nc.address}: ${nc.reason}): nothing is known of it, so it cannot be compared`,
          where,
          hint: `capture the production profile again when ${m.mirrors} is reachable`,
        },
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

async function driftAgainstBaseline(file: string, profile: Profile, ctx: RunContext, opts: DriftRunOptions, forks?: number): Promise<DriftReport> {
  const baseline = await readBaseline(file);
  const started = Date.now();
  const { pairs, errors } = mirrorsOf(profile, baseline, file);
  for (const e of errors) machineFailed(ctx, e.machine, e.error);
  const findings: DriftFinding[] = [];
  const byName = new Map(pairs.map((p) => [p.machine.name, p]));
  await forEachMachine({
    providers: opts.providers,
    profile,
    machines: pairs.map((p) => p.machine),
    ctx,
    ...(forks ? { forks } : {}),
    work: async (m, t) => {
      for (const f of await compareOne(byName.get(m.name)!, t, ctx)) {
        findings.push(f);
        ctx.emit({ type: 'drift', runId: ctx.runId, finding: f });
      }
    },
    failed: (m, err, phase) => {
      const error = toErrorInfo(err);
      errors.push({ machine: m.name, error });
      // A machine that could not be reached was announced by its provider already.
      if (phase !== 'provision') machineFailed(ctx, m.name, error);
    },
  });
  return report(profile, ctx, file, started, findings, errors);
}

// ---- capture ----

async function capture(file: string, profile: Profile, ctx: RunContext, opts: DriftRunOptions, req: StartRunRequest): Promise<{ machines: MachineResult[] }> {
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
  // Each host's baseline lines, written as soon as it is probed: its facts are not kept (a fleet's
  // facts as objects were hundreds of MB; their text is the size of the file).
  const hosts = new Map<string, string[]>();
  const addresses = new Map<string, string>();
  const failed = new Map<string, ErrorInfo>();
  // Every host is tried (at most `forks` at a time): one unreachable host is recorded, not the end of the capture.
  await forEachMachine({
    providers: opts.providers,
    profile,
    machines: profile.machines,
    ctx,
    ...(req.forks ? { forks: req.forks } : {}),
    work: async (m, t) => {
      const base = { type: 'machine', runId: ctx.runId, machine: m.name, phase: 'probe' } as const;
      ctx.emit({ ...base, status: 'start', detail: 'gathering facts (read-only)' });
      const t0 = Date.now();
      const { host, packages } = await captureHost(m, t);
      hosts.set(m.name, hostYamlChunks(m.name, parseCapturedHost(host)));
      addresses.set(m.name, host.address);
      ctx.emit({ ...base, status: 'done', detail: `${packages} packages, facts in ${Date.now() - t0} ms` });
    },
    failed: (m, err, phase) => {
      const error = toErrorInfo(err);
      failed.set(m.name, error);
      // The SSH provider announced a failed connection already.
      if (phase !== 'provision') machineFailed(ctx, m.name, error);
    },
  });
  const rel = path.relative(process.cwd(), file) || file;
  const captured = hosts.size;
  let baseline: Omit<Baseline, 'hosts'> | undefined;
  if (failed.size === 0 || (req.allowUnreachable && captured > 0)) {
    baseline = { format: BASELINE_FORMAT, profile: profile.name, captured_at: new Date().toISOString() };
    if (failed.size) {
      baseline.not_captured = byKey(
        Object.fromEntries(profile.machines.filter((m) => failed.has(m.name)).map((m) => [m.name, { address: addressOf(m), reason: failed.get(m.name)!.message.split('\n')[0]! }])),
      );
    }
  }
  if (baseline) {
    await writeFileAtomic(file, baselineChunks(baseline, hosts), 0o644);
    if (profile.role === 'production' && opts.dataDir) {
      const known = Object.fromEntries([...addresses].map(([name, address]) => [name, { address }]));
      await registerProductionHosts(opts.dataDir, { ...baseline, hosts: known }, file);
    }
    const missing = failed.size ? `; ${failed.size} not captured (${[...failed.keys()].join(', ')}), marked so in it` : '';
    ctx.emit({ type: 'log', runId: ctx.runId, stream: failed.size ? 'warn' : 'info', text: `wrote ${rel}: ${captured} host(s)${missing}` });
  } else {
    const hint = captured > 0 ? '; --allow-unreachable writes the hosts that were captured and marks the others "not captured"' : '';
    ctx.emit({ type: 'log', runId: ctx.runId, stream: 'warn', text: `no baseline was written (${rel} is unchanged): ${failed.size} of ${profile.machines.length} machine(s) could not be captured${hint}` });
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
