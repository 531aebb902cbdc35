// Electron's main process: one window, a tray item, and the API served over IPC. All behaviour lives
// in the engine and the shared host layer; this file only wires them to Electron.

import { app, BrowserWindow } from 'electron';
import path from 'node:path';
import { Engine } from '../engine/engine.js';
import { APP_VERSION } from '../api/app-version.js';
import { createApi } from '../api/handlers.js';
import { PushHub } from '../api/push-hub.js';
import { forwardPushes, registerIpc } from './ipc.js';
import { notifyDriftChanges, notifyLongRuns } from './notify.js';
import { localDriftScheduler } from '../api/local-drift-scheduler.js';
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

  void app.whenReady().then(() => {
    hardenSessions();
    const dataDir = app.getPath('userData');
    const engine = new Engine({ dataDir, profileFolders: [builtinProfiles()] });
    const hub = new PushHub();
    // Scheduled drift: the app's own scheduler over the data folder's schedule file, for now. Once the
    // app hosts the background agent, this is the agent's scheduler instead.
    const schedules = localDriftScheduler(engine, dataDir, (t) => console.error(`prodlike: ${t}`));
    schedules.load().catch((e: unknown) => console.error(`prodlike: the drift schedules were not loaded: ${(e as Error).message}`));
    const host = createApi({ engine, hub, mode: 'electron', version: APP_VERSION, dataDir, schedules });
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
    app.on('before-quit', () => {
      quitting = true;
      // Its timers stop at once; a check under way is not waited for (the engine's close ends it).
      void schedules.close();
      void host.close();
    });
    app.on('window-all-closed', () => {
      if (!tray) app.quit();
    });
  });
}
