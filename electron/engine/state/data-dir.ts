// Where the app keeps its own state: the user's data folder (XDG on Linux). Nothing here is the truth
// about machines (the Docker engine's labels are); deleting it loses history, not environments.

import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PRODLIKE_DATA_DIR) return path.resolve(env.PRODLIKE_DATA_DIR);
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Prodlike');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Prodlike');
    default:
      return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'prodlike');
  }
}

/**
 * Where the desktop app kept its state before it shared the CLI's folder: Electron's userData for the
 * product name Prodlike. Only Linux differs from defaultDataDir (macOS and Windows were the same folder).
 */
export function oldAppDataDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (process.platform === 'darwin' || process.platform === 'win32') return undefined;
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'Prodlike');
}
