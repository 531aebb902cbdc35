// Drift against the profile: probe → diff, the same code path as plan, classified for people.

import type { MachineSpec, ResourceSpec } from '../../../shared/profile.js';
import type { Change, DriftFinding, DriftStatus } from '../../../shared/report.js';
import type { RunContext } from '../backends/backend.js';
import type { Transport } from '../transport.js';
import { kindOf } from '../resources/registry.js';
import { probeAndDiff, refOf } from './converge.js';

/**
 * missing: the thing is not on the machine (a state change from absent, or the one change of a kind
 * that has no state field — an env variable or a line — from nothing); extra: it is there and should
 * not be; drifted: it is there and differs.
 */
export function classify(spec: ResourceSpec, changes: Change[]): DriftStatus {
  if (changes.length === 0) return 'in-sync';
  if ('state' in spec && spec.state === 'absent') return 'extra';
  const primary = changes.find((c) => c.field === 'state') ?? (changes.length === 1 ? changes[0] : undefined);
  if (primary) {
    const none = (v: Change['before']) => v === null || v === undefined || v === 'absent';
    if (none(primary.before) && !none(primary.after)) return 'missing';
    if (!none(primary.before) && none(primary.after)) return 'extra';
  }
  return 'drifted';
}

export function findingFor(machine: string, spec: ResourceSpec, changes: Change[], against?: string): DriftFinding {
  const status = classify(spec, changes);
  const finding: DriftFinding = { machine, resource: refOf(spec), status, changes };
  if (against) finding.against = against;
  if (changes.length > 0) {
    finding.expected = changes.map((c) => c.after ?? '').filter(Boolean).join(', ') || null;
    finding.actual = changes.map((c) => c.before ?? '').filter(Boolean).join(', ') || null;
  }
  return finding;
}

export async function driftAgainstProfile(machine: MachineSpec, transport: Transport, ctx: RunContext, opts: { readOnly?: boolean } = {}): Promise<DriftFinding[]> {
  ctx.emit({ type: 'machine', runId: ctx.runId, machine: machine.name, phase: 'probe', status: 'start' });
  const probed = await probeAndDiff(transport, machine.resources, { ...(ctx.signal ? { signal: ctx.signal } : {}), ...(opts.readOnly ? { readOnly: true } : {}) });
  ctx.emit({ type: 'machine', runId: ctx.runId, machine: machine.name, phase: 'probe', status: 'done' });
  return probed.map((p) => {
    if (p.unchecked !== undefined) {
      return { machine: machine.name, resource: refOf(p.spec), status: 'not-checked' as const, expected: null, actual: null, changes: [{ field: 'guard', summary: p.unchecked }] };
    }
    if (p.error !== undefined) {
      return {
        machine: machine.name,
        resource: refOf(p.spec),
        status: 'drifted' as const,
        expected: null,
        actual: `could not be read: ${p.error}`,
        changes: [{ field: 'probe', summary: `could not be read: ${p.error}` }],
      };
    }
    // An action (a command without guards) is not a state: never drift. With a guard (creates, unless,
    // onlyif) the guard is the state it stands for, so "would run" is drift.
    const s = p.spec;
    if (kindOf(s).action?.(s)) return findingFor(machine.name, s, []);
    return findingFor(machine.name, p.spec, p.changes);
  });
}
