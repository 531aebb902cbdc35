// `prodlike agent serve` (started by the CLI, detached, its output going to the agent's log): becomes the
// agent of its data folder unless one is already there. Two CLIs starting an agent at once make one.

import { promises as fs } from 'node:fs';
import { AgentServer, type AgentServerOptions } from './server.js';
import { agentStatus, stopAgent } from './client.js';
import { ensureRuntimeDir, type AgentPaths } from './paths.js';
import { processAlive } from '../state/process.js';

export const DEFAULT_IDLE_EXIT_MS = 10 * 60_000;

/** The start lock: a file holding the starter's pid (a starter that died leaves a stale one, taken over). */
export async function takeStartLock(file: string): Promise<boolean> {
  for (let i = 0; i < 3; i++) {
    try {
      await fs.writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number(await fs.readFile(file, 'utf8').catch(() => ''));
    if (pid && processAlive(pid)) return false;
    await fs.rm(file, { force: true });
  }
  return false;
}

/** Returns the running server, or undefined when another agent serves this data folder. */
export async function serveAgent(paths: AgentPaths, opts: { build: string; version: string; idleExitMs: number; cli?: AgentServerOptions['cli'] }): Promise<AgentServer | undefined> {
  ensureRuntimeDir(paths.dir);
  if (!(await takeStartLock(paths.startLock))) return undefined;
  try {
    const other = await agentStatus(paths.socket);
    if (other?.build === opts.build) return undefined;
    // The app serves while it is open (app-agent.ts); CLIs of another build run in-process meanwhile.
    if (other?.app) return undefined;
    // Another build (Prodlike was updated or rebuilt): it stops once its runs are done, this one takes over.
    if (other) await stopAgent(paths.socket);
    const server = new AgentServer({
      paths,
      ...opts,
      log: (t) => process.stdout.write(t + '\n'),
      onStopped: () => process.exit(0),
    });
    await server.listen();
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => void server.stop(sig));
    return server;
  } finally {
    await fs.rm(paths.startLock, { force: true });
  }
}
