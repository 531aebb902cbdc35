// The tray (menu-bar) item: lists the profiles and switches to one without opening the window. The
// menu is rebuilt when something changes (a run ends, folders change), never on a timer.

import { Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import type { Handlers } from '../api/handlers.js';
import type { PushHub } from '../api/push-hub.js';
import { TRAY_ICON_DATA_URL } from './tray-icon.js';

interface TrayOptions {
  handlers: Handlers;
  hub: PushHub;
  /** The active profile's file (one read of the app's state, not a status sweep of every profile). */
  activeProfile(): Promise<string | undefined>;
  showWindow(): void;
  quit(): void;
}

export function createTray(opts: TrayOptions): Tray | null {
  let tray: Tray;
  try {
    tray = new Tray(nativeImage.createFromDataURL(TRAY_ICON_DATA_URL));
  } catch {
    return null; // some Linux desktops have no tray; the window alone still does everything
  }
  tray.setToolTip('Prodlike');
  tray.on('click', opts.showWindow);

  async function rebuild(): Promise<void> {
    const items: MenuItemConstructorOptions[] = [];
    try {
      const [profiles, activeFile] = await Promise.all([opts.handlers['profiles:list'](), opts.activeProfile().catch(() => undefined)]);
      for (const p of profiles) {
        const active = !p.error && p.file === activeFile;
        items.push({
          label: p.error ? `${p.name} (invalid)` : `${p.name}${p.role ? ` — ${p.role}` : ''}`,
          type: 'radio',
          checked: active,
          enabled: !p.error && p.role !== 'production',
          click: () => void opts.handlers['runs:start']({ kind: 'use', file: p.file }).catch(() => undefined),
        });
      }
    } catch (err) {
      items.push({ label: `Profiles unavailable: ${(err as Error).message}`, enabled: false });
    }
    if (items.length === 0) items.push({ label: 'No profiles', enabled: false });
    items.push({ type: 'separator' }, { label: 'Open Prodlike', click: opts.showWindow }, { label: 'Quit', click: opts.quit });
    if (!tray.isDestroyed()) tray.setContextMenu(Menu.buildFromTemplate(items));
  }

  opts.hub.subscribe((push) => {
    if (push.type === 'profiles-changed' || (push.type === 'run-event' && push.event.type === 'run-end')) void rebuild();
  });
  void rebuild();
  return tray;
}
