// The CLI's side of the agent: connect (fast to fail when there is none), send one request, read the
// answers; start an agent in the background; a run over the socket that looks to the CLI like a local
// one (RunStarter). Light on purpose: no engine code loads here.

import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync, truncateSync } from 'node:fs';
import net from 'node:net';
import type { StartRunRequest } from '../../../shared/api.js';
import type { EventSink, RunEvent } from '../../../shared/events.js';
import type { DriftReport, RunResult } from '../../../shared/report.js';
import { ensureRuntimeDir, type AgentPaths } from './paths.js';
import { lineReader, type AgentMessage, type AgentRequest, type AgentStatus } from './protocol.js';
import { processAlive } from '../state/process.js';

/** A connection to the agent, or undefined when none listens (no socket, or a stale one). */
export function connectAgent(socket: string, timeoutMs = 2000): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect(socket);
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(undefined);
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.off('error', fail);
      resolve(sock);
    });
    const fail = () => {
      clearTimeout(timer);
      resolve(undefined);
    };
    sock.once('error', fail);
  });
}

/** Is an agent answering on this socket? */
export async function probeAgent(socket: string): Promise<boolean> {
  return (await agentStatus(socket)) !== undefined;
}

/** One request, every answer to `onMessage`; resolves when the agent closes the connection. */
export function converse(sock: net.Socket, req: AgentRequest, onMessage: (m: AgentMessage) => void): Promise<void> {
  return new Promise((resolve) => {
    sock.on('data', lineReader((v) => onMessage(v as AgentMessage)));
    sock.once('close', () => resolve());
    sock.on('error', () => undefined);
    sock.write(JSON.stringify(req) + '\n');
  });
}

export async function agentStatus(socket: string, timeoutMs = 2000): Promise<AgentStatus | undefined> {
  const sock = await connectAgent(socket, timeoutMs);
  if (!sock) return undefined;
  let status: AgentStatus | undefined;
  const timer = setTimeout(() => sock.destroy(), timeoutMs);
  await converse(sock, { op: 'status' }, (m) => {
    if (m.t === 'status') status = m.status;
  });
  clearTimeout(timer);
  return status;
}

/** Asks the agent to stop and waits until it is gone (runs under way finish first). */
export async function stopAgent(socket: string): Promise<{ stopped: boolean; running: number }> {
  const sock = await connectAgent(socket);
  if (!sock) return { stopped: false, running: 0 };
  let running = 0;
  await converse(sock, { op: 'stop' }, (m) => {
    if (m.t === 'stopping') running = m.running;
  });
  return { stopped: true, running };
}

/**
 * Starts an agent in the background: `node <cli> agent serve`, detached, its output appended to the
 * agent's log (cut when it passes 1 MB). Does not wait; `waitForAgent` does.
 */
export function spawnAgent(cliMain: string, paths: AgentPaths, env: NodeJS.ProcessEnv = process.env): void {
  ensureRuntimeDir(paths.dir);
  try {
    if (statSync(paths.log).size > 1 << 20) truncateSync(paths.log, 0);
  } catch {
    // no log yet
  }
  const log = openSync(paths.log, 'a', 0o600);
  try {
    // The data folder as an absolute path: a relative PRODLIKE_DATA_DIR would resolve from the agent's folder.
    const child = spawn(process.execPath, [cliMain, 'agent', 'serve'], { detached: true, stdio: ['ignore', log, log], env: { ...env, PRODLIKE_DATA_DIR: paths.dataDir }, cwd: paths.dir });
    child.unref();
  } finally {
    closeSync(log);
  }
}

/** Waits for an agent to answer (of this build, when given). */
export async function waitForAgent(socket: string, timeoutMs = 15_000, build?: string): Promise<AgentStatus | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const st = await agentStatus(socket, 1000);
    if (st && (!build || st.build === build)) return st;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

const ACCEPT_TIMEOUT_MS = 10_000;

/** What the agent said when it did not take the run: the CLI runs it in-process instead. */
export class AgentMismatch extends Error {
  constructor(
    why: string,
    /** The agent is another build of Prodlike (not another environment). */
    readonly build: boolean,
  ) {
    super(why);
  }
}

/**
 * A run in the agent, for runKind: the request is sent at once (`open`), so a mismatch is known before
 * anything is rendered. If the connection ends without a result (the agent was killed), `done` resolves
 * with what `recover` finds (the run history, which the engine writes before it answers).
 */
export class AgentRun {
  private readonly messages: AgentMessage[] = [];
  private sink: ((m: AgentMessage) => void) | undefined;
  private readonly ended: Promise<void>;
  runId = '';
  /** The agent's pid (its locks hold it). */
  pid = 0;
  /** The run's first event: what the history needs if the agent dies before the result. */
  startEvent: Extract<RunEvent, { type: 'run-start' }> | undefined;

  private constructor(private readonly sock: net.Socket, req: AgentRequest, first: () => void) {
    this.ended = converse(sock, req, (m) => {
      if (m.t === 'event' && m.event.type === 'run-start') {
        this.runId = m.event.runId;
        this.startEvent = m.event;
      }
      if (this.sink) this.sink(m);
      else this.messages.push(m);
      first();
    }).then(() => {
      first();
    });
  }

  /** Sends the run; resolves once the agent answered (its first event), or throws AgentMismatch. */
  static async open(sock: net.Socket, req: Extract<AgentRequest, { op: 'run' }>): Promise<AgentRun> {
    let answered!: () => void;
    const first = new Promise<void>((r) => (answered = r));
    const run = new AgentRun(sock, req, () => answered());
    // An agent that accepts connections but does not answer (its loop stuck): this run goes in-process.
    // Had it taken the run after all, the run's lock keeps the two from interleaving.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ACCEPT_TIMEOUT_MS)));
    const answer = await Promise.race([first, late]);
    clearTimeout(timer);
    if (answer === 'late') throw new AgentMismatch(`the agent did not answer in ${ACCEPT_TIMEOUT_MS / 1000} s`, false);
    const m = run.messages[0];
    if (m?.t === 'mismatch') throw new AgentMismatch(m.why, m.build === true);
    if (m?.t === 'accepted') run.pid = m.pid;
    return run;
  }

  starter(recover: (runId: string, error: string) => Promise<RunResult | DriftReport>) {
    return {
      start: (_req: StartRunRequest, emit?: EventSink) => {
        let result: RunResult | DriftReport | undefined;
        let failure: string | undefined;
        const onMessage = (m: AgentMessage) => {
          if (m.t === 'event') emit?.(m.event);
          else if (m.t === 'result') result = m.result;
          else if (m.t === 'error') failure = m.error.message;
        };
        for (const m of this.messages.splice(0)) onMessage(m);
        this.sink = onMessage;
        const done = this.ended.then(async () => {
          if (result) return result;
          // Killed: its socket closes a moment before the process is gone, and its locks with it.
          await gone(this.pid, 3000);
          return recover(this.runId, failure ?? 'the Prodlike agent stopped during the run (killed or crashed)');
        });
        return { runId: this.runId, done };
      },
      cancel: () => {
        if (!this.sock.destroyed) this.sock.write(JSON.stringify({ op: 'cancel' } satisfies AgentRequest) + '\n');
        return true;
      },
    };
  }
}

/** Waits (up to `ms`) until the process has exited: no such pid, or a zombie not reaped yet. */
export async function gone(pid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (pid && Date.now() < deadline && processAlive(pid)) await new Promise((r) => setTimeout(r, 20));
}
