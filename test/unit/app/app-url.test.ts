// The desktop app's URL decisions: our page is app://prodlike/index.html and nothing else; no frame
// navigates anywhere else; IPC is answered only for our window's main frame showing our page.
import { describe, expect, it } from 'vitest';
import { INDEX_URL, ipcCallerAllowed, isOurPage, mayNavigate } from '../../../electron/main/app-url';

describe('our page', () => {
  it('is app://prodlike/index.html or app://prodlike/, with or without a #hash', () => {
    expect(INDEX_URL).toBe('app://prodlike/index.html');
    for (const url of ['app://prodlike/index.html', 'app://prodlike/', 'app://prodlike/index.html#/drift']) {
      expect(isOurPage(url), url).toBe(true);
    }
  });

  it('is not a file:// page, another host or scheme, another path, or a URL with a query or credentials', () => {
    for (const url of [
      'file:///opt/Prodlike/resources/app.asar/dist/renderer/index.html',
      'app://evil/index.html',
      'app://prodlike.evil/index.html',
      'app://prodlike:8080/index.html',
      'http://prodlike/index.html',
      'https://prodlike/index.html',
      'app://prodlike/assets/index.js',
      'app://prodlike/index.html?x=1',
      'app://user@prodlike/index.html',
      'app://prodlike/other.html',
      'not a url',
      '',
      undefined,
    ]) {
      expect(isOurPage(url), String(url)).toBe(false);
    }
  });
});

describe('navigation', () => {
  it('lets the main frame reload our own page', () => {
    expect(mayNavigate('app://prodlike/index.html', true)).toBe(true);
  });

  it('refuses every other target, and every subframe navigation', () => {
    for (const url of ['https://example.com/', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'app://evil/index.html', 'javascript:alert(1)', 'data:text/html,x', 'about:blank']) {
      expect(mayNavigate(url, true), url).toBe(false);
    }
    expect(mayNavigate('app://prodlike/index.html', false)).toBe(false);
  });
});

describe('IPC sender', () => {
  const ok = { fromOurWindow: true, isMainFrame: true, frameUrl: 'app://prodlike/index.html' };

  it('is answered from our window, main frame, our page', () => {
    expect(ipcCallerAllowed(ok)).toBe(true);
  });

  it('is refused from another window, a subframe, another page, or a frame that is gone', () => {
    expect(ipcCallerAllowed({ ...ok, fromOurWindow: false })).toBe(false);
    expect(ipcCallerAllowed({ ...ok, isMainFrame: false })).toBe(false);
    expect(ipcCallerAllowed({ ...ok, frameUrl: 'https://example.com/' })).toBe(false);
    expect(ipcCallerAllowed({ ...ok, frameUrl: 'file:///tmp/index.html' })).toBe(false);
    expect(ipcCallerAllowed({ ...ok, frameUrl: undefined })).toBe(false);
  });
});
