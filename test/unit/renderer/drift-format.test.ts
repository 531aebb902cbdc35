import { describe, expect, it } from 'vitest';
import { cleanDiff, describeChange, diffStats, hasHashes } from '../../../renderer/src/state/drift-format';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const PATCH = [
  'Index: /etc/app.conf',
  '===================================================================',
  '--- /etc/app.conf\tactual',
  '+++ /etc/app.conf\tdesired',
  '@@ -1,2 +1,2 @@',
  ' listen = 8080',
  '-workers = 8',
  '+workers = 2',
  '',
].join('\n');

describe('drift in readable form', () => {
  it('describes file content by its lines, never by its hashes', () => {
    const v = describeChange({ field: 'content', summary: 'content changes (+1 −1 lines)', before: A, after: B, diff: PATCH });
    expect(v).toEqual({ field: 'content', expected: 'as in the profile', actual: 'differs: 1 line only on the machine, 1 only in the profile' });
    expect(JSON.stringify(v)).not.toContain('aaaa');
  });

  it('shows the hashes when asked', () => {
    const v = describeChange({ field: 'content', summary: 'x', before: A, after: B }, true);
    expect(v.expected).toBe(`sha256 ${B}`);
    expect(v.actual).toBe(`sha256 ${A}`);
  });

  it('takes the hashes out of a summary for content too big to diff', () => {
    const v = describeChange({ field: 'content', summary: 'content differs (current is 300000 bytes; sha256 aaaaaaaaaaaa… → bbbbbbbbbbbb…)', before: A, after: B });
    expect(v.actual).toBe('differs (current is 300000 bytes)');
  });

  it('says "no file" when the file is missing, and gives mode and owner as they are', () => {
    expect(describeChange({ field: 'content', summary: 'content: 2 lines', before: null, after: B }).actual).toBe('no file');
    expect(describeChange({ field: 'mode', summary: 'mode 0644 → 0600', before: '0644', after: '0600' })).toEqual({ field: 'mode', expected: '0600', actual: '0644' });
    expect(describeChange({ field: 'owner', summary: '', before: 'root', after: null })).toEqual({ field: 'owner', expected: '—', actual: 'root' });
  });

  it('knows whether a finding has hashes to show', () => {
    const f = (before: string) => ({ machine: 'web', resource: { id: 'f', kind: 'file' as const, name: '/f' }, status: 'drifted' as const, changes: [{ field: 'content', summary: '', before, after: B }] });
    expect(hasHashes(f(A))).toBe(true);
    expect(hasHashes({ ...f(A), changes: [{ field: 'mode', summary: '', before: '0644', after: '0600' }] })).toBe(false);
  });

  it('drops the patch header lines and counts the hunk lines', () => {
    expect(cleanDiff(PATCH)).toBe(['@@ -1,2 +1,2 @@', ' listen = 8080', '-workers = 8', '+workers = 2', ''].join('\n'));
    // The ---/+++ header lines are not counted as removed/added.
    expect(diffStats(PATCH)).toEqual({ added: 1, removed: 1 });
  });
});
