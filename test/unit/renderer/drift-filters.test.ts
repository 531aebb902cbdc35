import { describe, expect, it } from 'vitest';
import type { DriftFinding } from '../../../shared/report';
import { countByStatus, defaultFilter, filterFindings, findingDiff, toggleStatus } from '../../../renderer/src/state/drift-filters';

function finding(machine: string, kind: 'file' | 'line' | 'directory', name: string, status: DriftFinding['status'], diff?: string): DriftFinding {
  return {
    machine,
    resource: { id: `${kind}:${name}`, kind, name },
    status,
    changes: diff ? [{ field: 'content', summary: 'content differs', diff }] : [],
  };
}

const findings = [
  finding('web', 'file', '/etc/app.conf', 'drifted', '--- a\n+++ b\n-x\n+y\n'),
  finding('web', 'directory', '/srv/www', 'in-sync'),
  finding('db', 'line', '/etc/environment', 'missing'),
  finding('db', 'file', '/etc/extra.conf', 'extra'),
];

describe('drift filters', () => {
  it('shows everything not in sync by default', () => {
    expect(filterFindings(findings, defaultFilter()).map((f) => f.status)).toEqual(['drifted', 'missing', 'extra']);
  });

  it('toggling a status adds or removes it', () => {
    const withInSync = toggleStatus(defaultFilter(), 'in-sync');
    expect(filterFindings(findings, withInSync)).toHaveLength(4);
    const noDrifted = toggleStatus(defaultFilter(), 'drifted');
    expect(filterFindings(findings, noDrifted).map((f) => f.status)).toEqual(['missing', 'extra']);
  });

  it('text matches machine, kind or name, ignoring case', () => {
    expect(filterFindings(findings, { ...defaultFilter(), text: 'DB' })).toHaveLength(2);
    expect(filterFindings(findings, { ...defaultFilter(), text: 'app.conf' })).toHaveLength(1);
    expect(filterFindings(findings, { ...defaultFilter(), text: 'line' })).toHaveLength(1);
  });

  it('counts by status', () => {
    expect(countByStatus(findings)).toEqual({ drifted: 1, missing: 1, extra: 1, 'not-checked': 0, 'in-sync': 1 });
  });

  it("finds a file finding's diff", () => {
    expect(findingDiff(findings[0]!)).toContain('+y');
    expect(findingDiff(findings[1]!)).toBeUndefined();
  });
});
