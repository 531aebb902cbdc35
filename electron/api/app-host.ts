// What an open app is, for both front ends (Electron main and the browser-mode server): the engine over
// the data folder the CLI uses too (the app's old folder moved into it once), the push hub, the API
// handlers, and the engine serving as the agent of that folder while the app is open. Node only.

import { Engine } from '../engine/engine.js';
import { serveFromApp, type AppAgent } from '../engine/agent/app-agent.js';
import { buildOf } from '../engine/agent/build-id.js';
import type { AppName } from '../engine/agent/protocol.js';
import { defaultDataDir } from '../engine/state/data-dir.js';
import { moveOldDataDir, type DataDirMove } from '../engine/state/move-data-dir.js';
import { createApi, type Api } from './handlers.js';
import { localDriftScheduler } from './local-drift-scheduler.js';
import { PushHub } from './push-hub.js';

export interface AppHostOptions {
  mode: 'electron' | 'web';
  /** Default: the CLI's (data-dir.ts: PRODLIKE_DATA_DIR, else the platform's). */
  dataDir?: string;
  /**
   * The app's folder before it shared the CLI's: its state is moved over once, into the default folder
   * only (a folder named by dataDir or PRODLIKE_DATA_DIR may be a test's or a one-off's, not the user's).
   */
  oldDataDir?: string;
  profileFolders?: string[];
  version: string;
  /** The CLI bundle built with this app: CLIs of its build hand their runs to this app. */
  cliMain: string;
  env?: NodeJS.ProcessEnv;
  log?: (text: string) => void;
}

export interface AppHost {
  engine: Engine;
  hub: PushHub;
  api: Api;
  /** Undefined with PRODLIKE_NO_AGENT (no agent at all, as for the CLI). */
  agent: AppAgent | undefined;
  moved: DataDirMove | undefined;
  close(): Promise<void>;
}

const off = (v: string | undefined) => !!v && v !== '0' && v !== 'false';

export async function openAppHost(opts: AppHostOptions): Promise<AppHost> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((t: string) => console.log(t));
  const dataDir = opts.dataDir ?? defaultDataDir(env);
  let moved: DataDirMove | undefined;
  if (opts.oldDataDir && !opts.dataDir && !env.PRODLIKE_DATA_DIR) {
    try {
      moved = await moveOldDataDir(opts.oldDataDir, dataDir);
      if (moved) log(`moved the app's state from ${moved.from} to ${moved.to} (shared with the prodlike command)${moved.kept.length ? `; left there: ${moved.kept.join(', ')}` : ''}`);
    } catch (err) {
      log(`could not move the app's state from ${opts.oldDataDir} to ${dataDir}: ${(err as Error).message}`);
    }
  }
  // The folder is pinned: a terminal's run in this engine changes the process's folder (its messages
  // name paths as that terminal would), and the app's ./profiles must not follow it.
  const engine = new Engine({ dataDir, cwd: process.cwd(), ...(opts.profileFolders ? { profileFolders: opts.profileFolders } : {}), ...(opts.env ? { env: opts.env } : {}) });
  const hub = new PushHub();
  // Scheduled drift: the app's scheduler over the data folder's schedule file. While the app serves as
  // the agent it is the agent's scheduler too (`prodlike drift --every` sets schedules in it): one per folder.
  const schedules = localDriftScheduler(engine, dataDir, (t) => log(`drift schedules: ${t}`));
  await schedules.load().catch((e: unknown) => log(`the drift schedules were not loaded: ${(e as Error).message}`));
  const api = createApi({ engine, hub, mode: opts.mode, version: opts.version, dataDir, schedules });
  const name: AppName = opts.mode === 'electron' ? 'the desktop app' : 'the browser-mode app';
  const agent = off(env.PRODLIKE_NO_AGENT) ? undefined : serveFromApp({ engine, name, scheduler: schedules, build: buildOf(opts.cliMain, opts.version), version: opts.version, env, log: (t) => log(`agent: ${t}`) });
  return {
    engine,
    hub,
    api,
    agent,
    moved,
    close: async () => {
      // The agent first: it cancels the terminal's runs and waits for their results to reach their CLIs.
      await agent?.close();
      // Its timers stop at once; a check under way is not waited for (the engine's close ends it).
      void schedules.close();
      await api.close();
    },
  };
}
