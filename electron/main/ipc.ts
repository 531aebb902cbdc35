// One ipcMain.handle per API channel. Each checks that the call comes from our own page (app://prodlike)
// in the main frame of our own window, then goes through the same validation and envelope as browser
// mode (api/dispatch.ts).
// Pushes go to the window in batches: thousands of log lines a second must not mean thousands of IPC
// messages.

import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { API_CHANNELS } from '../../shared/api.js';
import { dispatch } from '../api/dispatch.js';
import type { Handlers } from '../api/handlers.js';
import type { PushHub } from '../api/push-hub.js';
import { PUSH_CHANNEL } from '../preload/ipc-names.js';
import { ipcCallerAllowed } from './app-url.js';

export function registerIpc(handlers: Handlers, getWindow: () => BrowserWindow | null): void {
  for (const channel of API_CHANNELS) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, request: unknown) => {
      const win = getWindow();
      const frame = event.senderFrame;
      const caller = {
        fromOurWindow: !!win && event.sender === win.webContents,
        isMainFrame: !!frame && frame.parent === null,
        frameUrl: frame?.url,
      };
      if (!ipcCallerAllowed(caller)) {
        return { error: { name: 'Forbidden', message: 'Calls are accepted only from the Prodlike window.' } };
      }
      return dispatch(handlers, channel, request);
    });
  }
}

export function forwardPushes(hub: PushHub, getWindow: () => BrowserWindow | null): () => void {
  return hub.subscribeBatched((pushes) => {
    const win = getWindow();
    if (win && !win.isDestroyed()) win.webContents.send(PUSH_CHANNEL, pushes);
  });
}
