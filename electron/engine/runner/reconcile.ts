// Reconcile: make a local machine match the production host it mirrors, where they differ. It derives
// a modified machine spec (production's values substituted into the local profile's resources) and
// runs it through the one apply path (converge). Only resources the local profile names are changed:
// the baseline says how production is, the profile says what this machine manages.
//
// What reconcile can fix is each kind's `reconcile` (resources/<kind>-resource.ts): packages pinned to
// production's version, mode/owner/group of files and directories, users' groups, services' state, env
// values, ... The OS release, file content, anything the local profile does not name and what a kind
// says it cannot fix are reported as not fixable, so the user knows what is left.

import type { MachineSpec } from '../../../shared/profile.js';
import type { DriftFinding, DriftStatus } from '../../../shared/report.js';
import type { BaselineHost } from '../baseline-schema.js';
import { isKindName, KINDS, kindOf } from '../resources/registry.js';

export interface ReconcilePlan {
  /** The local machine with production's values substituted. */
  spec: MachineSpec;
  /** Findings reconcile cannot fix, with why. */
  unfixable: { finding: DriftFinding; why: string }[];
}

const key = (kind: string, name: string) => `${kind}:${name}`;

export function reconcilePlan(machine: MachineSpec, host: BaselineHost, findings: DriftFinding[]): ReconcilePlan {
  const byKey = new Map(findings.filter((f) => f.machine === machine.name).map((f) => [key(f.resource.kind, f.resource.name), f]));
  const status = (kind: string, name: string): DriftStatus => byKey.get(key(kind, name))?.status ?? 'in-sync';
  const resources = machine.resources.map((r) => kindOf(r).reconcile?.pin?.(r, host, status) ?? r);
  const unfixable: ReconcilePlan['unfixable'] = [];
  const namedKeys = new Set(machine.resources.flatMap((r) => kindOf(r).reconcile?.subjects?.(r) ?? [key(r.kind, r.name)]));
  for (const f of findings) {
    if (f.machine !== machine.name || f.status === 'in-sync') continue;
    const kind = f.resource.kind;
    const beyond = isKindName(kind) ? KINDS[kind].reconcile?.cannotFix?.(f, host) : undefined;
    if (kind === 'os') {
      unfixable.push({ finding: f, why: 'the OS release differs: change the image (docker) or the VM, reconcile does not reinstall machines' });
    } else if (!namedKeys.has(key(kind, f.resource.name))) {
      unfixable.push({ finding: f, why: `the profile does not name ${kind} ${f.resource.name}; add it to the profile to let reconcile manage it` });
    } else if (f.changes.some((c) => c.field === 'content')) {
      unfixable.push({ finding: f, why: 'content differs from production, and a baseline holds only hashes: change the content in the profile' });
    } else if (beyond !== undefined) {
      unfixable.push({ finding: f, why: beyond });
    }
  }
  return { spec: { ...machine, resources }, unfixable };
}
