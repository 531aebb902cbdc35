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
  | { op: 'watch' };

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
