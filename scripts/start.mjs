// `npm start`: builds, then opens the desktop app. Electron's binary downloads from outside the npm
// registry at install time; where it could not, say so in one line and point at browser mode.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const bin = electronBinary();
if (!bin) {
  console.error("Electron's binary is not installed here (it downloads from outside the npm registry) — run `npm run web` for the same app in a browser.");
  process.exit(1);
}

const built = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--quiet'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const child = spawn(bin, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
