// How the kinds compare a local machine's facts with a production baseline: the pieces their
// `baseline.compare` share. In every change, `before` is this machine's value and `after` is
// production's, as in drift against a profile (`before` actual, `after` desired).

import type { Change, DriftFinding, DriftStatus } from '../../../shared/report.js';
import type { BaselineDirectory, BaselineFile, BaselineHost } from '../baseline-schema.js';
import { pinAttrs, type AttrSpec } from './attrs.js';
import type { BaselineItem, BaselineRecord, BaselineView } from './resource.js';
import type { PathFact } from '../facts/types.js';

export function unique(names: string[]): string[] {
  return [...new Set(names)];
}

/**
 * Accounts and services compared: those the local profile names, plus those the baseline records as
 * absent (production's profile named them and they were not there).
 */
export function namedOrRecordedAbsent(specs: readonly { name: string }[], rec: Record<string, object>): string[] {
  return unique([...specs.map((s) => s.name), ...Object.keys(rec).filter((k) => 'absent' in rec[k]!)]);
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
export function presence<L, P>(local: L | undefined, prod: P | undefined, compare: (local: L, prod: P) => Change[]): [DriftStatus, Change[]] {
  if (local === undefined && prod === undefined) return ['in-sync', []];
  if (local === undefined) return ['missing', [{ field: 'state', summary: `absent here, production has it (${describe(prod)})`, before: null, after: describe(prod) }]];
  if (prod === undefined) return ['extra', [{ field: 'state', summary: `present here (${describe(local)}), production does not have it`, before: describe(local), after: null }]];
  const changes = compare(local, prod);
  return [changes.length ? 'drifted' : 'in-sync', changes];
}

export type PresentEntry = Exclude<BaselineFile | BaselineDirectory, { absent: true }>;
export type PresentPath = Exclude<PathFact, { type: 'absent' }>;

export function pathPresence(local: PathFact | undefined, prod: BaselineFile | BaselineDirectory, compare: (local: PresentPath, prod: PresentEntry) => Change[]): [DriftStatus, Change[]] {
  const l = local && local.type !== 'absent' ? local : undefined;
  const p = 'absent' in prod ? undefined : prod;
  return presence(l, p, compare);
}

/** What a recorded path is in production: its own section's type unless the entry says otherwise. */
export function entryType(e: PresentEntry, own: 'file' | 'directory'): string {
  return 'type' in e ? e.type : own;
}

const short = (sha: string) => sha.slice(0, 12);

/** A path here and in production, both present: type, content hash, link target, mode, owner, group. */
export function pathChanges(local: PresentPath, prod: PresentEntry, own: 'file' | 'directory'): Change[] {
  const prodType = entryType(prod, own);
  if (local.type !== prodType) return [typeChange(local.type, prodType)];
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
  if (local.type === 'symlink' && 'target' in prod && prod.target !== local.target) changes.push(targetChange(local.target, prod.target));
  const mode = (m: string) => m.padStart(4, '0');
  if (mode(local.mode) !== mode(prod.mode)) changes.push({ field: 'mode', summary: `mode ${mode(local.mode)} → ${mode(prod.mode)}`, before: mode(local.mode), after: mode(prod.mode) });
  if (local.owner !== prod.owner) changes.push({ field: 'owner', summary: `owner ${local.owner} → ${prod.owner}`, before: local.owner, after: prod.owner });
  if (local.group !== prod.group) changes.push({ field: 'group', summary: `group ${local.group} → ${prod.group}`, before: local.group, after: prod.group });
  return changes;
}

export function typeChange(local: string, prod: string): Change {
  return { field: 'type', summary: `a ${local} here, a ${prod} in production`, before: local, after: prod };
}

export function targetChange(local: string, prod: string | undefined): Change {
  return { field: 'target', summary: `target ${local} → ${prod ?? ''} (production)`, before: local, after: prod ?? null };
}

/**
 * The production-baseline side of a path kind (file, directory): capture records the path under its
 * section; drift compares every entry of that section (presence, type, mode, owner); reconcile pins mode
 * and owner to production's and never creates or removes the path.
 */
export function pathKindProduction<S extends AttrSpec & { name: string; state: 'present' | 'absent' }>(section: 'files' | 'directories', own: 'file' | 'directory') {
  return {
    baseline: {
      records: (spec: S): BaselineRecord[] => [{ section, name: spec.name }],
      compare: ({ host, facts, ownedElsewhere }: BaselineView<S>): BaselineItem[] =>
        Object.entries(host[section])
          .filter(([p]) => !ownedElsewhere(section, p))
          .map(([name, prod]) => {
            const [status, changes] = pathPresence(facts.paths[name], prod, (local, entry) => pathChanges(local, entry, own));
            return { name, status, changes };
          }),
    },
    reconcile: {
      pin: (spec: S, host: BaselineHost): S => pinAttrs(spec, host[section][spec.name]),
      cannotFix: (f: DriftFinding): string | undefined =>
        f.status === 'drifted' ? undefined : `reconcile does not create or remove ${section}: production ${f.status === 'missing' ? 'has' : 'lacks'} it; change the profile`,
    },
  };
}
