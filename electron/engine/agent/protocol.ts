// What the CLI and the agent say over the agent's socket: one JSON document per line, one request per
// connection, answered by a stream of messages. Types only (the CLI's side must stay light).

import type { StartRunRequest } from '../../../shared/api.js';
import type { DriftNotice, DriftSchedule } from '../../../shared/agent.js';
import type { RunEvent } from '../../../shared/events.js';
import type { DriftReport, ErrorInfo, RunResult } from '../../../shared/report.js';

/** What a run takes from the CLI that started it: its folder, its environment and its flags. */
export interface RunOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  lockWaitMs: number;
  debug: boolean;
  allowProductionHosts: boolean;
}

/**
 * Who may use an agent: the same build (a rebuilt CLI must not run old engine code) and the same
 * process-wide settings the engine reads from its own environment (Docker engine, ssh-agent, …).
 */
export interface AgentIdentity {
  build: string;
  envKey: string;
}

export type AgentRequest =
  | ({ op: 'run'; req: StartRunRequest; opts: RunOptions } & AgentIdentity)
  | { op: 'cancel' }
  | { op: 'status' }
  | { op: 'stop' }
  | ({ op: 'schedule'; file: string; everyMs: number; against?: string; opts: RunOptions } & AgentIdentity)
  | { op: 'unschedule'; file: string; cwd: string }
  | { op: 'watch' }
  | CliRequest
  /** The native client's terminal changed size (SIGWINCH), mid-command. */
  | { op: 'resize'; columns: number; rows: number };

/**
 * A whole command from the native client (electron/cli/native/client.c): its arguments, folder and
 * environment. The agent parses, runs and renders it as the Node CLI would, and answers in frames
 * (cliFrame), not lines; `f` sends the command back to the Node CLI.
 */
export interface CliRequest {
  op: 'cli';
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** The client's CLI bundle (dist/cli/main.mjs): its build must be the agent's. */
  main: string;
  /** The client's stdout is a terminal. */
  tty: boolean;
  /** Its stderr is a terminal (the live lines hide the cursor there, as cli-cursor does). */
  stderrTty?: boolean;
  /** Its stdout's size (TIOCGWINSZ), when it is a terminal and the size could be read. */
  columns?: number;
  rows?: number;
}

/** o: stdout, e: stderr, x: exit code, f: not taken (run it in Node), l: the run started (for recovery). */
export type CliFrameType = 'o' | 'e' | 'x' | 'f' | 'l';

/** One frame to the native client: its type, a 4-byte big-endian length, the payload. */
export function cliFrame(type: CliFrameType, payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const head = Buffer.allocUnsafe(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** What the agent gives a served command (AgentServerOptions.cli): runs as `run` starts them, and its output. */
export interface CliConnection {
  /** Why this agent may not run for a client of that build and environment (undefined: it may). */
  mismatch(id: AgentIdentity): string | undefined;
  start(req: StartRunRequest, opts: RunOptions, emit: (e: RunEvent) => void): { runId: string; pid: number; done: Promise<RunResult | DriftReport>; cancel: () => void };
  frame(type: CliFrameType, payload: string): void;
  /** The client's terminal changed size (its `resize` messages). */
  onResize(f: (columns: number, rows: number) => void): void;
}

export interface AgentStatus {
  pid: number;
  build: string;
  version: string;
  startedAt: string;
  socket: string;
  dataDir: string;
  idleExitMs: number;
  runsServed: number;
  running: { runId: string; kind: string; file: string }[];
  schedules: DriftSchedule[];
  /** Served by the app while it is open (its engine), not by a background `prodlike agent serve`. */
  app?: AppName;
}

/** Which app serves as the agent, as `prodlike agent status` names it. */
export type AppName = 'the desktop app' | 'the browser-mode app';

export type AgentMessage =
  /** The run was taken (first answer to a run): by this process. */
  | { t: 'accepted'; pid: number }
  | { t: 'event'; event: RunEvent }
  | { t: 'result'; result: RunResult | DriftReport }
  /** This agent is not for that CLI (another build or environment): run in-process instead. */
  | { t: 'mismatch'; why: string; build?: boolean }
  | { t: 'error'; error: ErrorInfo }
  | { t: 'status'; status: AgentStatus }
  | { t: 'stopping'; running: number }
  | { t: 'scheduled'; schedule: DriftSchedule }
  | { t: 'unscheduled'; removed: DriftSchedule[] }
  | { t: 'notice'; notice: DriftNotice };

/** Reads newline-delimited JSON from a socket. */
export function lineReader(onLine: (value: unknown) => void): (chunk: Buffer) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        continue; // a torn line from a peer that died mid-write
      }
      onLine(v);
    }
  };
}

/** The environment variables the engine reads from its own process (not from a run's env). */
export const PROCESS_ENV_KEYS = ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'SSH_AUTH_SOCK', 'PRODLIKE_VM_ACCEL', 'PATH', 'HOME'];

export function envKey(env: NodeJS.ProcessEnv): string {
  return JSON.stringify(PROCESS_ENV_KEYS.map((k) => env[k] ?? null));
}
