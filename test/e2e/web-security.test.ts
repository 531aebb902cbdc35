// Browser mode serves the engine to whoever can reach it, so it must refuse everyone but the page that
// holds the token, from its own origin, on 127.0.0.1. The real server with the real engine and the
// built renderer; the last part loads the page in Chromium and checks that the browser enforces the CSP.
import { request } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchBrowser } from './support/browser';
import { startTestApp, type TestApp } from './support/web-app';

let app: TestApp;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: app.web.port, method, path, headers }, (res) => {
      // The event stream never ends: take what came in the first moment.
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.once('data', (c: Buffer) => {
          resolve({ status: res.statusCode!, headers: res.headers, body: c.toString() });
          req.destroy();
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
const withToken = (): Record<string, string> => ({ ...json, 'x-prodlike-token': app.web.token });
const call = (channel: string, body: unknown, headers: Record<string, string> = withToken()) => send('POST', `/api/${channel}`, headers, JSON.stringify(body));

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

describe('browser-mode server security', () => {
  it('listens on 127.0.0.1 only, and prints a URL carrying the token in the hash', () => {
    const addr = app.web.server.address();
    expect(typeof addr === 'object' && addr?.address).toBe('127.0.0.1');
    expect(app.web.url).toBe(`http://127.0.0.1:${app.web.port}/#token=${app.web.token}`);
    expect(app.web.token.length).toBeGreaterThanOrEqual(32);
  });

  it('answers a call that has the token', async () => {
    const r = await call('profiles:list', null);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).result.map((p: { name: string }) => p.name)).toContain('e2e-alpha');
  });

  it('refuses a call without the token (403)', async () => {
    const r = await call('profiles:list', null, json);
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.message).toMatch(/token/);
  });

  it('refuses a wrong token (403)', async () => {
    const r = await call('profiles:list', null, { ...json, 'x-prodlike-token': 'x'.repeat(app.web.token.length) });
    expect(r.status).toBe(403);
  });

  it('refuses another Origin even with the token (403)', async () => {
    const r = await call('profiles:list', null, { ...withToken(), origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    const sameHostOtherPort = await call('profiles:list', null, { ...withToken(), origin: `http://127.0.0.1:${app.web.port + 1}` });
    expect(sameHostOtherPort.status).toBe(403);
    const own = await call('profiles:list', null, { ...withToken(), origin: `http://127.0.0.1:${app.web.port}` });
    expect(own.status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding) (403)', async () => {
    const r = await call('profiles:list', null, { ...withToken(), host: `evil.example:${app.web.port}` });
    expect(r.status).toBe(403);
  });

  it('refuses an unknown channel (404)', async () => {
    const r = await call('fs:readFile', { path: '/etc/shadow' });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).error.name).toBe('UnknownChannelError');
  });

  it('refuses invalid input with a message (400)', async () => {
    const r = await call('runs:start', { kind: 'up', file: 'not/absolute.yaml' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toMatch(/file: must be an absolute path/);
    const bad = await send('POST', '/api/profiles:list', withToken(), '{not json');
    expect(bad.status).toBe(400);
  });

  it('will not run a YAML file outside the profile folders', async () => {
    const r = await call('runs:start', { kind: 'up', file: '/etc/some.yaml' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).error.message).toMatch(/Not a profile in the profile folders/);
  });

  it('accepts only JSON bodies, the media type checked exactly (a cross-site form post cannot reach a handler)', async () => {
    for (const type of ['text/plain', 'application/jsonx', 'application/json-patch+json', 'application/x-www-form-urlencoded']) {
      const r = await send('POST', '/api/profiles:list', { 'content-type': type, 'x-prodlike-token': app.web.token }, 'null');
      expect(r.status, type).toBe(415);
    }
    expect((await call('profiles:list', null, { ...withToken(), 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
  });

  it('opens the event stream only with the token header', async () => {
    expect((await send('GET', '/api/events')).status).toBe(403);
    const ok = await send('GET', '/api/events', { 'x-prodlike-token': app.web.token });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/text\/event-stream/);
  });

  it('refuses ?token= on every endpoint, even the right token (403)', async () => {
    const q = `token=${encodeURIComponent(app.web.token)}`;
    expect((await send('GET', `/api/events?${q}`)).status).toBe(403);
    expect((await send('GET', `/api/events?${q}`, { 'x-prodlike-token': app.web.token })).status).toBe(403);
    expect((await send('POST', `/api/profiles:list?${q}`, withToken(), 'null')).status).toBe(403);
    expect((await send('GET', `/?${q}`)).status).toBe(403);
    expect((await send('GET', `/index.html?${q}`)).status).toBe(403);
  });

  it('answers malformed percent escapes with 400, not 500', async () => {
    expect((await send('POST', '/api/profiles%zz', withToken(), 'null')).status).toBe(400);
    expect((await send('GET', '/%E0%A4%A')).status).toBe(400);
  });

  it('serves the page with a strict CSP, and nothing outside the renderer folder', async () => {
    const page = await send('GET', '/');
    expect(page.status).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9+/=]+';/);
    expect(csp).not.toContain('unsafe-inline');
    // The built page carries the nonce of its own header, where Vite marked it.
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(page.body).toContain(`<meta property="csp-nonce" nonce="${nonce}">`);
    expect(page.body).not.toContain('PRODLIKE_CSP_NONCE');
    expect(page.body).not.toMatch(/<style|style="/);
    expect((await send('GET', '/../package.json')).status).toBe(404);
    expect((await send('GET', '/%2e%2e/package.json')).status).toBe(404);
  });
});

describe.skipIf(!haveChromium())('browser-mode page in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(app.web.url);
    await page.getByRole('button', { name: /^e2e-alpha/ }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('loads the app under the CSP without a violation, and takes the token out of the address bar', () => {
    expect(violations).toEqual([]);
    expect(page.url()).toBe(`http://127.0.0.1:${app.web.port}/`);
  });

  it('blocks styles from injected markup, style attributes and unmarked <style> elements', async () => {
    const before = violations.length;
    const applied = (await page.evaluate(`(() => {
      const probe = (id) => { const d = document.createElement('div'); d.id = id; document.body.append(d); return d; };
      const injected = probe('injected');
      document.body.insertAdjacentHTML('beforeend', '<style>#injected { color: rgb(1, 2, 3) }</style>');
      const attr = probe('attr');
      attr.setAttribute('style', 'color: rgb(4, 5, 6)');
      const unmarked = probe('unmarked');
      const style = document.createElement('style');
      style.textContent = '#unmarked { color: rgb(7, 8, 9) }';
      document.head.append(style);
      const color = (el) => getComputedStyle(el).color;
      return { injected: color(injected), attr: color(attr), unmarked: color(unmarked) };
    })()`)) as Record<string, string>;
    expect(applied).not.toMatchObject({ injected: 'rgb(1, 2, 3)' });
    expect(applied).not.toMatchObject({ attr: 'rgb(4, 5, 6)' });
    // Until the shell view (xterm.js) is loaded, nothing stamps the nonce: this one is blocked too.
    expect(applied).not.toMatchObject({ unmarked: 'rgb(7, 8, 9)' });
    await expect.poll(() => violations.length - before).toBeGreaterThanOrEqual(3);
  });

  it('once the shell view is loaded, <style> elements our scripts create apply (they carry the nonce); injected markup still does not', async () => {
    await page.getByRole('button', { name: /^e2e-alpha/ }).click();
    await page.getByRole('tab', { name: 'Shell' }).click();
    await page.getByRole('button', { name: 'Open shell' }).waitFor();
    const applied = (await page.evaluate(`(() => {
      const probe = (id) => { const d = document.createElement('div'); d.id = id; document.body.append(d); return d; };
      const ours = probe('ours');
      const style = document.createElement('style');
      style.textContent = '#ours { color: rgb(10, 11, 12) }';
      document.head.append(style);
      const injected = probe('injected2');
      document.body.insertAdjacentHTML('beforeend', '<style>#injected2 { color: rgb(13, 14, 15) }</style>');
      const color = (el) => getComputedStyle(el).color;
      return { ours: color(ours), injected: color(injected) };
    })()`)) as Record<string, string>;
    expect(applied.ours).toBe('rgb(10, 11, 12)');
    expect(applied.injected).not.toBe('rgb(13, 14, 15)');
  });

  it('blocks inline scripts and scripts from elsewhere', async () => {
    const ran = (await page.evaluate(`new Promise((resolve) => {
      window.__inline = false;
      const s = document.createElement('script');
      s.textContent = 'window.__inline = true';
      document.body.append(s);
      const remote = document.createElement('script');
      remote.src = 'data:text/javascript,window.__remote=true';
      remote.onerror = () => resolve({ inline: window.__inline, remote: window.__remote === true });
      remote.onload = () => resolve({ inline: window.__inline, remote: window.__remote === true });
      document.body.append(remote);
      setTimeout(() => resolve({ inline: window.__inline, remote: window.__remote === true }), 2000);
    })`)) as { inline: boolean; remote: boolean };
    expect(ran).toEqual({ inline: false, remote: false });
  });

  it('the page opened with ?token= is refused', async () => {
    const other = await browser.newPage();
    const res = await other.goto(`http://127.0.0.1:${app.web.port}/?token=${encodeURIComponent(app.web.token)}`);
    expect(res?.status()).toBe(403);
    await other.close();
  });
});
