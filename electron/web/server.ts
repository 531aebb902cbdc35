// `npm run web`: the whole app in a browser, served on 127.0.0.1 with a one-time token.
//   node dist/web/server.mjs [--port N] [--data-dir DIR] [--profiles DIR]...

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Engine } from '../engine/engine.js';
import { APP_VERSION } from '../api/app-version.js';
import { createApi } from '../api/handlers.js';
import { PushHub } from '../api/push-hub.js';
import { localDriftScheduler } from '../api/local-drift-scheduler.js';
import { startWebServer } from './web-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** dist/web/server.mjs → dist/renderer; from the source tree (tsx) → dist/renderer too. */
function rendererDir(): string {
  const candidates = [path.resolve(here, '../renderer'), path.resolve(here, '../../dist/renderer')];
  return candidates.find((d) => existsSync(path.join(d, 'index.html'))) ?? candidates[0]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      profiles: { type: 'string', multiple: true },
    },
  });
  const port = values.port ? Number(values.port) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not ${values.port}`);
  const engine = new Engine({
    dataDir: values['data-dir'],
    profileFolders: values.profiles?.map((p) => path.resolve(p)),
  });
  const hub = new PushHub();
  // Scheduled drift: the app's own scheduler over the data folder's schedule file, for now. Once the
  // app hosts the background agent, this is the agent's scheduler instead.
  const schedules = localDriftScheduler(engine, engine.dataDir, (t) => console.error(`prodlike web: ${t}`));
  await schedules.load().catch((e: unknown) => console.error(`prodlike web: the drift schedules were not loaded: ${(e as Error).message}`));
  const host = createApi({
    engine,
    hub,
    mode: 'web',
    version: APP_VERSION,
    dataDir: engine.dataDir,
    schedules,
  });
  await host.warm();
  const web = await startWebServer({ handlers: host.handlers, hub, rendererDir: rendererDir(), port });
  console.log(`Prodlike is running at ${web.url}`);
  console.log('Open that URL. The token after # stays in your browser, which sends it only as a request header.');
  const stop = async () => {
    await web.close();
    // Its timers stop at once; a check under way is not waited for (the engine's close ends it).
    void schedules.close();
    await host.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`prodlike web: ${(err as Error)?.message ?? err}`);
  process.exit(1);
});
