// Paths in a run's last line are shown relative to the caller's folder (CliIo.cwd): a run served by the
// agent prints them as the Node CLI would in the client's folder, not relative to the agent's own.
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../electron/cli/io.js';
import { printDrift, printRunResult } from '../../../electron/cli/print.js';
import type { DriftReport, RunResult } from '../../../shared/report.js';

function capture(cwd?: string): { io: CliIo; out: string[] } {
  const out: string[] = [];
  return { out, io: { out: (s) => out.push(s), err: (s) => out.push(s), tty: false, colors: pc.createColors(false), ...(cwd ? { cwd } : {}) } };
}

const report: DriftReport = { runId: 'r', profile: 'shop', profileFile: '/work/app/profiles/shop.yaml', against: '/work/app/baselines/prod.yaml', checkedAt: '', durationMs: 10, findings: [], errors: [], inSync: true };

describe('paths in the CLI output', () => {
  it('drift names the baseline relative to the caller’s folder, whatever the process’s own', () => {
    const { io, out } = capture('/work/app');
    printDrift(io, report);
    expect(out.at(-1)).toContain('in sync with baselines/prod.yaml:');
    const deeper = capture('/work/app/profiles');
    printDrift(deeper.io, report);
    expect(deeper.out.at(-1)).toContain('in sync with ../baselines/prod.yaml:');
  });

  it('capture names the written baseline relative to the caller’s folder', () => {
    const r: RunResult = { runId: 'r', kind: 'capture', profile: 'prod', profileFile: '/work/app/profiles/prod.yaml', ok: true, startedAt: '', durationMs: 10, machines: [{ machine: 'web-1', provider: 'ssh', status: 'ok', resources: [], durationMs: 5 }], summary: { ok: 1, changed: 0, pending: 0, failed: 0 } };
    const { io, out } = capture('/work/app');
    printRunResult(io, r, '/work/app/baselines/prod.yaml');
    expect(out.at(-1)).toContain('written to baselines/prod.yaml in');
  });

  it('without a caller’s folder, the process’s own is used (the Node CLI)', () => {
    const { io, out } = capture();
    printDrift(io, { ...report, against: `${process.cwd()}/b.yaml` });
    expect(out.at(-1)).toContain('in sync with b.yaml:');
  });
});
