// Drift against a production baseline: a local machine's facts compared with the baseline host it
// mirrors (`mirrors:`). Pure: the runner gathers the local facts (one read-only round-trip) and emits
// the findings. In every change, `before` is this machine's value and `after` is production's, as in
// drift against a profile (`before` actual, `after` desired).
//
// What is compared, and why only that:
// - the OS release (ID + VERSION_ID);
// - packages the local profile names (the baseline lists every package production has, so "not in the
//   baseline" means "production does not have it");
// - files and directories the baseline records (the production profile named them; a path the baseline
//   does not record is unknown, not absent);
// - users, groups, services and environment variables the local profile names, plus those the baseline
//   records as absent (production's profile named them and they were not there).
// Comparing everything both hosts have would drown the findings in the base image's own differences.

import type { MachineSpec, ResourceSpec } from '../../../shared/profile.js';
import type { Change, DriftFinding, DriftStatus, DriftSubject } from '../../../shared/report.js';
import type { BaselineDirectory, BaselineFile, BaselineHost } from '../baseline-schema.js';
import { REDACTED, type HostFacts, type PathFact } from '../facts/index.js';

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
  const named = (kind: ResourceSpec['kind']) => unique(c.machine.resources.filter((r) => r.kind === kind).map((r) => r.name));
  const recordedAbsent = (rec: Record<string, object>) => Object.keys(rec).filter((k) => 'absent' in rec[k]!);
  const ref = (kind: ResourceSpec['kind'], name: string): DriftSubject => ({ id: `${kind}:${name}`, kind, name });

  // OS release
  const prodOs = `${c.host.os.id} ${c.host.os.version_id}`.trim();
  const localOs = `${c.facts.os.id} ${c.facts.os.versionId}`.trim();
  add({ id: 'os', kind: 'os', name: 'os-release' }, prodOs === localOs ? 'in-sync' : 'drifted', prodOs === localOs ? [] : [{ field: 'release', summary: `os ${localOs} → ${prodOs} (production)`, before: localOs, after: prodOs }]);

  for (const name of named('package')) {
    const [status, changes] = presence(c.facts.packages[name], c.host.packages[name], (local, prod) =>
      local === prod ? [] : [{ field: 'version', summary: `${name} ${local} → ${prod} (production)`, before: local, after: prod }],
    );
    add(ref('package', name), status, changes);
  }

  for (const [p, prod] of Object.entries(c.host.files)) {
    const [status, changes] = pathPresence(c.facts.paths[p], prod, (local, prodEntry) => pathChanges(local, prodEntry, 'file'));
    add(ref('file', p), status, changes);
  }
  for (const [p, prod] of Object.entries(c.host.directories)) {
    const [status, changes] = pathPresence(c.facts.paths[p], prod, (local, prodEntry) => pathChanges(local, prodEntry, 'directory'));
    add(ref('directory', p), status, changes);
  }

  for (const name of unique([...named('user'), ...recordedAbsent(c.host.users)])) {
    const prod = c.host.users[name];
    const [status, changes] = presence(c.facts.users[name], prod && !('absent' in prod) ? prod : undefined, (local, p) => {
      const [a, b] = [[...local.groups].sort().join(','), [...p.groups].sort().join(',')];
      return a === b ? [] : [{ field: 'groups', summary: `groups ${a || '(none)'} → ${b || '(none)'} (production)`, before: a, after: b }];
    });
    add(ref('user', name), status, changes);
  }

  for (const name of unique([...named('group'), ...recordedAbsent(c.host.groups)])) {
    const prod = c.host.groups[name];
    const [status, changes] = presence(c.facts.groups[name], prod && !('absent' in prod) ? prod : undefined, () => []);
    add(ref('group', name), status, changes);
  }

  for (const name of unique([...named('service'), ...recordedAbsent(c.host.services)])) {
    const prod = c.host.services[name];
    const [status, changes] = presence(c.facts.services[name], prod && !('absent' in prod) ? prod : undefined, (local, p) =>
      local.state === p.state ? [] : [{ field: 'state', summary: `${name} ${local.state} → ${p.state} (production)`, before: local.state, after: p.state }],
    );
    add(ref('service', name), status, changes);
  }

  for (const name of named('env')) {
    const [status, changes] = presence(c.facts.env[name], c.host.env[name], (local, prod) =>
      // A redacted value can only be compared for presence: its value never left the host.
      local === prod || local === REDACTED || prod === REDACTED ? [] : [{ field: 'value', summary: `${name}=${local} → ${prod} (production)`, before: local, after: prod }],
    );
    add(ref('env', name), status, changes);
  }
  return out;
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

function describe(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'mode' in v) {
    const e = v as { type?: string; mode: string; owner: string; group: string };
    return `${e.type ? `${e.type}, ` : ''}mode ${e.mode.padStart(4, '0')}, ${e.owner}:${e.group}`;
  }
  if (v && typeof v === 'object' && 'state' in v) return String((v as { state: unknown }).state);
  return 'present';
}

/** present/absent on both sides → status; both present → `compare` decides in-sync or drifted. */
function presence<L, P>(local: L | undefined, prod: P | undefined, compare: (local: L, prod: P) => Change[]): [DriftStatus, Change[]] {
  if (local === undefined && prod === undefined) return ['in-sync', []];
  if (local === undefined) return ['missing', [{ field: 'state', summary: `absent here, production has it (${describe(prod)})`, before: null, after: describe(prod) }]];
  if (prod === undefined) return ['extra', [{ field: 'state', summary: `present here (${describe(local)}), production does not have it`, before: describe(local), after: null }]];
  const changes = compare(local, prod);
  return [changes.length ? 'drifted' : 'in-sync', changes];
}

type PresentEntry = Exclude<BaselineFile | BaselineDirectory, { absent: true }>;

function pathPresence(local: PathFact | undefined, prod: BaselineFile | BaselineDirectory, compare: (local: Exclude<PathFact, { type: 'absent' }>, prod: PresentEntry) => Change[]): [DriftStatus, Change[]] {
  const l = local && local.type !== 'absent' ? local : undefined;
  const p = 'absent' in prod ? undefined : prod;
  return presence(l, p, compare);
}

function entryType(e: PresentEntry, own: 'file' | 'directory'): string {
  return 'type' in e ? e.type : own;
}

const short = (sha: string) => sha.slice(0, 12);

function pathChanges(local: Exclude<PathFact, { type: 'absent' }>, prod: PresentEntry, own: 'file' | 'directory'): Change[] {
  const prodType = entryType(prod, own);
  if (local.type !== prodType) return [{ field: 'type', summary: `a ${local.type} here, a ${prodType} in production`, before: local.type, after: prodType }];
  const changes: Change[] = [];
  if (local.type === 'file' && 'sha256' in prod) {
    const a = local.sha256;
    const b = prod.sha256;
    if (a !== b) {
      changes.push(
        a && b
          ? { field: 'content', summary: `content differs (sha256 ${short(a)}…→${short(b)}…)`, before: `sha256:${a}`, after: `sha256:${b}` }
          : { field: 'content', summary: `content could not be compared (${a ? 'production' : 'this machine'}'s copy was unreadable)`, before: a && `sha256:${a}`, after: b && `sha256:${b}` },
      );
    }
  }
  if (local.type === 'symlink' && 'target' in prod && prod.target !== local.target) {
    changes.push({ field: 'target', summary: `target ${local.target} → ${prod.target ?? ''} (production)`, before: local.target, after: prod.target ?? null });
  }
  const mode = (m: string) => m.padStart(4, '0');
  if (mode(local.mode) !== mode(prod.mode)) changes.push({ field: 'mode', summary: `mode ${mode(local.mode)} → ${mode(prod.mode)}`, before: mode(local.mode), after: mode(prod.mode) });
  if (local.owner !== prod.owner) changes.push({ field: 'owner', summary: `owner ${local.owner} → ${prod.owner}`, before: local.owner, after: prod.owner });
  if (local.group !== prod.group) changes.push({ field: 'group', summary: `group ${local.group} → ${prod.group}`, before: local.group, after: prod.group });
  return changes;
}

function finding(machine: string, against: string, resource: DriftSubject, status: DriftStatus, changes: Change[]): DriftFinding {
  const f: DriftFinding = { machine, against, resource, status, changes };
  if (changes.length > 0) {
    f.expected = changes.map((ch) => ch.after ?? '').filter(Boolean).join(', ') || null;
    f.actual = changes.map((ch) => ch.before ?? '').filter(Boolean).join(', ') || null;
  }
  return f;
}
