// Drift findings in a person's terms: "mode 0644 on the machine, 0600 in the profile", file content as
// what changed (lines, size), never raw SHA-256 values unless asked for; unified diffs without the
// patch tool's header lines.

import type { Change, DriftFinding } from '../../../shared/report';

export interface ChangeView {
  /** "content", "mode", "owner", ... */
  field: string;
  /** In the profile (or the baseline). */
  expected: string;
  /** On the machine. */
  actual: string;
}

const HEX = /^[0-9a-f]{40,64}$/;
// "; sha256 0123456789ab… → ba9876543210…" inside an engine summary.
const SUMMARY_HASHES = /;?\s*sha256 [0-9a-f]+…?(?:\s*→\s*[0-9a-f]+…?)?/g;

function value(v: string | null | undefined, hashes: boolean): string {
  if (v === null || v === undefined || v === '') return '—';
  if (v === 'absent') return 'absent';
  if (HEX.test(v)) return hashes ? `sha256 ${v}` : 'content';
  return v;
}

/** +added −removed line counts of a unified diff's hunks. */
export function diffStats(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  let inHunk = false;
  for (const l of diff.split('\n')) {
    if (l.startsWith('@@')) inHunk = true;
    else if (!inHunk) continue;
    else if (l.startsWith('+')) added++;
    else if (l.startsWith('-')) removed++;
  }
  return { added, removed };
}

export function describeChange(c: Change, hashes = false): ChangeView {
  if (c.field === 'content') {
    const missing = c.before === null || c.before === undefined;
    if (hashes) return { field: 'content', expected: value(c.after, true), actual: missing ? 'no file' : value(c.before, true) };
    let actual: string;
    if (missing) actual = 'no file';
    else if (c.diff) {
      const s = diffStats(c.diff);
      actual = `differs: ${s.removed} line${s.removed === 1 ? '' : 's'} only on the machine, ${s.added} only in the profile`;
    } else actual = c.summary.replace(SUMMARY_HASHES, '').replace(/^content /, '').replace(/\(\s*\)$/, '').trim();
    return { field: 'content', expected: 'as in the profile', actual };
  }
  return { field: c.field, expected: value(c.after, hashes), actual: value(c.before, hashes) };
}

/** Whether any of a finding's values is a hash (so "Show hashes" has something to show). */
export function hasHashes(x: DriftFinding): boolean {
  return x.changes.some((c) => (c.before && HEX.test(c.before)) || (c.after && HEX.test(c.after)));
}

/** The unified diff without "Index:", "====" and the ---/+++ file lines: the row already names the file. */
export function cleanDiff(diff: string): string {
  const lines = diff.split('\n');
  const firstHunk = lines.findIndex((l) => l.startsWith('@@'));
  return (firstHunk === -1 ? lines.filter((l) => !/^(Index:|={5,}|--- |\+\+\+ )/.test(l)) : lines.slice(firstHunk)).join('\n');
}

/** A stable key for a finding across renders and checks. */
export function findingKey(x: DriftFinding): string {
  return `${x.machine}\u0000${x.against ?? ''}\u0000${x.resource.id}`;
}
