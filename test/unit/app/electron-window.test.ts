// Electron's binary cannot run here, so the main process's wiring is exercised against a stand-in
// 'electron' module: the handlers it installs are called as Electron would call them.
import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const h = vi.hoisted(() => ({
  app: new Map<string, (...a: unknown[]) => void>(),
  schemes: [] as unknown[],
  protocolHandlers: new Map<string, (req: Request) => Promise<Response>>(),
  permissionRequest: null as null | ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void),
  permissionCheck: null as null | (() => boolean),
  devicePermission: null as null | (() => boolean),
  blocked: null as null | { filter: { urls: string[] }; fn: (d: unknown, cb: (r: { cancel: boolean }) => void) => void },
  windows: [] as { opts: { webPreferences: Record<string, unknown> }; loaded?: string; webContents: unknown }[],
  ipc: new Map<string, (event: unknown, req: unknown) => Promise<unknown>>(),
}));

vi.mock('electron', () => ({
  app: { on: (event: string, fn: (...a: unknown[]) => void) => void h.app.set(event, fn) },
  protocol: { registerSchemesAsPrivileged: (s: unknown[]) => void h.schemes.push(...s) },
  session: {
    defaultSession: {
      protocol: { handle: (scheme: string, fn: (req: Request) => Promise<Response>) => void h.protocolHandlers.set(scheme, fn) },
      setPermissionRequestHandler: (fn: typeof h.permissionRequest) => void (h.permissionRequest = fn),
      setPermissionCheckHandler: (fn: typeof h.permissionCheck) => void (h.permissionCheck = fn),
      setDevicePermissionHandler: (fn: typeof h.devicePermission) => void (h.devicePermission = fn),
      webRequest: { onBeforeRequest: (filter: { urls: string[] }, fn: NonNullable<typeof h.blocked>['fn']) => void (h.blocked = { filter, fn }) },
    },
  },
  BrowserWindow: class {
    webContents = { id: 1 };
    constructor(public opts: { webPreferences: Record<string, unknown> }) {
      h.windows.push(this);
    }
    once() {}
    loadURL(url: string) {
      (this as { loaded?: string }).loaded = url;
      return Promise.resolve();
    }
  },
  ipcMain: { handle: (channel: string, fn: (event: unknown, req: unknown) => Promise<unknown>) => void h.ipc.set(channel, fn) },
}));

const { createMainWindow, guardContents, hardenSessions, registerAppScheme } = await import('../../../electron/main/window');
const { registerIpc } = await import('../../../electron/main/ipc');

class FakeContents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
    this.openHandler = fn;
  }
}

/** Emits a navigation-like event; true when the handler prevented it. */
function prevented(contents: FakeContents, event: string, details: object = {}): boolean {
  let stopped = false;
  contents.emit(event, { ...details, preventDefault: () => (stopped = true) });
  return stopped;
}

describe('the desktop window', () => {
  beforeAll(() => {
    registerAppScheme();
    hardenSessions();
  });

  it('registers app:// as a standard, secure scheme, without bypassing the CSP', () => {
    expect(h.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true } }]);
  });

  it('loads the renderer from app://prodlike, not file://', () => {
    const win = createMainWindow() as unknown as (typeof h.windows)[number];
    expect(win.loaded).toBe('app://prodlike/index.html');
  });

  it('is isolated, sandboxed, without Node, webview or experimental features', () => {
    const prefs = h.windows.at(-1)!.opts.webPreferences;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
  });

  it('serves app:// from the renderer folder through the protocol handler', async () => {
    const handler = h.protocolHandlers.get('app')!;
    const r = await handler(new Request('app://prodlike/%2e%2e/package.json'));
    expect(r.status).toBe(404);
  });

  it('refuses every navigation but a main-frame reload of our page, and every redirect', () => {
    const contents = new FakeContents();
    h.app.get('web-contents-created')!({}, contents);
    for (const event of ['will-navigate', 'will-frame-navigate']) {
      expect(prevented(contents, event, { url: 'https://example.com/', isMainFrame: true }), event).toBe(true);
      expect(prevented(contents, event, { url: 'file:///etc/passwd', isMainFrame: true }), event).toBe(true);
      expect(prevented(contents, event, { url: 'app://prodlike/index.html', isMainFrame: false }), event).toBe(true);
      expect(prevented(contents, event, { url: 'app://prodlike/index.html', isMainFrame: true }), event).toBe(false);
    }
    expect(prevented(contents, 'will-redirect', { url: 'app://prodlike/index.html' })).toBe(true);
  });

  it('refuses <webview> and new windows', () => {
    const contents = new FakeContents();
    guardContents(contents as never);
    expect(prevented(contents, 'will-attach-webview')).toBe(true);
    expect(contents.openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'app://prodlike/index.html' })).toEqual({ action: 'deny' });
  });

  it('denies every permission request and check', () => {
    let granted: boolean | null = null;
    h.permissionRequest!({}, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
    expect(h.permissionCheck!()).toBe(false);
    expect(h.devicePermission!()).toBe(false);
  });

  it('cancels every http, https and WebSocket request from the session', () => {
    expect(h.blocked!.filter.urls).toEqual(['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*']);
    let result: { cancel: boolean } | null = null;
    h.blocked!.fn({ url: 'https://example.com/' }, (r) => (result = r));
    expect(result).toEqual({ cancel: true });
  });
});

describe('IPC', () => {
  it("answers our window's main frame on our page, and refuses every other sender", async () => {
    const handlers = new Proxy({}, { get: (_t, channel: string) => async () => ({ channel }) });
    const webContents = { id: 7 };
    const mainFrame = { url: 'app://prodlike/index.html', parent: null };
    registerIpc(handlers as never, () => ({ webContents }) as never);
    const invoke = h.ipc.get('profiles:list')!;
    expect(await invoke({ sender: webContents, senderFrame: mainFrame }, null)).toEqual({ result: { channel: 'profiles:list' } });
    const refusals = [
      { sender: { id: 8 }, senderFrame: mainFrame },
      { sender: webContents, senderFrame: { url: 'app://prodlike/index.html', parent: mainFrame } },
      { sender: webContents, senderFrame: { url: 'file:///tmp/index.html', parent: null } },
      { sender: webContents, senderFrame: null },
    ];
    for (const event of refusals) expect(await invoke(event, null)).toMatchObject({ error: { name: 'Forbidden' } });
  });
});
