// The agent's side of the native client (electron/cli/native/client.c): a whole `prodlike` command read,
// run and rendered here with the Node CLI's own code (options.ts, agent-cli.ts, run-kind.ts), its output
// and exit code sent back as frames. Any command the Node CLI would not hand to an agent, or would render
// differently here, goes back to the Node CLI (`f`), so the output is always the Node CLI's.

import path from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import type { CliConnection, CliFrameType, CliRequest } from '../engine/agent/protocol.js';
import { agentAllowed, identity, runOptions, type LostRun } from './agent-identity.js';
import type { CliFlags, CliIo } from './io.js';
import { CLI_OPTIONS, RUN_COMMANDS } from './options.js';
import { runKind, runRequest, type RunStarter } from './run-kind.js';
import type { StartRunRequest } from '../../shared/api.js';

/** Whether picocolors would colour the client's output (its rules, over the client's environment and stdout). */
export function clientColors(env: Record<string, string | undefined>, tty: boolean): boolean {
  return !env.NO_COLOR && (!!env.FORCE_COLOR || (tty && env.TERM !== 'dumb') || !!env.CI);
}

/** Why the agent leaves this command to the Node CLI, or the run it is (undefined: it takes it). */
export function servedRun(msg: Pick<CliRequest, 'argv' | 'env' | 'tty'>, agentColors: boolean): { why: string } | { kind: StartRunRequest['kind']; file: string; flags: CliFlags } {
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
  // Live progress on a terminal is log-update's, in the client's own process.
  if (msg.tty && !flags.json) return { why: 'a terminal' };
  if (clientColors(msg.env, msg.tty) !== agentColors) return { why: 'colours differ from the agent’s' };
  return { kind: command as StartRunRequest['kind'], file, flags };
}

/** AgentServerOptions.cli: one native client's command. */
export async function serveCli(msg: CliRequest, conn: CliConnection): Promise<void> {
  const run = servedRun(msg, pc.isColorSupported);
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
  const io: CliIo = { out: (s) => write('o', s + '\n'), err: (s) => write('e', s + '\n'), tty: false };
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
    code = await runKind(starter, kind, file, flags, io, { sigint: false });
  } catch (err) {
    io.err(`${pc.red('prodlike:')} ${(err as Error)?.message ?? String(err)}`);
    if (flags.debug) io.err((err as Error)?.stack ?? '');
    code = 1;
  }
  for (const [t, s] of held ?? []) conn.frame(t, s);
  conn.frame('x', String(code));
}
