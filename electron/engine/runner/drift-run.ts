// drift, capture and reconcile: the runs that compare machines with a profile or a production baseline.

import type { StartRunRequest } from '../../../shared/api.js';
import type { Profile } from '../../../shared/profile.js';
import type { DriftFinding, DriftReport, ErrorInfo, MachineResult } from '../../../shared/report.js';
import { toErrorInfo } from '../errors.js';
import type { RunContext } from '../providers/provider.js';
import { driftAgainstProfile } from './drift.js';
import { attachAll, type ProviderSet } from './machines.js';

export interface DriftRunOptions {
  providers: ProviderSet;
  allowProductionHosts: boolean;
}

export async function runDriftOrBaseline(
  req: StartRunRequest,
  profile: Profile,
  ctx: RunContext,
  opts: DriftRunOptions,
): Promise<DriftReport | { machines: MachineResult[] }> {
  switch (req.kind) {
    case 'drift':
      return driftReport(profile, ctx, opts);
    default:
      throw new Error(`${req.kind} is not available yet`);
  }
}

async function driftReport(profile: Profile, ctx: RunContext, opts: DriftRunOptions): Promise<DriftReport> {
  const started = Date.now();
  const transports = await attachAll(opts.providers, profile, profile.machines, ctx);
  const findings: DriftFinding[] = [];
  const errors: { machine: string; error: ErrorInfo }[] = [];
  await Promise.all(
    profile.machines.map(async (m) => {
      const t = transports.get(m.name);
      if (!t || t instanceof Error) {
        const error = toErrorInfo(t ?? new Error('not reachable'));
        errors.push({ machine: m.name, error });
        ctx.emit({ type: 'machine', runId: ctx.runId, machine: m.name, phase: 'probe', status: 'failed', error });
        return;
      }
      try {
        const found = await driftAgainstProfile(m, t, ctx);
        for (const f of found) {
          findings.push(f);
          ctx.emit({ type: 'drift', runId: ctx.runId, finding: f });
        }
      } catch (err) {
        const error = toErrorInfo(err);
        errors.push({ machine: m.name, error });
        ctx.emit({ type: 'machine', runId: ctx.runId, machine: m.name, phase: 'probe', status: 'failed', error });
      }
    }),
  );
  // Reports list machines in profile order, whatever order the probes finished in.
  const order = new Map(profile.machines.map((m, i) => [m.name, i]));
  findings.sort((a, b) => order.get(a.machine)! - order.get(b.machine)!);
  errors.sort((a, b) => order.get(a.machine)! - order.get(b.machine)!);
  return {
    runId: ctx.runId,
    profile: profile.name,
    profileFile: profile.file,
    against: 'profile',
    checkedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    findings,
    errors,
    inSync: errors.length === 0 && findings.every((f) => f.status === 'in-sync'),
  };
}
