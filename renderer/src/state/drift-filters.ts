// Filtering and counting drift findings for the findings table.

import type { DriftFinding, DriftStatus } from '../../../shared/report';

export const DRIFT_STATUSES: readonly DriftStatus[] = ['drifted', 'missing', 'extra', 'not-checked', 'in-sync'];

export const DRIFT_LABELS: Record<DriftStatus, string> = {
  drifted: 'Drifted',
  missing: 'Missing',
  extra: 'Extra',
  'in-sync': 'In sync',
  'not-checked': 'Not checked',
};

export interface DriftFilter {
  statuses: ReadonlySet<DriftStatus>;
  /** Matches machine, kind or name, case-insensitively. */
  text: string;
}

/** By default everything that is not in sync. */
export function defaultFilter(): DriftFilter {
  return { statuses: new Set<DriftStatus>(['drifted', 'missing', 'extra']), text: '' };
}

export function filterFindings(findings: readonly DriftFinding[], f: DriftFilter): DriftFinding[] {
  const q = f.text.trim().toLowerCase();
  return findings.filter(
    (x) =>
      f.statuses.has(x.status) &&
      (q === '' || `${x.machine} ${x.resource.kind} ${x.resource.name}`.toLowerCase().includes(q)),
  );
}

export function countByStatus(findings: readonly DriftFinding[]): Record<DriftStatus, number> {
  const c: Record<DriftStatus, number> = { drifted: 0, missing: 0, extra: 0, 'not-checked': 0, 'in-sync': 0 };
  for (const x of findings) c[x.status]++;
  return c;
}

export function toggleStatus(f: DriftFilter, s: DriftStatus): DriftFilter {
  const statuses = new Set(f.statuses);
  if (statuses.has(s)) statuses.delete(s);
  else statuses.add(s);
  return { ...f, statuses };
}

/** A finding's unified diff, if any of its changes carries one. */
export function findingDiff(x: DriftFinding): string | undefined {
  return x.changes.find((c) => c.diff)?.diff;
}
