// Where Electron's binary is, or null. Does what `require('electron')` does to find it, but without its
// side effect: that require tries to download the binary when it is missing, which cannot work here.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export function electronBinary() {
  let dir;
  try {
    dir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = path.join(dir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const base = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(dir, 'dist');
  if (!rel && !process.env.ELECTRON_OVERRIDE_DIST_PATH) return null;
  const bin = path.join(base, rel || 'electron');
  return existsSync(bin) ? bin : null;
}
