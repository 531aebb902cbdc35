// The agent's side of the native client (electron/cli/native/client.c): a whole `prodlike` command read,
// run and rendered here with the Node CLI's own code (options.ts, agent-cli.ts, run-kind.ts), its output
// and exit code sent back as frames. The colours are the client's (its environment and terminal), and on
// a terminal the live lines are drawn on the client's (served-terminal.ts). Any command the Node CLI would
// not hand to an agent goes back to the Node CLI (`f`), so the output is always the Node CLI's.

import path from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import type { CliConnection, CliFrameType, CliRequest } from '../engine/agent/protocol.js';
import { agentAllowed, identity, runOptions, type LostRun } from './agent-identity.js';
import type { CliFlags, CliIo } from './io.js';
import { CLI_OPTIONS, RUN_COMMANDS, extraArguments, foreignOptions } from './options.js';
import { runKind, runRequest, type RunStarter } from './run-kind.js';
import { servedTerminal, type ClientTerminal, type ServedTerminal } from './served-terminal.js';
import type { StartRunRequest } from '../../shared/api.js';

/** Whether picocolors would colour the client's output (its rules, over the client's environment and stdout). */
export function clientColors(env: Record<string, string | undefined>, tty: boolean): boolean {
  return !env.NO_COLOR && (!!env.FORCE_COLOR || (tty && env.TERM !== 'dumb') || !!env.CI);
}

/** Why the agent leaves this command to the Node CLI, or the run it is (undefined: it takes it). */
export function servedRun(msg: Pick<CliRequest, 'argv' | 'env'>): { why: string } | { kind: StartRunRequest['kind']; file: string; flags: CliFlags } {
  let parsed;
  try {
    parsed = parseArgs({ args: msg.argv, allowPositionals: true, options: CLI_OPTIONS });
  } catch {
    return { why: 'the command line does not parse (the Node CLI says why)' };
  }
  const flags = parsed.values as CliFlags & { help?: boolean; version?: boolean };
  const [command, file] = parsed.positionals;
  if (flags.help || flags.version || !command || !RUN_COMMANDS.has(command) || (command === 'use' && flags.plan)) return { why: 'not a run' };
  if (flags.every !== undefined || !agentAllowed(flags, msg.env)) return { why: 'not for an agent' };
  if (!file) return { why: 'no profile (the Node CLI says so)' };
  if (extraArguments(command, parsed.positionals.slice(1), flags)) return { why: 'words the command does not take (the Node CLI says why)' };
  if (foreignOptions(command, parsed.positionals.slice(1), flags)) return { why: 'options the command does not take (the Node CLI says why)' };
  return { kind: command as StartRunRequest['kind'], file, flags };
}

/** The client's terminal as its request describes it (sizes that are not whole numbers are left out, as unread). */
export function clientTerminal(msg: Pick<CliRequest, 'stderrTty' | 'columns' | 'rows'>): ClientTerminal {
  const size = (n: unknown) => (typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined);
  const columns = size(msg.columns);
  const rows = size(msg.rows);
  return { stderrTty: !!msg.stderrTty, ...(columns !== undefined ? { columns } : {}), ...(rows !== undefined ? { rows } : {}) };
}

/** AgentServerOptions.cli: one native client's command. */
export async function serveCli(msg: CliRequest, conn: CliConnection): Promise<void> {
  const run = servedRun(msg);
  const ctx = { cliMain: msg.main, env: msg.env };
  if ('why' in run) return conn.frame('f', run.why);
  const why = conn.mismatch(identity(ctx));
  if (why) return conn.frame('f', why);
  const { kind, file, flags } = run;
  // Paths in flags are the client's folder's, as in the Node CLI.
  for (const k of ['against', 'out', 'junit'] as const) if (flags[k] !== undefined) flags[k] = path.resolve(msg.cwd, flags[k]);
  let req: StartRunRequest;
  try {
    req = runRequest(kind, file, flags);
  } catch {
    return conn.frame('f', 'the request is incomplete (the Node CLI says why)');
  }

  // Output waits until the client knows the run (`l`), so that it can report it if the agent dies.
  let held: [CliFrameType, string][] | undefined = [];
  const write = (t: CliFrameType, s: string) => (held ? held.push([t, s]) : conn.frame(t, s));
  // What the Node CLI in the client's place would decide: main.ts's io over picocolors' rules.
  const io: CliIo = { out: (s) => write('o', s + '\n'), err: (s) => write('e', s + '\n'), tty: msg.tty && !flags.json, colors: pc.createColors(clientColors(msg.env, msg.tty)), cwd: msg.cwd };
  let terminal: ServedTerminal | undefined;
  if (io.tty) {
    const t = (terminal = servedTerminal(clientTerminal(msg), write, (await import('log-update')).createLogUpdate));
    conn.onResize((columns, rows) => t.resize(columns, rows));
  }
  let cancel: (() => void) | undefined;
  const starter: RunStarter = {
    start: (r, emit) => {
      let startEvent: LostRun['startEvent'];
      const run: { started?: ReturnType<CliConnection['start']> } = {};
      // The client keeps the last `l`: again once the run-start event is there (a lost run is recorded with it).
      const lost = () => conn.frame('l', JSON.stringify({ runId: run.started!.runId, pid: run.started!.pid, req, ...(startEvent ? { startEvent } : {}) } satisfies LostRun));
      const started = (run.started = conn.start(r, runOptions(flags, msg.env, msg.cwd), (e) => {
        if (e.type === 'run-start') {
          startEvent = e;
          if (run.started) lost();
        }
        emit?.(e);
      }));
      cancel = started.cancel;
      lost();
      for (const [t, s] of held ?? []) conn.frame(t, s);
      held = undefined;
      return started;
    },
    cancel: () => {
      cancel?.();
      return true;
    },
  };
  let code: number;
  try {
    code = await runKind(starter, kind, file, flags, io, { sigint: false, ...(terminal ? { live: terminal.live } : {}) });
  } catch (err) {
    io.err(`${io.colors.red('prodlike:')} ${(err as Error)?.message ?? String(err)}`);
    if (flags.debug) io.err((err as Error)?.stack ?? '');
    code = 1;
  }
  terminal?.exit();
  for (const [t, s] of held ?? []) conn.frame(t, s);
  conn.frame('x', String(code));
}
