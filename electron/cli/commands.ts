// The commands behind `prodlike`. Each returns its exit code; errors are printed as one message with
// where and what to do, never a stack (unless --debug).

import path from 'node:path';
import pc from 'picocolors';
import type { StartRunRequest } from '../../shared/api.js';
import type { RunResult } from '../../shared/report.js';
import { Engine } from '../engine/engine.js';
import { toErrorInfo } from '../engine/errors.js';
import type { CliFlags, CliIo } from './io.js';
import { cacheCommand, snapshotCommand } from './cache-commands.js';
import { printStatus } from './print.js';
import { printUsePlan } from './print-use-plan.js';
import { printError, runKind } from './run-kind.js';
import { runDoctor } from './doctor.js';
import { historyCommand, logsCommand } from './history-commands.js';
import { importCommand } from './import-command.js';

// Moved to run-kind.ts (the agent's client renders runs without loading the engine); kept importable here.
export { printError };


export async function runCommand(command: string, args: string[], flags: CliFlags, io: CliIo): Promise<number> {
  const engine = new Engine({
    lockWaitMs: flags.wait ? 30 * 60_000 : 0,
    debug: !!flags.debug,
    allowProductionHosts: !!flags['i-know-this-is-production'],
    // Remote (ssh://) engines: this CLI, run in the background, keeps the published ports forwarded.
    ...(process.argv[1] ? { forwarderCommand: [process.execPath, process.argv[1], '__forward'] } : {}),
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
        else if (r.settings.length === 0) io.out(`${r.profile} asks for nothing that needs allowing (privileged, host bind mounts, build contexts outside the project, an engine on another computer)`);
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
      case 'import':
        return await importCommand(args, flags, io);
      case 'history':
        return await historyCommand(engine, args, flags, io);
      case 'logs':
        return await logsCommand(engine, args, flags, io);
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

export type { RunResult };
