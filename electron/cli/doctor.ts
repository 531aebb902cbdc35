// `prodlike doctor [--fix] [--yes] [--json]`: what runs need on this machine, each problem with its
// exact fix; --fix does the fixes it can, each only with consent (asked at a terminal, --yes for
// scripts). Without a terminal and without --yes it says what it would do and exits 1.
// Exit codes: 0 nothing fails (warnings allowed), 1 something fails.

import pc from 'picocolors';
import type { DoctorCheck, DoctorReport } from '../../shared/doctor.js';
import type { Engine } from '../engine/engine.js';
import { askYesNo, canAsk } from './confirm.js';
import type { CliFlags } from './io.js';
import type { CliIo } from './io.js';

const MARK = { ok: pc.green('✓'), warn: pc.yellow('!'), fail: pc.red('✗') } as const;

export function printChecks(io: CliIo, report: DoctorReport): void {
  for (const c of report.checks) {
    io.out(`${MARK[c.status]} ${pc.bold(c.title)}: ${c.detail}`);
    if (c.status !== 'ok' && c.fix) {
      io.out(`    ${pc.dim('fix:')} ${c.fix.description}`);
      io.out(`    ${pc.dim('$')} ${c.fix.command}`);
    }
  }
}

function summary(report: DoctorReport): string {
  const failing = report.checks.filter((c) => c.status === 'fail');
  const warnings = report.checks.filter((c) => c.status === 'warn').length;
  if (failing.length === 0) return pc.green(`ready${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}`);
  const auto = failing.filter((c) => c.fix?.automatic).length;
  return pc.red(`${failing.length} problem${failing.length > 1 ? 's' : ''}`) + (auto ? `; \`prodlike doctor --fix\` can fix ${auto === failing.length ? 'them' : `${auto} of them`}` : '');
}

function ask(check: DoctorCheck): Promise<boolean> {
  return askYesNo(`${pc.bold(check.fix!.description)}?\n  ${pc.dim('$')} ${check.fix!.command}\n`);
}

export async function runDoctor(engine: Engine, flags: CliFlags, io: CliIo): Promise<number> {
  const json = !!flags.json;
  const terminal = canAsk(json);
  if (!flags.fix) {
    const report = await engine.doctor();
    if (json) io.out(JSON.stringify(report));
    else {
      printChecks(io, report);
      io.out(summary(report));
    }
    return report.ok ? 0 : 1;
  }

  if (!flags.yes && !terminal) {
    // Nobody to ask and no --yes: say what would be done, do nothing.
    const { report, fixable } = await engine.doctorPlan();
    if (json) io.out(JSON.stringify({ report, wouldFix: fixable.map((c) => ({ id: c.id, ...c.fix })) }));
    else {
      printChecks(io, report);
      if (fixable.length === 0) io.out(summary(report));
      else {
        io.out(pc.bold('\n--fix would do (nothing was done: no terminal to ask, and no --yes):'));
        for (const c of fixable) io.out(`  ${c.fix!.description}\n    ${pc.dim('$')} ${c.fix!.command}`);
        io.out('and then whatever the checks find next (e.g. start the engine once installed, then the base images).\nRun `prodlike doctor --fix --yes` to do it.');
      }
    }
    return report.ok ? 0 : 1;
  }

  const result = await engine.doctorFix({
    confirm: (check) => (flags.yes ? Promise.resolve(true) : ask(check)),
    onFix: (check) => {
      if (!json) io.out(`${pc.cyan('→')} ${check.fix!.description}\n  ${pc.dim('$')} ${check.fix!.command}`);
    },
    log: (line) => {
      if (!json) io.out(pc.dim(`  ${line}`));
    },
  }, terminal);
  if (json) io.out(JSON.stringify(result));
  else {
    for (const f of result.fixes) {
      io.out(`${f.ok ? pc.green('fixed') : f.message === 'skipped' ? pc.yellow('skipped') : pc.red('failed')} ${f.id}${f.message !== 'skipped' ? `: ${f.message}` : ''}`);
      if (!f.ok && f.log) for (const l of f.log) io.out(pc.dim(`  ${l}`));
    }
    if (result.fixes.length) io.out('');
    printChecks(io, result.report);
    io.out(summary(result.report));
  }
  return result.report.ok ? 0 : 1;
}
