// The app's engine as the agent of its data folder while the app is open (the desktop app and the
// browser-mode server alike): it listens on the agent's socket (same protocol, same 0700 folder and 0600
// socket), so a terminal's `prodlike up` runs in the app's engine and shows in the app live and in its
// history. A background agent started by a CLI is asked to stop once its runs are done, and the app takes
// its place; a CLI-started agent never replaces the app. On quit the app stops serving and removes the
// socket; the next CLI run starts its own agent or runs in-process.

import { promises as fs } from 'node:fs';
import type { Engine } from '../engine.js';
import { agentStatus, stopAgent } from './client.js';
import { agentPaths, ensureRuntimeDir } from './paths.js';
import type { AgentStatus, AppName } from './protocol.js';
import { takeStartLock } from './serve.js';
import type { DriftScheduler } from './drift-scheduler.js';
import { AgentServer } from './server.js';

export interface AppAgentOptions {
  engine: Engine;
  name: AppName;
  /** The app's drift scheduler, which the agent then uses (one per data folder). */
  scheduler?: DriftScheduler;
  /** The build of the CLI bundle that ships with the app (build-id.ts): CLIs of that build use it. */
  build: string;
  version: string;
  env?: NodeJS.ProcessEnv;
  log?: (text: string) => void;
  /** How long to wait for a CLI's agent that is starting right now (it holds the start lock). */
  startLockWaitMs?: number;
}

export interface AppAgent {
  /** Resolves once the app serves (its status), or with undefined when it does not (and why, in the log). */
  readonly ready: Promise<AgentStatus | undefined>;
  /** Stops serving: the terminal's runs in it are cancelled (as the app's own are on quit), the socket removed. */
  close(): Promise<void>;
}

/** Starts serving in the background: the app's start-up does not wait for an old agent's runs to end. */
export function serveFromApp(opts: AppAgentOptions): AppAgent {
  const log = opts.log ?? (() => undefined);
  let server: AgentServer | undefined;
  let closing = false;
  /** Waiting for a CLI's agent to finish its runs and stop (minutes, perhaps): quitting need not wait. */
  let waitingForOld = false;
  const paths = agentPaths(opts.engine.dataDir, opts.env);

  const ready = (async (): Promise<AgentStatus | undefined> => {
    ensureRuntimeDir(paths.dir);
    const deadline = Date.now() + (opts.startLockWaitMs ?? 15_000);
    while (!(await takeStartLock(paths.startLock))) {
      if (closing || Date.now() > deadline) {
        log(`not serving as the agent: another process keeps starting one (${paths.startLock})`);
        return undefined;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    try {
      const other = await agentStatus(paths.socket);
      if (other?.app) {
        log(`not serving as the agent: ${other.app} (pid ${other.pid}) serves ${opts.engine.dataDir}`);
        return undefined;
      }
      if (other) {
        log(`asking the agent (pid ${other.pid}) to stop once its ${other.running.length} run(s) are done; the app serves from then on`);
        waitingForOld = true;
        await stopAgent(paths.socket).finally(() => (waitingForOld = false));
      }
      if (closing) return undefined;
      server = new AgentServer({ paths, build: opts.build, version: opts.version, idleExitMs: Infinity, log, app: { engine: opts.engine, name: opts.name, ...(opts.scheduler ? { scheduler: opts.scheduler } : {}) } });
      await server.listen();
      return server.status();
    } finally {
      await fs.rm(paths.startLock, { force: true });
    }
  })().catch((err: unknown) => {
    log(`not serving as the agent: ${(err as Error)?.message ?? String(err)}`);
    return undefined;
  });

  return {
    ready,
    close: async () => {
      closing = true;
      // Still waiting for the old agent: nothing of ours to stop, and the app does not serve after all.
      if (waitingForOld) return;
      await ready;
      if (!server) return;
      for (const r of server.status().running) opts.engine.cancel(r.runId);
      await server.stop('the app is quitting');
    },
  };
}
