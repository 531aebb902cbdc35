// One machine through the one code path: probe (one round-trip) → diff → apply what differs → probe
// again to confirm. `plan` stops after diff; drift reuses probe + diff (drift.ts).

import { machineProvider, type MachineSpec, type ResourceSpec } from '../../../shared/profile.js';
import type { Change, MachineResult, ResourceResult } from '../../../shared/report.js';
import { toErrorInfo } from '../errors.js';
import type { RunContext } from '../providers/provider.js';
import { diffAll, probeAll } from '../resources/index.js';
import type { Transport } from '../transport/transport.js';
import { applyInOrder } from './apply.js';

export interface Probed {
  spec: ResourceSpec;
  actual?: unknown;
  changes: Change[];
  error?: string;
}

export function refOf(spec: ResourceSpec) {
  return { id: spec.id, kind: spec.kind, name: spec.name };
}

/** Probes every resource of a machine in one round-trip and diffs each against its spec. */
export async function probeAndDiff(transport: Transport, resources: ResourceSpec[], signal?: AbortSignal): Promise<Probed[]> {
  if (resources.length === 0) return [];
  const probed = await probeAll(transport, resources, signal);
  const diffed = diffAll(resources, probed);
  return resources.map((spec) => {
    const d = diffed.get(spec.id)!;
    const p: Probed = { spec, actual: probed.get(spec.id)?.actual, changes: d.changes };
    if (d.error !== undefined) p.error = d.error;
    return p;
  });
}

export async function converge(
  machine: MachineSpec,
  transport: Transport,
  mode: 'apply' | 'plan',
  ctx: RunContext,
): Promise<MachineResult> {
  const started = Date.now();
  const provider = machineProvider(machine);
  const emitResource = (r: ResourceResult, durationMs?: number) =>
    ctx.emit({ type: 'resource', runId: ctx.runId, machine: machine.name, resource: { id: r.id, kind: r.kind, name: r.name }, status: r.status, changes: r.changes, ...(r.error ? { error: r.error } : {}), ...(durationMs !== undefined ? { durationMs } : {}) });

  ctx.emit({ type: 'machine', runId: ctx.runId, machine: machine.name, phase: 'probe', status: 'start' });
  let probed: Probed[];
  try {
    probed = await probeAndDiff(transport, machine.resources, ctx.signal);
  } catch (err) {
    const error = toErrorInfo(err);
    ctx.emit({ type: 'machine', runId: ctx.runId, machine: machine.name, phase: 'probe', status: 'failed', error });
    return { machine: machine.name, provider, status: 'failed', resources: [], error, durationMs: Date.now() - started };
  }
  ctx.emit({ type: 'machine', runId: ctx.runId, machine: machine.name, phase: 'probe', status: 'done' });

  const results = new Map<string, ResourceResult>();
  for (const p of probed) {
    const base = refOf(p.spec);
    let r: ResourceResult;
    if (p.error !== undefined) {
      r = { ...base, status: 'failed', changes: [], error: { name: 'ProbeError', message: `could not read the state of ${p.spec.kind} ${p.spec.name}: ${p.error}`, where: `machine ${machine.name}` } };
    } else if (p.changes.length === 0) {
      r = { ...base, status: 'ok', changes: [] };
    } else {
      r = { ...base, status: 'pending', changes: p.changes };
    }
    results.set(p.spec.id, r);
    // In apply mode only settled results are announced now; pending ones are announced as they apply.
    if (mode === 'plan' || r.status !== 'pending') emitResource(r);
  }

  if (mode === 'apply' && probed.some((p) => p.changes.length > 0 && p.error === undefined)) {
    ctx.emit({ type: 'machine', runId: ctx.runId, machine: machine.name, phase: 'apply', status: 'start' });
    await applyInOrder(machine, transport, probed, results, ctx, emitResource);
    ctx.emit({ type: 'machine', runId: ctx.runId, machine: machine.name, phase: 'apply', status: 'done' });
    await verify(machine, transport, probed, results, ctx, emitResource);
  }

  const list = machine.resources.map((s) => results.get(s.id)!);
  const status = list.some((r) => r.status === 'failed')
    ? 'failed'
    : list.some((r) => r.status === 'changed')
      ? 'changed'
      : list.some((r) => r.status === 'pending')
        ? 'pending'
        : 'ok';
  return { machine: machine.name, provider, status, resources: list, durationMs: Date.now() - started };
}

/** After apply, one more probe of what changed: a resource that still differs did not converge. */
async function verify(
  machine: MachineSpec,
  transport: Transport,
  probed: Probed[],
  results: Map<string, ResourceResult>,
  ctx: RunContext,
  emitResource: (r: ResourceResult) => void,
): Promise<void> {
  // A command without guards would always run again; verifying it would only repeat that.
  const changed = probed.filter((p) => results.get(p.spec.id)?.status === 'changed' && p.spec.kind !== 'command');
  if (changed.length === 0) return;
  ctx.emit({ type: 'machine', runId: ctx.runId, machine: machine.name, phase: 'verify', status: 'start' });
  const again = await probeAndDiff(transport, changed.map((p) => p.spec), ctx.signal);
  for (const p of again) {
    if (p.error === undefined && p.changes.length === 0) continue;
    const prev = results.get(p.spec.id)!;
    const r: ResourceResult = {
      ...prev,
      status: 'failed',
      error: {
        name: 'NotConverged',
        message: `${p.spec.kind} ${p.spec.name} still differs after apply: ${p.error ?? p.changes.map((c) => c.summary).join('; ')}`,
        where: `machine ${machine.name}`,
        hint: 'another process may be changing it, or the resource contradicts another one in the profile',
      },
    };
    results.set(p.spec.id, r);
    emitResource(r);
  }
  ctx.emit({ type: 'machine', runId: ctx.runId, machine: machine.name, phase: 'verify', status: 'done' });
}
