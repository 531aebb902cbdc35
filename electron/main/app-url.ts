// The renderer's address in the desktop app, and the decisions made on URLs: which frame is our page
// (IPC is answered only there), where a frame may navigate (nowhere else). Pure, so it is tested without
// Electron. The renderer loads from app://prodlike/ rather than file://, so the CSP's 'self' means the
// renderer's own folder and not every file on the disk.

export const APP_SCHEME = 'app';
export const APP_HOST = 'prodlike';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const INDEX_URL = `${APP_ORIGIN}/index.html`;

function parse(url: string | undefined): URL | null {
  if (!url) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True when a URL is our page, app://prodlike/index.html (or /), whatever its #hash. No query: the
 *  app never adds one, so one means someone else built the URL. */
export function isOurPage(url: string | undefined): boolean {
  const u = parse(url);
  return (
    u !== null &&
    u.protocol === `${APP_SCHEME}:` &&
    u.host === APP_HOST &&
    u.username === '' &&
    u.password === '' &&
    u.search === '' &&
    (u.pathname === '/index.html' || u.pathname === '/')
  );
}

/** Navigation (will-navigate, will-frame-navigate): only the main frame, only to our own page (a
 *  reload by location.href). Everything else, including every subframe, is refused: the app has none. */
export function mayNavigate(url: string, isMainFrame: boolean): boolean {
  return isMainFrame && isOurPage(url);
}

export interface IpcCaller {
  /** The sender is the webContents of our one window. */
  fromOurWindow: boolean;
  /** The sending frame is that window's main frame (not an iframe). */
  isMainFrame: boolean;
  /** The sending frame's URL, when the frame still exists. */
  frameUrl: string | undefined;
}

/** Every IPC call is checked: our window, its main frame, showing our page. */
export function ipcCallerAllowed(caller: IpcCaller): boolean {
  return caller.fromOurWindow && caller.isMainFrame && isOurPage(caller.frameUrl);
}
