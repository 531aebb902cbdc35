// `prodlike history [profile]` and `prodlike logs <run>`: the engine's run history, as the app shows it.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RunDetail } from '../../shared/history.js';
import type { RunRecord } from '../../shared/report.js';
import type { Engine } from '../engine/engine.js';
import { ProdlikeError } from '../engine/errors.js';
import { LOG_HEAD } from '../engine/state/run-history.js';
import type { CliFlags, CliIo, Colors } from './io.js';
import { formatChanges, statusMark } from './render-run.js';

const HISTORY_LIMIT = 50;

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** "2026-12-01 15:53:40" in local time. */
function when(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function outcome(pc: Colors, r: RunRecord): string {
  const s = r.summary;
  const parts = [s.changed && `${s.changed} changed`, s.pending && `${s.pending} ${r.kind === 'drift' ? 'drifted' : 'to change'}`, s.failed && `${s.failed} failed`, s.skipped && `${s.skipped} skipped`].filter(Boolean);
  return `${r.ok ? pc.green('ok') : pc.red('failed')}${parts.length ? `  ${parts.join(', ')}` : ''}`;
}

export async function historyCommand(engine: Engine, args: string[], flags: CliFlags, io: CliIo): Promise<number> {
  const pc = io.colors;
  let file: string | undefined;
  if (args[0]) {
    try {
      file = (await engine.loadProfile(args[0])).file;
    } catch (err) {
      // A profile that no longer loads still has its history: its path as given.
      if (!existsSync(args[0])) throw err;
      file = path.resolve(args[0]);
    }
  }
  const runs = await engine.history(file, HISTORY_LIMIT);
  if (flags.json) {
    io.out(JSON.stringify(runs));
    return 0;
  }
  if (runs.length === 0) {
    io.out(file ? `no runs of ${path.relative(process.cwd(), file)} yet` : 'no runs yet');
    return 0;
  }
  for (const r of runs) {
    io.out(`${pc.bold(r.runId)}  ${when(r.startedAt)}  ${r.kind.padEnd(9)} ${(file ? '' : r.profile.padEnd(16) + ' ')}${seconds(r.durationMs).padStart(7)}  ${outcome(pc, r)}`);
    if (!r.ok && r.error) io.out(`          ${pc.red(r.error.message.split('\n')[0]!)}`);
  }
  io.out(pc.dim(`\`prodlike logs <run>\` shows a run's changes and its full log`));
  return 0;
}

export async function logsCommand(engine: Engine, args: string[], flags: CliFlags, io: CliIo): Promise<number> {
  const pc = io.colors;
  const runId = args[0];
  if (!runId) throw new ProdlikeError('logs needs a run', { hint: '`prodlike history` lists the runs and their ids' });
  const d: RunDetail = await engine.runDetail(runId);
  if (flags.json) {
    io.out(JSON.stringify(d));
    return 0;
  }
  const r = d.record;
  io.out(`${pc.bold(r.kind)} ${r.profile}  ${pc.dim(path.relative(process.cwd(), r.profileFile) || r.profileFile)}`);
  io.out(`run ${r.runId}, ${when(r.startedAt)}, ${seconds(r.durationMs)}${d.running ? ', still running' : ''}: ${outcome(pc, r)}`);
  if (r.error) io.out(`${pc.red('error:')} ${r.error.message}`);
  for (const m of d.machineErrors) io.out(`  ${pc.red('✗')} ${pc.bold(m.machine)} ${m.error.message}`);
  for (const c of d.resources) {
    io.out(`  ${statusMark(pc, c.status)} ${pc.bold(c.machine)} ${c.resource.kind} ${c.resource.name}`);
    for (const line of formatChanges(pc, c.changes)) io.out(line);
    if (c.error) io.out(`      ${pc.red(c.error.message.split('\n')[0]!)}`);
  }
  io.out(pc.dim(`── log (${d.log.length} line${d.log.length === 1 ? '' : 's'}${d.logDropped ? `, ${d.logDropped} from the middle left out` : ''}) ──`));
  let cutShown = false;
  for (const [i, l] of d.log.entries()) {
    if (d.logDropped && !cutShown && i > 0 && i === LOG_HEAD) {
      io.out(pc.dim(`   … ${d.logDropped} lines left out …`));
      cutShown = true;
    }
    const t = new Date(l.at).toTimeString().slice(0, 8);
    const text = l.stream === 'warn' ? pc.yellow(l.text) : l.stream === 'stderr' ? pc.red(l.text) : l.text;
    io.out(`${pc.dim(t)} ${l.machine ? pc.dim(`[${l.machine}]`) + ' ' : ''}${text}`);
  }
  return 0;
}
