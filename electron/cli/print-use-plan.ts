// `prodlike use <profile> --plan`: what the switch would stop and start, and every preflight problem.

import path from 'node:path';
import pc from 'picocolors';
import type { UsePlan } from '../../shared/use-plan.js';
import type { CliIo } from './io.js';

export function printUsePlan(io: CliIo, plan: UsePlan): void {
  io.out(`${pc.bold(`use ${plan.profile}`)} ${pc.dim(`(${path.relative(process.cwd(), plan.file)})`)}${plan.active ? pc.dim(`; active now: ${plan.active.name}`) : ''}`);
  if (plan.stop.length) {
    io.out(`  will stop${plan.order === 'stop-first' ? pc.dim(' (first: they publish host ports this profile wants)') : ''}:`);
    for (const s of plan.stop) io.out(`    ${pc.bold(s.profile)}: ${s.machines.join(', ')}${s.ports.length ? pc.dim(`  ports ${s.ports.join(', ')}`) : ''}`);
  } else io.out(`  will stop: ${pc.dim('nothing (no other profile is running)')}`);
  io.out(`  will start ${plan.profile}:`);
  for (const m of plan.start) io.out(`    ${m.machine.padEnd(12)} ${m.provider.padEnd(7)} ${m.action}${m.detail ? pc.dim(` (${m.detail})`) : ''}`);
  if (!plan.start.length) io.out(`    ${pc.dim('no machines')}`);
  if (plan.problems.length) {
    io.out(`${pc.red('✗')} ${plan.problems.length} problem(s): \`use\` would refuse and stop nothing`);
    for (const p of plan.problems) io.out(`  - ${p.message}${p.hint ? `\n    ${pc.dim('→')} ${p.hint}` : ''}`);
  } else {
    io.out(`${pc.green('✓')} preflight passed in ${plan.durationMs} ms; if ${plan.profile} then fails, the profiles stopped are started again (unless --no-rollback)`);
  }
}
