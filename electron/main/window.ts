// The one window, locked down: isolated, sandboxed, no Node, no navigation, no new windows, no
// permissions, no remote content. The renderer loads from app://prodlike/ (a custom protocol, not
// file://), whose handler sends the Content-Security-Policy as a response header.
// docs/app.md maps each item of Electron's security checklist to the line that meets it.

import { app, BrowserWindow, protocol, session, type WebContents } from 'electron';
import path from 'node:path';
import { APP_SCHEME, INDEX_URL, mayNavigate } from './app-url.js';
import { rendererResponse } from './renderer-response.js';

/** dist/electron/main.cjs → dist/renderer (the same layout inside the packaged asar). */
export const RENDERER_DIR = path.join(__dirname, '../renderer');

/** Before the app is ready: app:// is a standard scheme (so it has an origin, and 'self' means it) and
 *  a secure one (a secure context, as https is). Nothing else: no CSP bypass, no service workers. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
}

/** Navigation, redirects, <webview> and new windows, for every web contents the app ever creates. */
export function guardContents(contents: WebContents): void {
  contents.on('will-navigate', (e) => {
    if (!mayNavigate(e.url, e.isMainFrame)) e.preventDefault();
  });
  contents.on('will-frame-navigate', (e) => {
    if (!mayNavigate(e.url, e.isMainFrame)) e.preventDefault();
  });
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Rules for every web contents and the default session; call once, when ready, before the first window. */
export function hardenSessions(): void {
  app.on('web-contents-created', (_event, contents) => guardContents(contents));
  const ses = session.defaultSession;
  ses.protocol.handle(APP_SCHEME, (request) => rendererResponse(RENDERER_DIR, request));
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  // Nothing remote is ever loaded: the renderer is app:// and talks only over IPC.
  ses.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] }, (_d, callback) =>
    callback({ cancel: true }),
  );
}

export const WEB_PREFERENCES = {
  preload: path.join(__dirname, 'preload.cjs'),
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const satisfies Electron.WebPreferences;

export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 880,
    minHeight: 560,
    show: false,
    title: 'Prodlike',
    backgroundColor: '#f6f7f9',
    webPreferences: { ...WEB_PREFERENCES },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(INDEX_URL);
  return win;
}
