// Where the agent of a data folder listens: one per user and data folder, in the runtime folder
// ($XDG_RUNTIME_DIR/prodlike, else <data>/run), a folder only the user may enter (0700) and a socket only
// the user may open (0600). Light on purpose: the CLI reads it on every run, before the engine loads.

import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface AgentPaths {
  dir: string;
  socket: string;
  /** The agent's log (its stdout and stderr): scheduled drift, start, stop, crashes. */
  log: string;
  /** Held while an agent starts, so that two CLIs starting one at once make one agent. */
  startLock: string;
  dataDir: string;
}

// A unix socket path is at most 107 bytes on Linux (103 on macOS).
const MAX_SOCKET_PATH = 100;

export function agentPaths(dataDir: string, env: NodeJS.ProcessEnv = process.env): AgentPaths {
  const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const candidates = [env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'prodlike') : '', path.join(dataDir, 'run'), path.join(os.tmpdir(), `prodlike-${uid()}`)].filter(Boolean);
  const dir = candidates.find((d) => path.join(d, `agent-${id}.sock`).length <= MAX_SOCKET_PATH) ?? candidates[candidates.length - 1]!;
  return { dir, socket: path.join(dir, `agent-${id}.sock`), log: path.join(dir, `agent-${id}.log`), startLock: path.join(dir, `agent-${id}.start`), dataDir };
}

const uid = () => (typeof process.getuid === 'function' ? process.getuid() : os.userInfo().username);

/**
 * Makes the runtime folder (0700) and checks that it is ours and nobody else's: a folder another user
 * made, or one others may write to, could hold a socket that is not our agent.
 */
export function ensureRuntimeDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder; the Prodlike agent keeps its socket there`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new Error(`${dir} belongs to another user; the Prodlike agent will not put its socket there`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
