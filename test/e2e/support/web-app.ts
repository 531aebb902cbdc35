// The browser-mode server in-process, with the real engine, a temporary data folder and a temporary
// profiles folder holding copies of the test profiles.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Engine } from '../../../electron/engine/engine';
import { createApi, type Api } from '../../../electron/api/handlers';
import { PushHub } from '../../../electron/api/push-hub';
import { startWebServer, type WebServer } from '../../../electron/web/web-server';
import { localDriftScheduler } from '../../../electron/api/local-drift-scheduler';
import type { DriftScheduler } from '../../../electron/engine/agent/drift-scheduler';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const FIXTURES = path.join(ROOT, 'test/e2e/fixtures/profiles');

export interface TestApp {
  web: WebServer;
  engine: Engine;
  hub: PushHub;
  host: Api;
  /** Scheduled drift, as the browser-mode server has it (its schedules file in dataDir). */
  schedules: DriftScheduler;
  profilesDir: string;
  dataDir: string;
  file(name: string): string;
  close(): Promise<void>;
}

export async function startTestApp(opts: { cache?: boolean } = {}): Promise<TestApp> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'prodlike-e2e-'));
  const dataDir = path.join(tmp, 'data');
  const profilesDir = path.join(tmp, 'profiles');
  await cp(FIXTURES, profilesDir, { recursive: true });
  // The environment cache is off unless asked for: the app flows are not about it, and would leave cached
  // images behind (a file that turns it on removes its own states).
  const engine = new Engine({ dataDir, profileFolders: [profilesDir], env: { ...process.env, PRODLIKE_NO_CACHE: opts.cache ? '' : '1' } });
  const hub = new PushHub();
  const schedules = localDriftScheduler(engine, dataDir, (t) => console.error(`drift schedules: ${t}`));
  await schedules.load();
  const host = createApi({ engine, hub, mode: 'web', version: 'e2e', dataDir, schedules });
  await host.warm();
  const web = await startWebServer({ handlers: host.handlers, hub, rendererDir: path.join(ROOT, 'dist/renderer') });
  return {
    web,
    engine,
    hub,
    host,
    schedules,
    profilesDir,
    dataDir,
    file: (name) => path.join(profilesDir, name),
    close: async () => {
      await web.close();
      await schedules.close();
      await host.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
