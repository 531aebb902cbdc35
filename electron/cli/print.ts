// Text output of finished runs: summaries, status tables, drift tables, and drift as JUnit XML.

import path from 'node:path';
import { isDrift, type DriftReport, type ProfileStatus, type RunResult } from '../../shared/report.js';
import type { CliIo, Colors } from './io.js';
import { formatChanges, statusMark } from './render-run.js';

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function printRunResult(io: CliIo, r: RunResult, baseline?: string, allowUnreachable = false): void {
  const pc = io.colors;
  const s = r.summary;
  for (const line of failureLines(pc, r)) io.err(line);
  if (r.kind === 'capture') {
    const hosts = r.machines.filter((m) => m.status !== 'failed').length;
    const missed = r.machines.length - hosts;
    const where = path.relative(io.cwd ?? process.cwd(), baseline ?? '') || baseline;
    if (r.ok) io.out(`${pc.green('✓')} captured ${r.profile}: ${hosts} host(s), read-only, written to ${where} in ${seconds(r.durationMs)}`);
    else if (allowUnreachable && hosts > 0 && !r.error) io.out(`${pc.yellow('!')} captured ${r.profile}: ${hosts} of ${r.machines.length} host(s), written to ${where}; ${missed} not captured (marked so in it) in ${seconds(r.durationMs)}`);
    else io.out(`${pc.red('✗')} capture of ${r.profile} failed: no baseline was written${hosts > 0 && missed > 0 ? ` (${hosts} of ${r.machines.length} hosts were captured; --allow-unreachable writes them)` : ''}`);
    return;
  }
  const parts = [`${s.ok} ok`, s.changed ? pc.yellow(`${s.changed} changed`) : '0 changed'];
  if (s.pending) parts.push(pc.cyan(`${s.pending} to change`));
  if (s.failed) parts.push(pc.red(`${s.failed} failed`));
  if (s.skipped) parts.push(pc.dim(`${s.skipped} skipped`));
  const verb = r.kind === 'use' && !r.ok ? 'switch to' : { up: 'up', plan: 'plan', down: 'stopped', destroy: 'destroyed', use: 'now using', drift: 'drift', capture: 'captured', reconcile: 'reconciled', bake: 'baked' }[r.kind];
  const machines = r.machines.length ? `, ${r.machines.length} machine(s): ${parts.join(', ')}` : '';
  const nothing = (r.kind === 'up' || r.kind === 'use') && r.ok && s.changed === 0 ? ' (nothing to change)' : '';
  const mark = r.ok ? pc.green('✓') : pc.red('✗');
  io.out(`${mark} ${verb} ${r.profile}${machines}${nothing} in ${seconds(r.durationMs)}`);
}

/**
 * One line per cause: machines that failed for the same reason (four machines, one stopped Docker
 * engine) are named together.
 */
export function failureLines(pc: Colors, r: Pick<RunResult, 'machines' | 'error'>): string[] {
  const causes = new Map<string, { machines: string[]; hint?: string }>();
  for (const m of r.machines) {
    if (m.status !== 'failed' || !m.error) continue;
    const c = causes.get(m.error.message) ?? { machines: [], ...(m.error.hint ? { hint: m.error.hint } : {}) };
    c.machines.push(m.machine);
    causes.set(m.error.message, c);
  }
  const hint = (h?: string) => (h ? `\n  ${pc.dim('→')} ${h}` : '');
  // The run's own error is printed by the caller; a machine failing for that same reason is not repeated.
  if (r.error) causes.delete(r.error.message);
  return [...causes].map(([message, c]) => `${pc.red('✗')} ${c.machines.length === 1 ? c.machines[0] : `machines ${c.machines.join(', ')}`}: ${message}${hint(c.hint)}`);
}

export function printStatus(io: CliIo, statuses: ProfileStatus[], all: boolean): void {
  const pc = io.colors;
  for (const st of statuses) {
    const last = st.lastRun ? `last ${st.lastRun.kind} ${st.lastRun.ok ? pc.green('ok') : pc.red('failed')} ${st.lastRun.startedAt}` : 'never run';
    io.out(`${st.active ? pc.green('●') : ' '} ${pc.bold(st.profile)} ${pc.dim(`(${st.role}, ${path.relative(process.cwd(), st.file)})`)}  ${pc.dim(last)}`);
    // Failed until a good run: a later plan or drift does not hide it.
    const f = st.lastFailure;
    if (f && f.runId !== st.lastRun?.runId) io.out(`    ${pc.red(`failed: ${f.kind} ${f.startedAt}`)}${f.error ? pc.dim(`  ${f.error.message.split('\n')[0]}`) : ''}  ${pc.dim(`(prodlike logs ${f.runId})`)}`);
    if (all && st.machines.every((m) => m.state === 'not-created')) continue;
    for (const m of st.machines) {
      const state = m.state === 'running' ? pc.green(m.state) : m.state === 'stopped' ? pc.yellow(m.state) : pc.dim(m.state);
      const why = m.error ? pc.dim(`  (${m.error.message.split('\n')[0]})`) : '';
      io.out(`    ${m.machine.padEnd(12)} ${m.provider.padEnd(7)} ${state.padEnd(20)} ${m.target}${m.ports.length ? '  ' + m.ports.join(', ') : ''}${m.accel ? `  ${m.accel}` : ''}${why}`);
      if (m.sshCommand && m.state === 'running') io.out(`      ${pc.dim(m.sshCommand)}`);
      for (const f of m.forwarded ?? []) io.out(`      ${pc.dim('forwarded')} ${f}`);
    }
  }
}

export function printDrift(io: CliIo, report: DriftReport): void {
  const pc = io.colors;
  for (const e of report.errors) io.err(`${pc.red('✗')} ${e.machine}: ${e.error.message}${e.error.hint ? `\n  ${pc.dim('→')} ${e.error.hint}` : ''}`);
  const notInSync = report.findings.filter((f) => isDrift(f.status));
  const notChecked = report.findings.filter((f) => f.status === 'not-checked');
  for (const f of [...notInSync, ...notChecked]) {
    io.out(`${statusMark(pc, f.status).padEnd(18)} ${pc.bold(f.machine)}${f.against ? pc.dim(` (vs ${f.against})`) : ''} ${f.resource.kind} ${f.resource.name}`);
    for (const line of formatChanges(pc, f.changes)) io.out(line);
  }
  const inSync = report.findings.length - notInSync.length - notChecked.length;
  const unchecked = notChecked.length ? `, ${notChecked.length} not checked` : '';
  const against = report.against === 'profile' ? 'its profile' : path.relative(io.cwd ?? process.cwd(), report.against);
  if (report.inSync) io.out(`${pc.green('✓')} ${report.profile} is in sync with ${against}: ${inSync} resource(s) checked${unchecked} in ${seconds(report.durationMs)}`);
  else io.out(`${pc.yellow('!')} ${report.profile} drifted from ${against}: ${notInSync.length} finding(s), ${inSync} in sync${unchecked}${report.errors.length ? `, ${report.errors.length} machine(s) not checked` : ''} (${seconds(report.durationMs)})`);
}

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** Drift as JUnit: one test case per resource, drift as a failure, so CI dashboards show it. */
export function driftJunit(report: DriftReport): string {
  const failures = report.findings.filter((f) => isDrift(f.status)).length;
  const cases = report.findings.map((f) => {
    const name = `${f.resource.kind} ${f.resource.name}`;
    const open = `    <testcase classname="${xml(`${report.profile}.${f.machine}`)}" name="${xml(name)}">`;
    if (f.status === 'in-sync') return `${open}</testcase>`;
    if (f.status === 'not-checked') return `${open}<skipped message="${xml(f.changes.map((c) => c.summary).join('; '))}"/></testcase>`;
    const body = f.changes.map((c) => c.summary + (c.diff ? '\n' + c.diff : '')).join('\n');
    return `${open}\n      <failure type="${f.status}" message="${xml(`${f.status}: ${f.changes.map((c) => c.summary).join('; ')}`)}">${xml(body)}</failure>\n    </testcase>`;
  });
  const errs = report.errors.map((e) => `    <testcase classname="${xml(`${report.profile}.${e.machine}`)}" name="reachable"><error message="${xml(e.error.message)}"/></testcase>`);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="prodlike drift" tests="${cases.length + errs.length}" failures="${failures}" errors="${errs.length}">
  <testsuite name="${xml(report.profile)}" tests="${cases.length + errs.length}" failures="${failures}" errors="${errs.length}" time="${(report.durationMs / 1000).toFixed(3)}" timestamp="${report.checkedAt}">
${[...cases, ...errs].join('\n')}
  </testsuite>
</testsuites>
`;
}
