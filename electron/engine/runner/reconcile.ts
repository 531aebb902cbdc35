// Reconcile: make a local machine match the production host it mirrors, where they differ. It derives
// a modified machine spec (production's values substituted into the local profile's resources) and
// runs it through the one apply path (converge). Only resources the local profile names are changed:
// the baseline says how production is, the profile says what this machine manages.
//
// What reconcile can fix, and what it cannot:
// - packages: pinned to production's exact version when drift found them different or missing; a
//   package production lacks becomes `state: absent` (only because the local profile names it);
// - files and directories: mode, owner and group as in production. Content stays the profile's (a
//   baseline holds hashes, never content);
// - users: present, with production's supplementary groups added; groups: present;
// - services: running or stopped as in production; env: production's value unless it was redacted.
// The OS release, file content and anything the local profile does not name are reported as not
// fixable, so the user knows what is left.

import type { MachineSpec, ResourceSpec } from '../../../shared/profile.js';
import type { DriftFinding } from '../../../shared/report.js';
import type { BaselineHost } from '../baseline-schema.js';
import { REDACTED } from '../facts/index.js';

export interface ReconcilePlan {
  /** The local machine with production's values substituted. */
  spec: MachineSpec;
  /** Findings reconcile cannot fix, with why. */
  unfixable: { finding: DriftFinding; why: string }[];
}

const key = (kind: string, name: string) => `${kind}:${name}`;

export function reconcilePlan(machine: MachineSpec, host: BaselineHost, findings: DriftFinding[]): ReconcilePlan {
  const byKey = new Map(findings.filter((f) => f.machine === machine.name).map((f) => [key(f.resource.kind, f.resource.name), f]));
  const status = (kind: string, name: string) => byKey.get(key(kind, name))?.status ?? 'in-sync';
  const resources = machine.resources.map((r) => adjust(r, host, status));
  const unfixable: ReconcilePlan['unfixable'] = [];
  const namedKeys = new Set(machine.resources.map((r) => key(r.kind === 'line' ? 'file' : r.kind, r.name)));
  for (const f of findings) {
    if (f.machine !== machine.name || f.status === 'in-sync') continue;
    if (f.resource.kind === 'os') {
      unfixable.push({ finding: f, why: 'the OS release differs: change the image (docker) or the VM, reconcile does not reinstall machines' });
    } else if (!namedKeys.has(key(f.resource.kind, f.resource.name))) {
      unfixable.push({ finding: f, why: `the profile does not name ${f.resource.kind} ${f.resource.name}; add it to the profile to let reconcile manage it` });
    } else if (f.changes.some((c) => c.field === 'content')) {
      unfixable.push({ finding: f, why: 'content differs from production, and a baseline holds only hashes: change the content in the profile' });
    } else if ((f.resource.kind === 'file' || f.resource.kind === 'directory') && f.status !== 'drifted') {
      unfixable.push({ finding: f, why: `reconcile does not create or remove ${f.resource.kind}s: production ${f.status === 'missing' ? 'has' : 'lacks'} it; change the profile` });
    }
  }
  return { spec: { ...machine, resources }, unfixable };
}

function adjust(r: ResourceSpec, host: BaselineHost, status: (kind: string, name: string) => string): ResourceSpec {
  switch (r.kind) {
    case 'package': {
      const s = status('package', r.name);
      const prod = host.packages[r.name];
      if ((s === 'drifted' || s === 'missing') && prod !== undefined) return { ...r, state: 'present', version: prod };
      if (s === 'extra') {
        const { version: _drop, ...rest } = r;
        return { ...rest, state: 'absent' };
      }
      return r;
    }
    case 'file':
    case 'directory': {
      const prod = r.kind === 'file' ? host.files[r.name] : host.directories[r.name];
      if (!prod || 'absent' in prod || 'type' in prod || r.state === 'absent') return r;
      const out = { ...r, mode: prod.mode.padStart(4, '0') };
      // "UNKNOWN": production's uid/gid has no name; a number would mean another account here.
      if (prod.owner !== 'UNKNOWN') out.owner = prod.owner;
      if (prod.group !== 'UNKNOWN') out.group = prod.group;
      return out;
    }
    case 'user': {
      const prod = host.users[r.name];
      if (!prod || 'absent' in prod) return r;
      return { ...r, state: 'present', groups: [...new Set([...r.groups, ...prod.groups])] };
    }
    case 'group': {
      const prod = host.groups[r.name];
      return prod && !('absent' in prod) ? { ...r, state: 'present' } : r;
    }
    case 'service': {
      const prod = host.services[r.name];
      if (!prod || 'absent' in prod || (prod.state !== 'running' && prod.state !== 'stopped')) return r;
      return { ...r, state: prod.state };
    }
    case 'env': {
      const prod = host.env[r.name];
      return prod !== undefined && prod !== REDACTED ? { ...r, state: 'present', value: prod } : r;
    }
    default:
      return r;
  }
}
