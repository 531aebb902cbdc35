// What Electron's app:// protocol handler answers, with plain Requests (no Electron needed).
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NONCE_PLACEHOLDER } from '../../../electron/api/renderer-page';
import { rendererResponse } from '../../../electron/main/renderer-response';

let root: string;
const get = (url: string, method = 'GET') => rendererResponse(root, { url, method });

beforeAll(async () => {
  const tmp = await mkdtemp(path.join(tmpdir(), 'prodlike-protocol-'));
  root = path.join(tmp, 'renderer');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), `<meta property="csp-nonce" nonce="${NONCE_PLACEHOLDER}"><script nonce="${NONCE_PLACEHOLDER}" src="./assets/a.js"></script>`);
  await writeFile(path.join(root, 'assets/a.js'), 'export {}');
  await writeFile(path.join(tmp, 'secret.txt'), 'secret');
});
afterAll(async () => {
  await rm(path.dirname(root), { recursive: true, force: true });
});

describe('app:// protocol handler', () => {
  it('serves the page with the CSP as a response header, and a fresh nonce in both', async () => {
    const a = await get('app://prodlike/index.html');
    const b = await get('app://prodlike/');
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = a.headers.get('content-security-policy')!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    const html = await a.text();
    expect(html).toContain(`nonce="${nonce}"`);
    expect(html).not.toContain(NONCE_PLACEHOLDER);
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe');
    expect(/'nonce-([^']+)'/.exec(b.headers.get('content-security-policy')!)![1]).not.toBe(nonce);
  });

  it('serves assets with their type and the CSP', async () => {
    const r = await get('app://prodlike/assets/a.js');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await r.text()).toBe('export {}');
  });

  it('refuses paths leading out of the renderer folder (404) and malformed escapes (400)', async () => {
    for (const url of ['app://prodlike/%2e%2e/secret.txt', 'app://prodlike/assets/%2E%2E/%2E%2E/secret.txt', 'app://prodlike/..%2fsecret.txt', 'app://prodlike/..%5csecret.txt', 'app://prodlike/assets', 'app://prodlike/missing.js']) {
      const r = await get(url);
      expect(r.status, url).toBe(404);
      expect(await r.text()).not.toContain('secret');
    }
    // The URL parser folds a plain ../ before the handler sees it: it stays inside.
    expect((await get('app://prodlike/../index.html')).status).toBe(200);
    expect((await get('app://prodlike/%zz')).status).toBe(400);
  });

  it('answers only GET and HEAD on its own host', async () => {
    expect((await get('app://prodlike/index.html', 'POST')).status).toBe(405);
    const head = await get('app://prodlike/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await get('app://other/index.html')).status).toBe(404);
    expect((await get('file:///etc/passwd')).status).toBe(404);
  });
});
