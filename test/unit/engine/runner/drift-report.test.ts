import { describe, expect, it } from 'vitest';
import type { ResourceSpec } from '../../../../shared/profile.js';
import type { DriftReport } from '../../../../shared/report.js';
import { classify } from '../../../../electron/engine/runner/drift.js';
import { driftJunit } from '../../../../electron/cli/print.js';

const file: ResourceSpec = { id: 'file:/etc/app.conf', kind: 'file', name: '/etc/app.conf', content: 'a\n', state: 'present' } as never;

describe('drift classification', () => {
  it('calls a resource in sync when nothing differs', () => {
    expect(classify(file, [])).toBe('in-sync');
  });
  it('calls a file that is not there missing', () => {
    expect(classify(file, [{ field: 'state', summary: 'create', before: 'absent', after: 'present' }])).toBe('missing');
  });
  it('calls a package that should be absent but is installed extra', () => {
    const pkg = { id: 'package:telnet', kind: 'package', name: 'telnet', state: 'absent' } as ResourceSpec;
    expect(classify(pkg, [{ field: 'state', summary: 'remove', before: '0.17', after: 'absent' }])).toBe('extra');
  });
  it('calls other differences drifted', () => {
    expect(classify(file, [{ field: 'mode', summary: 'mode 0600 → 0644', before: '0600', after: '0644' }])).toBe('drifted');
  });
});

describe('drift as JUnit', () => {
  it('makes each finding a test case and drift a failure, escaping XML', () => {
    const report: DriftReport = {
      runId: 'r',
      profile: 'shop-dev',
      profileFile: '/p/dev.yaml',
      against: 'profile',
      checkedAt: '2026-11-21T00:00:00.000Z',
      durationMs: 120,
      inSync: false,
      errors: [{ machine: 'db', error: { name: 'SshError', message: 'connection refused <127.0.0.1:2222>' } }],
      findings: [
        { machine: 'web', resource: { id: 'a', kind: 'file', name: '/etc/a&b' }, status: 'drifted', changes: [{ field: 'content', summary: 'content differs', diff: '-x\n+y' }] },
        { machine: 'web', resource: { id: 'b', kind: 'package', name: 'nginx' }, status: 'in-sync', changes: [] },
      ],
    };
    const xml = driftJunit(report);
    expect(xml).toContain('tests="3" failures="1" errors="1"');
    expect(xml).toContain('name="file /etc/a&amp;b"');
    expect(xml).toContain('<failure type="drifted"');
    expect(xml).toContain('connection refused &lt;127.0.0.1:2222&gt;');
    expect(xml.match(/<testcase/g)?.length).toBe(3);
  });
});
