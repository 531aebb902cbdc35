// Drift against a production baseline: a local machine's facts compared with the baseline host it
// mirrors (`mirrors:`). Pure: the runner gathers the local facts (one read-only round-trip) and emits
// the findings. In every change, `before` is this machine's value and `after` is production's, as in
// drift against a profile (`before` actual, `after` desired).
//
// What is compared, and why only that: the OS release (ID + VERSION_ID) here, and for each resource kind
// what its module's `baseline.compare` says (resources/<kind>-resource.ts): packages, users, groups,
// services and environment variables the local profile names (accounts and services also when the
// baseline records them as absent); files and directories the baseline records (the production profile
// named them; a path the baseline does not record is unknown, not absent). Comparing everything both
// hosts have would drown the findings in the base image's own differences.

import type { MachineSpec } from '../../../shared/profile.js';
import type { Change, DriftFinding, DriftStatus, DriftSubject } from '../../../shared/report.js';
import type { BaselineHost } from '../baseline-schema.js';
import type { HostFacts } from '../facts/index.js';
import { KIND_LIST, kindOf } from '../resources/registry.js';
import type { BaselineSection } from '../resources/resource.js';

export interface BaselineComparison {
  /** The local machine, as its profile describes it. */
  machine: MachineSpec;
  /** The baseline host's name (the machine's `mirrors:`). */
  hostName: string;
  host: BaselineHost;
  /** The local machine's facts, gathered for at least `pathsToGather(host)`. */
  facts: HostFacts;
}

/** The paths the local facts probe must describe for a comparison with this baseline host. */
export function pathsToGather(host: BaselineHost): string[] {
  return [...new Set([...Object.keys(host.files), ...Object.keys(host.directories)])];
}

export function compareWithBaseline(c: BaselineComparison): DriftFinding[] {
  const out: DriftFinding[] = [];
  const add = (subject: DriftSubject, status: DriftStatus, changes: Change[]) => out.push(finding(c.machine.name, c.hostName, subject, status, changes));

  // OS release
  const prodOs = `${c.host.os.id} ${c.host.os.version_id}`.trim();
  const localOs = `${c.facts.os.id} ${c.facts.os.versionId}`.trim();
  add({ id: 'os', kind: 'os', name: 'os-release' }, prodOs === localOs ? 'in-sync' : 'drifted', prodOs === localOs ? [] : [{ field: 'release', summary: `os ${localOs} → ${prodOs} (production)`, before: localOs, after: prodOs }]);

  // Each kind compares its part; a baseline entry that a kind owns (a symlink's path among the files)
  // is reported by that kind only.
  const owner = new Map<string, string>();
  const entry = (section: BaselineSection, name: string) => `${section}\0${name}`;
  for (const r of c.machine.resources) {
    for (const rec of kindOf(r).baseline?.records?.(r) ?? []) if (rec.owns) owner.set(entry(rec.section, rec.name), r.kind);
  }
  for (const kind of KIND_LIST) {
    const compare = kind.baseline?.compare;
    if (!compare) continue;
    const items = compare({
      host: c.host,
      facts: c.facts,
      specs: c.machine.resources.filter((r) => r.kind === kind.kind),
      ownedElsewhere: (section, name) => (owner.get(entry(section, name)) ?? kind.kind) !== kind.kind,
    });
    for (const item of items) add({ id: `${kind.kind}:${item.name}`, kind: kind.kind, name: item.name }, item.status, item.changes);
  }
  return out;
}

function finding(machine: string, against: string, resource: DriftSubject, status: DriftStatus, changes: Change[]): DriftFinding {
  const f: DriftFinding = { machine, against, resource, status, changes };
  if (changes.length > 0) {
    f.expected = changes.map((ch) => ch.after ?? '').filter(Boolean).join(', ') || null;
    f.actual = changes.map((ch) => ch.before ?? '').filter(Boolean).join(', ') || null;
  }
  return f;
}
