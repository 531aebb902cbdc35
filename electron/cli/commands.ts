// The commands behind `prodlike`. Each returns its exit code; errors are printed as one message with
// where and what to do, never a stack (unless --debug).

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pc from 'picocolors';
import type { StartRunRequest } from '../../shared/api.js';
import type { DriftReport, ErrorInfo, RunResult } from '../../shared/report.js';
import { Engine } from '../engine/engine.js';
import { toErrorInfo } from '../engine/errors.js';
import { DEFAULT_FORKS, MAX_FORKS } from '../engine/runner/fleet.js';
import type { CliFlags, CliIo } from './io.js';
import { cacheCommand, snapshotCommand } from './cache-commands.js';
import { driftJunit, printDrift, printRunResult, printStatus } from './print.js';
import { printUsePlan } from './print-use-plan.js';
import { createRunRenderer } from './render-run.js';
import { runDoctor } from './doctor.js';


export function printError(io: CliIo, info: ErrorInfo, json: boolean): void {
  if (json) {
    io.out(JSON.stringify({ error: info }));
    return;
  }
  io.err(`${pc.red('error:')} ${info.message}`);
  if (info.where && !info.message.includes(info.where)) io.err(`  ${pc.dim('at')} ${info.where}`);
  if (info.hint) io.err(`  ${pc.dim('→')} ${info.hint}`);
  const stack = info.details?.stack;
  if (typeof stack === 'string') io.err(pc.dim(stack));
}

export async function runCommand(command: string, args: string[], flags: CliFlags, io: CliIo): Promise<number> {
  const engine = new Engine({
    lockWaitMs: flags.wait ? 30 * 60_000 : 0,
    debug: !!flags.debug,
    allowProductionHosts: !!flags['i-know-this-is-production'],
  });
  const json = !!flags.json;
  try {
    const need = (what: string) => {
      const v = args[0];
      if (!v) throw Object.assign(new Error(`${command} needs ${what}`), { hint: `prodlike ${command} <${what}>; \`prodlike list\` shows the profiles` });
      return v;
    };
    switch (command) {
      case 'list': {
        const list = await engine.listProfiles();
        if (json) io.out(JSON.stringify(list));
        else if (list.length === 0) io.out('no profiles found in ' + (await engine.profileFolders()).join(', '));
        else
          for (const p of list)
            io.out(`${pc.bold(p.name.padEnd(20))} ${(p.role ?? '').padEnd(11)} ${path.relative(process.cwd(), p.file)}${p.error ? pc.red(`  invalid: ${p.error.message.split('\n')[0]}`) : ''}`);
        return 0;
      }
      case 'validate': {
        const profile = await engine.loadProfile(need('profile'));
        if (json) io.out(JSON.stringify({ ok: true, profile: profile.name, file: profile.file, machines: profile.machines.length }));
        else io.out(`ok: ${profile.name} (${path.relative(process.cwd(), profile.file)}), ${profile.machines.length} machine(s), ${profile.machines.reduce((n, m) => n + m.resources.length, 0)} resource(s)`);
        return 0;
      }
      case 'status': {
        const files = args[0] ? [args[0]] : (await engine.listProfiles()).filter((p) => !p.error).map((p) => p.file);
        const statuses = await Promise.all(files.map((f) => engine.status(f)));
        if (json) io.out(JSON.stringify(args[0] ? statuses[0] : statuses));
        else printStatus(io, statuses, !args[0]);
        return 0;
      }
      case 'trust': {
        const target = need('host[:port]');
        const m = /^(\[?[^\]]+?\]?)(?::(\d+))?$/.exec(target);
        const host = (m?.[1] ?? target).replace(/^\[|\]$/g, '');
        const port = Number(m?.[2] ?? 22);
        const key = await engine.trustHostKey(host, port);
        if (json) io.out(JSON.stringify(key));
        else io.out(`trusted ${host}:${port} ${key.keyType} ${pc.bold(key.fingerprint)}\n  ${pc.dim('compare it with `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the host; `prodlike` refuses any other key for it')}`);
        return 0;
      }
      case 'allow': {
        const r = await engine.allowProfile(need('profile'));
        if (json) io.out(JSON.stringify(r));
        else if (r.settings.length === 0) io.out(`${r.profile} asks for nothing that needs allowing (privileged, host bind mounts, build contexts outside the project)`);
        else io.out(`allowed ${pc.bold(r.profile)} on this computer, for exactly these settings (a change needs a new allow):\n${r.settings.map((s) => `  ${s.machine}: ${s.setting}  ${pc.dim(`— ${s.why}`)}`).join('\n')}`);
        return 0;
      }
      case 'doctor':
        return await runDoctor(engine, flags, io);
      case 'use': {
        if (!flags.plan) return await runKind(engine, 'use', need('profile'), flags, io);
        const plan = await engine.planUse(need('profile'));
        if (json) io.out(JSON.stringify({ plan }));
        else printUsePlan(io, plan);
        return plan.problems.length ? 1 : 0;
      }
      case 'cache':
        return await cacheCommand(engine, args, flags, io);
      case 'snapshot':
        return await snapshotCommand(engine, args, flags, io);
      case 'ssh': {
        const file = need('profile');
        if (!args[1]) throw Object.assign(new Error('ssh needs a machine'), { hint: 'prodlike ssh <profile> <machine>' });
        return await openShell(engine, file, args[1]);
      }
      default:
        return await runKind(engine, command as StartRunRequest['kind'], need('profile'), flags, io);
    }
  } catch (err) {
    const info = toErrorInfo(err, !!flags.debug);
    const hint = (err as { hint?: string }).hint;
    if (hint && !info.hint) info.hint = hint;
    printError(io, info, json);
    return 1;
  } finally {
    await engine.close();
  }
}

async function runKind(engine: Engine, kind: StartRunRequest['kind'], file: string, flags: CliFlags, io: CliIo): Promise<number> {
  const req: StartRunRequest = { kind, file };
  if (flags.against) req.baseline = path.resolve(flags.against);
  if (kind === 'capture') {
    if (!flags.out) throw Object.assign(new Error('capture needs --out <file>'), { hint: 'prodlike capture profiles/shop/production.yaml --out baselines/production.yaml' });
    req.baseline = path.resolve(flags.out);
  }
  if (kind === 'reconcile' && !flags.against) throw Object.assign(new Error('reconcile needs --against <baseline>'), { hint: 'prodlike reconcile profiles/shop/dev.yaml --against baselines/production.yaml' });
  if (flags.volumes) req.volumes = true;
  if (flags['no-rollback']) req.noRollback = true;
  if (flags['no-cache']) req.noCache = true;
  if (flags.push) req.push = flags.push;
  if (flags.forks !== undefined) req.forks = parseForks(flags.forks);
  if (flags['allow-unreachable']) req.allowUnreachable = true;

  const json = !!flags.json;
  const renderer = json ? undefined : createRunRenderer({ tty: io.tty, verbose: !!flags.verbose, write: io.out });
  const started = engine.start(req, (e) => (json ? io.out(JSON.stringify(e)) : renderer!.onEvent(e)));
  const onSigint = () => {
    engine.cancel(started.runId);
  };
  process.once('SIGINT', onSigint);
  const result = await started.done;
  process.off('SIGINT', onSigint);
  renderer?.stop();

  if ('findings' in result) return finishDrift(result, flags, io);
  if (json) io.out(JSON.stringify({ result }));
  else {
    if (result.error) printError(io, result.error, false);
    printRunResult(io, result, req.baseline, !!req.allowUnreachable);
  }
  if (!result.ok) return 1;
  return kind === 'plan' && result.summary.pending > 0 ? 2 : 0;
}

/** `--forks N`: a whole number from 1 to MAX_FORKS. */
export function parseForks(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > MAX_FORKS) {
    throw Object.assign(new Error(`--forks ${text}: expected a whole number from 1 to ${MAX_FORKS}`), { hint: `how many machines to work on at a time; the default is ${DEFAULT_FORKS}` });
  }
  return n;
}

/** An interactive shell on the machine, over this terminal (raw mode while it runs). */
async function openShell(engine: Engine, file: string, machine: string): Promise<number> {
  const { stdin, stdout } = process;
  return new Promise<number>((resolve, reject) => {
    let session: Awaited<ReturnType<Engine['openShell']>> | undefined;
    const onData = (d: Buffer) => session?.write(d.toString('utf8'));
    const onResize = () => void session?.resize(stdout.columns, stdout.rows);
    const done = (code: number) => {
      stdin.off('data', onData);
      stdout.off('resize', onResize);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      resolve(code < 0 ? 0 : code);
    };
    engine
      .openShell(file, machine, { cols: stdout.columns || 80, rows: stdout.rows || 24 }, { onData: (d) => stdout.write(d), onExit: done })
      .then((s) => {
        session = s;
        if (stdin.isTTY) stdin.setRawMode(true);
        stdin.on('data', onData);
        // Piped input: its end is the end of the session's input.
        stdin.once('end', () => setTimeout(() => session?.close(), 2000));
        stdin.resume();
        stdout.on('resize', onResize);
      }, reject);
  });
}

async function finishDrift(report: DriftReport, flags: CliFlags, io: CliIo): Promise<number> {
  if (flags.junit) await writeFile(flags.junit, driftJunit(report));
  if (flags.json) io.out(JSON.stringify({ report }));
  else printDrift(io, report);
  if (report.errors.length) return 1;
  return report.inSync ? 0 : 2;
}

export type { RunResult };
