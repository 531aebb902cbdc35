// Electron's main process: one window, a tray item, and the API served over IPC. All behaviour lives
// in the engine and the shared host layer; this file only wires them to Electron.

import { app, BrowserWindow } from 'electron';
import path from 'node:path';
import { APP_VERSION } from '../api/app-version.js';
import { openAppHost } from '../api/app-host.js';
import { forwardPushes, registerIpc } from './ipc.js';
import { notifyDriftChanges, notifyLongRuns } from './notify.js';
import { createTray } from './tray.js';
import { createMainWindow, hardenSessions, registerAppScheme } from './window.js';

/** The example profiles shipped with the app (extraResources), or the repository's in development. */
function builtinProfiles(): string {
  return app.isPackaged ? path.join(process.resourcesPath, 'profiles') : path.join(app.getAppPath(), 'profiles');
}

// Both must happen before the app is ready: every renderer sandboxed (not only the ones whose
// webPreferences say so), and app:// known as a standard, secure scheme.
app.enableSandbox();
registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  let quitting = false;
  const getWindow = () => (win && !win.isDestroyed() ? win : null);

  const showWindow = () => {
    if (!getWindow()) {
      win = createMainWindow();
      win.on('close', (e) => {
        // With a tray, closing the window keeps the app (and running setups) alive.
        if (tray && !quitting) {
          e.preventDefault();
          win?.hide();
        }
      });
    }
    win!.show();
    win!.focus();
  };

  let tray: ReturnType<typeof createTray> = null;

  app.on('second-instance', showWindow);

  void app.whenReady().then(async () => {
    hardenSessions();
    // The CLI's data folder (history, locks, the agent's socket are shared); userData was the app's own.
    const opened = await openAppHost({
      mode: 'electron',
      oldDataDir: app.getPath('userData'),
      profileFolders: [builtinProfiles()],
      version: APP_VERSION,
      cliMain: path.join(app.getAppPath(), 'dist', 'cli', 'main.mjs'),
    });
    const { engine, hub, api: host } = opened;
    registerIpc(host.handlers, getWindow);
    forwardPushes(hub, getWindow);
    notifyLongRuns(hub, getWindow);
    notifyDriftChanges(hub, getWindow);
    const quit = () => {
      quitting = true;
      app.quit();
    };
    tray = createTray({ handlers: host.handlers, hub, activeProfile: async () => (await engine.state.activeProfile())?.file, showWindow, quit });
    void host.warm();
    showWindow();

    app.on('activate', showWindow);
    let closed = false;
    app.on('before-quit', (e) => {
      quitting = true;
      if (closed) return;
      // Quit once the agent has stopped serving (its socket removed) and the engine is closed.
      closed = true;
      e.preventDefault();
      void opened.close().finally(() => app.quit());
    });
    app.on('window-all-closed', () => {
      if (!tray) app.quit();
    });
  });
}
