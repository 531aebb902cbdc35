// The handler table: one entry per API channel, each a thin call into the engine facade. Electron's
// main process and the browser-mode server both serve exactly this table, so the two modes cannot
// drift apart. Node only; never imports electron.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EngineApi } from '../engine/engine-api.js';
import { ProdlikeError } from '../engine/errors.js';
import { dispatch, type Handlers } from './dispatch.js';

export type { Handlers };
import type { PushHub } from './push-hub.js';
import { findBaselines } from '../engine/baseline.js';
import { watchProfileFolders } from './profile-watch.js';
import { ShellManager } from './shells.js';
import { createLiveSide } from './live-handlers.js';
import { createDriftScheduleSide, type DriftSchedules } from './drift-schedules.js';


export interface ApiOptions {
  engine: EngineApi;
  hub: PushHub;
  mode: 'electron' | 'web';
  version: string;
  dataDir: string;
  /** Scheduled drift (the per-profile setting); absent: its channels say it is not available. */
  schedules?: DriftSchedules;
}

export interface Api {
  handlers: Handlers;
  /** Lists the profiles once before the first page asks, so modules, schemas and caches are warm and
   *  the list shows at once. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

export function createApi(opts: ApiOptions): Api {
  const { engine, hub } = opts;
  const shells = new ShellManager(engine, hub);
  // The engine-wide stream: runs reach the UI however they were started (tray, window, another tab).
  const unsubscribe = engine.subscribe((event) => hub.publish({ type: 'run-event', event }));

  let unwatch: () => void = () => undefined;
  const rewatch = async () => {
    const folders = await engine.profileFolders().catch(() => []);
    unwatch();
    unwatch = watchProfileFolders(folders, hub);
  };
  void rewatch();

  // Only profiles in the profile folders can be loaded, run or opened: a request cannot point the engine
  // at an arbitrary YAML file elsewhere on disk (symlinks resolved). A path check, not a listing: loading
  // every profile on each request made a refresh of N profiles cost N² loads.
  async function knownProfile(file: string): Promise<string> {
    const norm = path.resolve(file);
    const real = await fs.realpath(norm).catch(() => norm);
    const folders = await Promise.all((await engine.profileFolders()).map((f) => fs.realpath(f).catch(() => path.resolve(f))));
    if (!/\.ya?ml$/i.test(real) || !folders.some((f) => real.startsWith(f + path.sep))) {
      throw new ProdlikeError(`Not a profile in the profile folders: ${file}`, {
        hint: 'Add its folder in Settings → Profile folders.',
      });
    }
    return norm;
  }

  // Capture writes a file: only where profiles live (baselines belong in git beside them), so a request
  // cannot overwrite an arbitrary YAML file elsewhere.
  async function insideProfileFolders(target: string): Promise<void> {
    const folders = await engine.profileFolders();
    const abs = path.resolve(target);
    if (!folders.some((f) => abs.startsWith(path.resolve(f) + path.sep))) {
      throw new ProdlikeError(`A baseline is written only inside a profile folder, not to ${target}`, {
        hint: `Choose a path under ${folders.join(' or ') || 'a profile folder'}.`,
      });
    }
  }

  const live = createLiveSide({ engine, hub, shells, knownProfile });
  const scheduled = createDriftScheduleSide({ schedules: opts.schedules, engine, hub, knownProfile });

  const handlers: Handlers = {
    'app:info': async () => ({ version: opts.version, mode: opts.mode, dataDir: opts.dataDir }),
    'profiles:list': () => engine.listProfiles(),
    'profiles:get': async ({ file }) => engine.getProfile(await knownProfile(file)),
    'profiles:use-plan': async ({ file }) => engine.planUse(await knownProfile(file)),
    'runs:start': async (req) => {
      const file = await knownProfile(req.file);
      if (req.kind === 'capture' && req.baseline) await insideProfileFolders(req.baseline);
      const run = engine.start({ ...req, file });
      return { runId: run.runId };
    },
    'runs:cancel': async ({ runId }) => ({ cancelled: engine.cancel(runId) }),
    'runs:history': ({ file, limit }) => engine.history(file, limit),
    'drift:last': ({ file }) => engine.lastDrift(file),
    'baselines:list': async () => (await findBaselines(await engine.profileFolders())).map(({ file, baseline }) => ({ file, hosts: Object.keys(baseline.hosts) })),
    'settings:get': () => engine.getSettings(),
    'settings:set': async (patch) => {
      const s = await engine.setSettings(patch);
      if (patch.profileFolders) {
        hub.publish({ type: 'profiles-changed' });
        await rewatch();
      }
      return s;
    },
    'cache:list': () => engine.cacheList(),
    'cache:prune': (req) => engine.cachePrune(req),
    'hostkeys:list': () => engine.listHostKeys(),
    'hostkeys:trust': ({ host, port }) => engine.trustHostKey(host, port),
    'hostkeys:revoke': async ({ host, port }) => ({ revoked: await engine.revokeHostKey(host, port) }),
    'shell:open': async (req) => shells.open({ ...req, file: await knownProfile(req.file) }),
    'shell:input': async ({ shellId, data }) => shells.input(shellId, data),
    'shell:resize': ({ shellId, cols, rows }) => shells.resize(shellId, cols, rows),
    'shell:close': async ({ shellId }) => shells.close(shellId),
    ...live.handlers,
    'doctor:check': () => engine.doctor(),
    // Only a fix the engine itself decided for that check runs (the request names a check, not a command).
    'doctor:fix': ({ id }) => engine.doctorFix({ only: [id], confirm: async () => true }),
    'docker:engine': () => engine.dockerEngine(),
    ...scheduled.handlers,
  };

  return {
    handlers,
    warm: async () => {
      // Through the validation path too: zod compiles a schema on its first use.
      await dispatch(handlers, 'profiles:list', null);
    },
    close: async () => {
      unsubscribe();
      live.close();
      scheduled.close();
      unwatch();
      shells.closeAll();
      await engine.close();
    },
  };
}
