// Browser mode serves the engine to whoever can reach it, so it must refuse everyone but the page that
// holds the token, from its own origin, on 127.0.0.1.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('accepts only JSON bodies (a cross-site form post cannot reach a handler)', async () => {
    const r = await send('POST', '/api/profiles:list', { 'content-type': 'text/plain', 'x-prodlike-token': app.web.token }, 'null');
    expect(r.status).toBe(415);
  });

  it('opens the event stream only with the token', async () => {
    expect((await send('GET', '/api/events')).status).toBe(403);
    const ok = await send('GET', `/api/events?token=${encodeURIComponent(app.web.token)}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/text\/event-stream/);
  });

  it('serves the page with a strict CSP, and nothing outside the renderer folder', async () => {
    const page = await send('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect((await send('GET', '/../package.json')).status).toBe(404);
    expect((await send('GET', '/%2e%2e/package.json')).status).toBe(404);
  });
});
