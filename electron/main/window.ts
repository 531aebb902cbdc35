// The one window, locked down: isolated, sandboxed, no Node, no navigation, no new windows, no
// permissions, no remote content. The page's CSP is in renderer/index.html (a meta tag, since file://
// responses carry no headers).

import { app, BrowserWindow, session } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** dist/electron/main.cjs → dist/renderer/index.html (the same layout inside the packaged asar). */
export const INDEX_HTML = path.join(__dirname, '../renderer/index.html');
const INDEX_URL = pathToFileURL(INDEX_HTML);

/** True when a frame shows our own page (whatever its #hash or ?query). */
export function isOurPage(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === 'file:' && u.pathname === INDEX_URL.pathname;
  } catch {
    return false;
  }
}

/** Rules for every web contents and the default session; call once, before the first window. */
export function hardenSessions(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e) => e.preventDefault());
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  // Nothing remote is ever loaded: the renderer is local files and talks only over IPC.
  ses.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] }, (_d, callback) =>
    callback({ cancel: true }),
  );
}

export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 880,
    minHeight: 560,
    show: false,
    title: 'Prodlike',
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(INDEX_HTML);
  return win;
}
