// `npm run web`: the whole app in a browser, served on 127.0.0.1 with a one-time token.
//   node dist/web/server.mjs [--port N] [--data-dir DIR] [--profiles DIR]...

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { APP_VERSION } from '../api/app-version.js';
import { openAppHost } from '../api/app-host.js';
import { oldAppDataDir } from '../engine/state/data-dir.js';
import { startWebServer } from './web-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** dist/web/server.mjs → dist/renderer; from the source tree (tsx) → dist/renderer too. */
function rendererDir(): string {
  const candidates = [path.resolve(here, '../renderer'), path.resolve(here, '../../dist/renderer')];
  return candidates.find((d) => existsSync(path.join(d, 'index.html'))) ?? candidates[0]!;
}

/** The CLI built with this server (dist/cli/main.mjs): its build is the one the agent serves. */
function cliMain(): string {
  const candidates = [path.resolve(here, '../cli/main.mjs'), path.resolve(here, '../../dist/cli/main.mjs')];
  return candidates.find((f) => existsSync(f)) ?? candidates[0]!;
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
  // The CLI's data folder, unless one is given; the desktop app's old state moves into it once.
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : undefined;
  const oldDataDir = dataDir ? undefined : oldAppDataDir();
  const app = await openAppHost({
    mode: 'web',
    ...(dataDir ? { dataDir } : {}),
    ...(oldDataDir ? { oldDataDir } : {}),
    ...(values.profiles ? { profileFolders: values.profiles.map((p) => path.resolve(p)) } : {}),
    version: APP_VERSION,
    cliMain: cliMain(),
  });
  await app.api.warm();
  const web = await startWebServer({ handlers: app.api.handlers, hub: app.hub, rendererDir: rendererDir(), port });
  console.log(`Prodlike is running at ${web.url}`);
  console.log('Open that URL. The token after # stays in your browser, which sends it only as a request header.');
  void app.agent?.ready.then((st) => {
    if (st) console.log(`Serving as the Prodlike agent of ${st.dataDir}: \`prodlike\` commands in a terminal run here (${st.socket}).`);
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await web.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`prodlike web: ${(err as Error)?.message ?? err}`);
  process.exit(1);
});
