// The browser-mode server in-process, over real HTTP on 127.0.0.1, with stand-in handlers instead of
// the engine: every gate (Host, Origin, token, query, content type, escapes) seen from outside.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handlers } from '../../../electron/api/handlers';
import { PushHub } from '../../../electron/api/push-hub';
import { NONCE_PLACEHOLDER } from '../../../electron/api/renderer-page';
import { startWebServer, type WebServer } from '../../../electron/web/web-server';

const TOKEN = 'unit-test-token-0123456789abcdefghij';
const handlers = new Proxy({} as Handlers, { get: (_t, channel: string) => async (req: unknown) => ({ channel, req }) });
const hub = new PushHub();
let web: WebServer;
let dir: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: web.port, method, path: target, headers }, (res) => {
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        // The stream never ends: take the first chunk, publish a push, take the next, hang up.
        const chunks: string[] = [];
        res.on('data', (c: Buffer) => {
          chunks.push(c.toString());
          if (chunks.length === 1) hub.publish({ type: 'profiles-changed' });
          else {
            resolve({ status: res.statusCode!, headers: res.headers, body: chunks.join('') });
            req.destroy();
          }
        });
        return;
      }
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = { 'content-type': 'application/json' };
const auth = { ...json, 'x-prodlike-token': TOKEN };
const call = (channel: string, headers: Record<string, string> = auth, body = 'null') => send('POST', `/api/${channel}`, headers, body);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'prodlike-web-unit-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), `<meta property="csp-nonce" nonce="${NONCE_PLACEHOLDER}"><p>page</p>`);
  await writeFile(path.join(dir, 'assets/app.js'), 'console.log(1)');
  await writeFile(path.join(path.dirname(dir), `${path.basename(dir)}-secret.txt`), 'secret');
  web = await startWebServer({ handlers, hub, rendererDir: dir, token: TOKEN });
});
afterAll(async () => {
  await web?.close();
  await rm(dir, { recursive: true, force: true });
  await rm(path.join(path.dirname(dir), `${path.basename(dir)}-secret.txt`), { force: true });
});

describe('browser-mode server: token', () => {
  it('prints a URL carrying the token in the fragment only', () => {
    expect(web.url).toBe(`http://127.0.0.1:${web.port}/#token=${TOKEN}`);
    expect(new URL(web.url).search).toBe('');
  });

  it('answers an API call with the token header', async () => {
    const r = await call('profiles:list');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ result: { channel: 'profiles:list' } });
  });

  it('refuses an API call without the header, or with a wrong one (403)', async () => {
    expect((await call('profiles:list', json)).status).toBe(403);
    expect((await call('profiles:list', { ...json, 'x-prodlike-token': TOKEN.slice(0, -1) + '_' })).status).toBe(403);
  });

  it('refuses ?token= on every endpoint, even when it is the right token and the header is there too (403)', async () => {
    const q = `token=${TOKEN}`;
    for (const [method, target] of [
      ['GET', `/?${q}`],
      ['GET', `/index.html?${q}`],
      ['GET', `/assets/app.js?${q}`],
      ['GET', `/missing?${q}`],
      ['GET', `/api/events?${q}`],
      ['POST', `/api/profiles:list?${q}`],
      ['POST', `/api/profiles:list?a=1&TOKEN=x`],
    ] as const) {
      const r = await send(method, target, auth, method === 'POST' ? 'null' : undefined);
      expect(r.status, `${method} ${target}`).toBe(403);
      expect(JSON.parse(r.body).error.message).toMatch(/not accepted in the URL query/);
    }
  });

  it('opens the event stream with the header only, and streams pushes on it', async () => {
    expect((await send('GET', '/api/events')).status).toBe(403);
    const r = await send('GET', '/api/events', { 'x-prodlike-token': TOKEN });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(r.body).toContain('data: [{"type":"profiles-changed"}]\n\n');
  });
});

describe('browser-mode server: origin and host', () => {
  it('refuses a foreign Origin, even with the token (403), and accepts its own', async () => {
    expect((await call('profiles:list', { ...auth, origin: 'http://evil.example' })).status).toBe(403);
    expect((await call('profiles:list', { ...auth, origin: `http://127.0.0.1:${web.port + 1}` })).status).toBe(403);
    expect((await call('profiles:list', { ...auth, origin: `http://127.0.0.1:${web.port}` })).status).toBe(200);
  });

  it('refuses a foreign Host on the API and on the page (403)', async () => {
    expect((await call('profiles:list', { ...auth, host: `evil.example:${web.port}` })).status).toBe(403);
    expect((await send('GET', '/', { host: `evil.example:${web.port}` })).status).toBe(403);
    expect((await send('GET', '/', { host: `localhost:${web.port}` })).status).toBe(200);
  });
});

describe('browser-mode server: requests', () => {
  it('accepts only application/json bodies (415 otherwise)', async () => {
    expect((await call('profiles:list', { ...auth, 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
    for (const type of ['text/plain', 'application/jsonx', 'application/json-seq', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expect((await call('profiles:list', { ...auth, 'content-type': type })).status, type).toBe(415);
    }
    const { 'content-type': _omit, ...noType } = auth;
    expect((await call('profiles:list', noType)).status).toBe(415);
  });

  it('answers a malformed percent escape with 400, not 500', async () => {
    expect((await send('POST', '/api/profiles%zz', auth, 'null')).status).toBe(400);
    expect((await send('POST', '/api/%E0%A4%A', auth, 'null')).status).toBe(400);
    expect((await send('GET', '/%zz')).status).toBe(400);
    expect((await send('GET', '/assets/%C0%AF')).status).toBe(400);
  });

  it('answers an absolute-form request target with 400', async () => {
    expect((await send('GET', `http://127.0.0.1:${web.port}/`)).status).toBe(400);
  });

  it('answers an unknown channel 404, bad JSON 400, and a GET on the API 405', async () => {
    expect((await call('fs:readFile')).status).toBe(404);
    expect((await call('profiles:list', auth, '{nope')).status).toBe(400);
    expect((await send('GET', '/api/profiles:list', auth)).status).toBe(405);
    expect((await send('POST', '/index.html', auth, 'null')).status).toBe(405);
  });
});

describe('browser-mode server: the page', () => {
  it('serves the page with a fresh nonce in both the page and its CSP header, never cached', async () => {
    const a = await send('GET', '/');
    const b = await send('GET', '/index.html');
    const nonceOf = (r: Reply) => /'nonce-([^']+)'/.exec(String(r.headers['content-security-policy']))?.[1];
    expect(a.status).toBe(200);
    expect(nonceOf(a)).toBeTruthy();
    expect(a.body).toContain(`nonce="${nonceOf(a)}"`);
    expect(a.body).not.toContain(NONCE_PLACEHOLDER);
    expect(nonceOf(b)).not.toBe(nonceOf(a));
    expect(a.headers['cache-control']).toBe('no-store');
    expect(String(a.headers['content-security-policy'])).not.toContain('unsafe-inline');
  });

  it('serves assets with the CSP (no nonce) and nothing outside the renderer folder', async () => {
    const js = await send('GET', '/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(String(js.headers['content-security-policy'])).toContain("style-src 'self';");
    for (const target of ['/../package.json', '/%2e%2e/package.json', `/%2e%2e/${path.basename(dir)}-secret.txt`, '/..%2f..%2fetc%2fpasswd', '/assets']) {
      const r = await send('GET', target);
      expect(r.status, target).toBe(404);
      expect(r.body).not.toContain('secret');
    }
  });
});
