// The CLI and the agent: runs handed to a running agent (same rendering, output and exit codes as
// in-process), the agent started on demand, `prodlike agent status|start|stop`, and
// `prodlike drift --every`. Nothing here loads the engine unless the agent is not there.

import path from 'node:path';
import pc from 'picocolors';
import type { StartRunRequest } from '../../shared/api.js';
import type { DriftReport, RunResult } from '../../shared/report.js';
import { agentPaths, type AgentPaths } from '../engine/agent/paths.js';
import { AgentMismatch, AgentRun, agentStatus, connectAgent, converse, gone, spawnAgent, stopAgent, waitForAgent } from '../engine/agent/client.js';
import { defaultDataDir } from '../engine/state/data-dir.js';
import type { CliFlags, CliIo } from './io.js';
import { finishRun, printError, runKind, runRequest } from './run-kind.js';
import { VERSION } from './version.js';
import { agentAllowed, autoStartAllowed, identity, runOptions, type AgentContext, type LostRun } from './agent-identity.js';

export { agentAllowed, autoStartAllowed, type AgentContext } from './agent-identity.js';

function pathsFor(ctx: AgentContext): AgentPaths {
  return agentPaths(defaultDataDir(ctx.env), ctx.env);
}


/**
 * The run through the agent, or undefined when there is none for this CLI (the caller runs it
 * in-process). With none running, one is started in the background for the next command, unless
 * auto-start is off: this run does not wait for it, so a first run costs what it did without agents.
 */
export async function runViaAgent(command: string, args: string[], flags: CliFlags, io: CliIo, ctx: AgentContext): Promise<number | undefined> {
  const lost = ctx.env[LOST_ENV];
  if (lost !== undefined) {
    delete ctx.env[LOST_ENV];
    return reportLostRun(lost, flags, io, ctx);
  }
  if (!args[0]) return undefined; // "up needs a profile": the in-process path says it
  const paths = pathsFor(ctx);
  const sock = await connectAgent(paths.socket);
  if (!sock) {
    if (autoStartAllowed(ctx.env)) {
      try {
        spawnAgent(ctx.cliMain, paths, ctx.env);
      } catch {
        // no runtime folder: this run is in-process anyway
      }
    }
    return undefined;
  }
  let req: StartRunRequest;
  try {
    req = runRequest(command as StartRunRequest['kind'], args[0], flags);
  } catch {
    sock.destroy();
    return undefined; // a missing --out or --against: the in-process path prints it
  }
  let run: AgentRun;
  try {
    run = await AgentRun.open(sock, { op: 'run', req, opts: runOptions(flags, ctx.env), ...identity(ctx) });
  } catch (err) {
    sock.destroy();
    if (err instanceof AgentMismatch) {
      // An agent of another build: a new one replaces it (once its runs are done) for the next command.
      if (err.build && autoStartAllowed(ctx.env)) spawnAgent(ctx.cliMain, paths, ctx.env);
      if (flags.debug) io.err(pc.dim(`prodlike: running in-process: ${err.message}`));
      return undefined;
    }
    throw err;
  }
  return runKind(run.starter((runId, why) => recoverRun(ctx, run, req, why)), req.kind, args[0], flags, io);
}

/**
 * The agent ended the connection without a result. The engine records a run in the history before it
 * answers, so a finished run is found there (drift: its report too); one that did not finish is recorded
 * as failed, with why, and reported so.
 */
async function recoverRun(ctx: AgentContext, run: { runId: string; startEvent?: AgentRun['startEvent'] }, req: StartRunRequest, why: string): Promise<RunResult | DriftReport> {
  const { AppState } = await import('../engine/state/engine-state.js');
  const state = new AppState(defaultDataDir(ctx.env));
  const rec = run.runId ? (await state.history(undefined, 200)).find((r) => r.runId === run.runId) : undefined;
  if (rec) {
    if (rec.kind === 'drift') {
      const report = await state.lastDrift(rec.profileFile);
      if (report?.runId === rec.runId) return report;
    }
    const result: RunResult = { runId: rec.runId, kind: rec.kind, profile: rec.profile, profileFile: rec.profileFile, ok: rec.ok, startedAt: rec.startedAt, durationMs: rec.durationMs, machines: [], summary: rec.summary };
    if (rec.error) result.error = rec.error;
    return result;
  }
  const start = run.startEvent;
  const error = { name: 'AgentError', message: why, hint: `the run did not finish; run the command again (the agent's log: ${pathsFor(ctx).log})` };
  const startedAt = start?.at ?? new Date().toISOString();
  const result: RunResult = {
    runId: run.runId || 'agent',
    kind: req.kind,
    profile: start?.profile ?? req.file,
    profileFile: start?.profileFile ?? req.file,
    ok: false,
    startedAt,
    durationMs: Date.now() - Date.parse(startedAt),
    machines: [],
    summary: { ok: 0, changed: 0, pending: 0, failed: 0 },
    error,
  };
  if (start) await state.recordRun({ runId: result.runId, kind: result.kind, profile: result.profile, profileFile: result.profileFile, ok: false, startedAt, durationMs: result.durationMs, summary: result.summary, error }).catch(() => undefined);
  return result;
}

/** Set by the native client when its agent died mid-run: what the run was (LostRun, as JSON). */
const LOST_ENV = 'PRODLIKE_AGENT_LOST';

/** The native client's run ended without a result: what the history has of it, printed as the run's result. */
async function reportLostRun(text: string, flags: CliFlags, io: CliIo, ctx: AgentContext): Promise<number> {
  let lost: LostRun;
  try {
    lost = JSON.parse(text) as LostRun;
  } catch {
    printError(io, { name: 'AgentError', message: 'the Prodlike agent stopped during the run (killed or crashed)', hint: 'run the command again' }, !!flags.json);
    return 1;
  }
  await gone(lost.pid, 3000);
  const result = await recoverRun(ctx, lost, lost.req, 'the Prodlike agent stopped during the run (killed or crashed)');
  return finishRun(result, lost.req, flags, io);
}

/** `prodlike agent status|start|stop` (and `serve`, which `start` runs in the background). */
export async function agentCommand(args: string[], flags: CliFlags, io: CliIo, ctx: AgentContext): Promise<number> {
  const paths = pathsFor(ctx);
  const json = !!flags.json;
  switch (args[0] ?? 'status') {
    case 'status': {
      const st = await agentStatus(paths.socket);
      if (json) io.out(JSON.stringify(st ? { running: true, agent: st } : { running: false, socket: paths.socket }));
      else if (!st) io.out(`no agent running for ${paths.dataDir} (runs start one; \`prodlike agent start\` does now)`);
      else {
        const { formatEvery } = await import('../engine/agent/drift-scheduler.js');
        if (st.app) io.out(`agent running: ${st.app} (pid ${st.pid}, version ${st.version}), since ${st.startedAt}, ${st.runsServed} run(s) served, serves while it is open`);
        else io.out(`agent running: pid ${st.pid}, since ${st.startedAt}, ${st.runsServed} run(s) served, exits after ${formatEvery(st.idleExitMs)} idle`);
        io.out(`  ${pc.dim('socket')} ${st.socket}`);
        if (st.build !== identity(ctx).build) io.out(`  ${pc.yellow('another build than this CLI:')} runs go in-process ${st.app ? 'while it is open' : 'until it stops (`prodlike agent stop`)'}`);
        for (const r of st.running) io.out(`  ${pc.dim('running')} ${r.kind} ${r.file} (${r.runId})`);
        for (const s of st.schedules) {
          const last = s.last ? `last ${s.last.at}: ${s.last.state}${s.last.state === 'drift' ? ` (${s.last.drifted})` : ''}` : 'not checked yet';
          io.out(`  ${pc.dim('drift')} ${s.profile} every ${formatEvery(s.everyMs)}${s.against ? ` against ${path.relative(process.cwd(), s.against)}` : ''}: ${last}; next ${s.nextAt}`);
        }
      }
      return st ? 0 : 3;
    }
    case 'start': {
      let st = await agentStatus(paths.socket);
      // The app serving (even of another build) is not replaced: it serves while it is open.
      if (!st || (st.build !== identity(ctx).build && !st.app)) {
        spawnAgent(ctx.cliMain, paths, ctx.env);
        st = await waitForAgent(paths.socket, 15_000, identity(ctx).build);
      }
      if (!st) {
        printError(io, { name: 'AgentError', message: 'the agent did not start', hint: `its log says why: ${paths.log}` }, json);
        return 1;
      }
      if (json) io.out(JSON.stringify({ running: true, agent: st }));
      else io.out(`agent running: ${st.app ? `${st.app}, ` : ''}pid ${st.pid}, socket ${st.socket}`);
      return 0;
    }
    case 'stop': {
      const served = await agentStatus(paths.socket);
      if (served?.app) {
        printError(io, { name: 'AgentError', message: `the agent is ${served.app} (pid ${served.pid}), which serves while it is open`, hint: 'quit the app to stop it; --no-agent runs one command in-process' }, json);
        return 1;
      }
      const r = await stopAgent(paths.socket);
      if (json) io.out(JSON.stringify(r));
      else io.out(r.stopped ? `agent stopped${r.running ? ` (after ${r.running} run(s) under way finished)` : ''}` : 'no agent running');
      return 0;
    }
    case 'serve': {
      const { serveAgent, DEFAULT_IDLE_EXIT_MS } = await import('../engine/agent/serve.js');
      const { parseEvery } = await import('../engine/agent/drift-scheduler.js');
      const idle = ctx.env.PRODLIKE_AGENT_IDLE ? parseIdle(ctx.env.PRODLIKE_AGENT_IDLE, parseEvery) : DEFAULT_IDLE_EXIT_MS;
      // It also serves the native client's commands (served-cli.ts): the CLI's code, so loaded from here.
      const { serveCli } = await import('./served-cli.js');
      const server = await serveAgent(paths, { build: identity(ctx).build, version: VERSION, idleExitMs: idle, cli: serveCli });
      if (!server) return 0; // another agent serves this data folder
      await new Promise(() => undefined); // serves until stopped (the process exits there)
      return 0;
    }
    default:
      printError(io, { name: 'UsageError', message: `unknown agent command "${args[0]}"`, hint: 'prodlike agent status|start|stop' }, json);
      return 1;
  }
}

function parseIdle(text: string, parseEvery: (t: string) => number): number {
  // Seconds are accepted below the schedules' minimum here (tests, short sessions).
  const s = /^(\d+)s$/.exec(text);
  return s ? Number(s[1]) * 1000 : parseEvery(text);
}

/** `prodlike drift --every 15m <profile> [--against <baseline>]`, and `--every off`. */
export async function scheduleDrift(args: string[], flags: CliFlags, io: CliIo, ctx: AgentContext): Promise<number> {
  const json = !!flags.json;
  const fail = (message: string, hint: string) => {
    printError(io, { name: 'UsageError', message, hint }, json);
    return 1;
  };
  const file = args[0];
  if (!file) return fail('drift --every needs a profile', 'prodlike drift --every 15m <profile> [--against <baseline>]');
  if (!agentAllowed(flags, ctx.env)) return fail('scheduled drift runs in the agent, and --no-agent or PRODLIKE_NO_AGENT turns it off', 'drop --no-agent (or unset PRODLIKE_NO_AGENT), or run `prodlike drift` from cron');
  const { parseEvery, formatEvery } = await import('../engine/agent/drift-scheduler.js');
  let everyMs: number;
  try {
    everyMs = parseEvery(flags.every!);
  } catch (err) {
    return fail((err as Error).message, (err as { hint?: string }).hint ?? '');
  }
  const paths = pathsFor(ctx);
  let st = await agentStatus(paths.socket);
  if (!st && everyMs === 0) {
    if (json) io.out(JSON.stringify({ removed: [] }));
    else io.out('no agent running: nothing is scheduled');
    return 0;
  }
  if (!st || (everyMs > 0 && st.build !== identity(ctx).build && !st.app)) {
    spawnAgent(ctx.cliMain, paths, ctx.env);
    st = await waitForAgent(paths.socket, 15_000, identity(ctx).build);
    if (!st) return fail('the agent did not start', `its log says why: ${paths.log}`);
  }
  const sock = await connectAgent(paths.socket);
  if (!sock) return fail('the agent stopped before it took the schedule', 'run the command again');
  let code = 1;
  const request =
    everyMs === 0
      ? ({ op: 'unschedule', file, cwd: process.cwd() } as const)
      : ({ op: 'schedule', file, everyMs, ...(flags.against ? { against: path.resolve(flags.against) } : {}), opts: runOptions(flags, ctx.env), ...identity(ctx) } as const);
  await converse(sock, request, (m) => {
    if (m.t === 'scheduled') {
      code = 0;
      const s = m.schedule;
      if (json) io.out(JSON.stringify({ schedule: s }));
      else
        io.out(
          `drift of ${pc.bold(s.profile)} against ${s.against ? path.relative(process.cwd(), s.against) : 'its profile'} every ${formatEvery(s.everyMs)}, in the agent (pid ${st!.pid}); the first check runs now.\n` +
            `  ${pc.dim('results: the run history and `prodlike agent status`; a notice when drift appears or goes away; stop: prodlike drift --every off ' + file)}`,
        );
    } else if (m.t === 'unscheduled') {
      code = 0;
      if (json) io.out(JSON.stringify({ removed: m.removed }));
      else io.out(m.removed.length ? `stopped scheduled drift of ${m.removed.map((r) => r.profile).join(', ')}` : `no scheduled drift of ${file}`);
    } else if (m.t === 'mismatch') {
      printError(io, { name: 'AgentError', message: `the agent cannot take the schedule: ${m.why}`, hint: 'prodlike agent stop, then run this again' }, json);
    } else if (m.t === 'error') {
      printError(io, m.error, json);
    }
  });
  return code;
}

export type { RunResult };
