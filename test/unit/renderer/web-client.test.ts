import { describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiPush, type ProdlikeApi } from '../../../shared/api';
import { toApiError, withApiErrors } from '../../../renderer/src/lib/api-errors';
import { createSseParser, createWebApi, takeToken } from '../../../renderer/src/lib/web-client';
import { canTrust, hostOf } from '../../../renderer/src/lib/host-key';

function fakeFetch(status: number, body: unknown, seen: { url?: string; init?: RequestInit } = {}) {
  return (async (url: string, init: RequestInit) => {
    seen.url = url;
    seen.init = init;
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
}

describe('web API client', () => {
  it('posts the request with the token and returns the result', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const api = createWebApi({ token: 't0k', fetch: fakeFetch(200, { result: { runId: 'r1' } }, seen) });
    await expect(api.call('runs:start', { kind: 'up', file: '/p/dev.yaml' })).resolves.toEqual({ runId: 'r1' });
    expect(seen.url).toBe('/api/runs%3Astart');
    expect((seen.init!.headers as Record<string, string>)['x-prodlike-token']).toBe('t0k');
    expect(JSON.parse(String(seen.init!.body))).toEqual({ kind: 'up', file: '/p/dev.yaml' });
  });

  it('rethrows an error envelope as ApiError with hint, where and details', async () => {
    const error = { name: 'DockerError', message: 'Docker is not running', hint: 'Start it: systemctl start docker', details: { socket: '/var/run/docker.sock' } };
    const api = createWebApi({ token: 't', fetch: fakeFetch(200, { error }) });
    const err = await api.call('profiles:list', undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject(error);
  });

  it('turns a refused request (403) into an ApiError too', async () => {
    const api = createWebApi({ token: 'bad', fetch: fakeFetch(403, { error: { name: 'Forbidden', message: 'Missing or wrong token' } }) });
    await expect(api.call('app:info', undefined)).rejects.toMatchObject({ name: 'Forbidden' });
  });

  it('says the server is gone when fetch fails', async () => {
    const api = createWebApi({
      token: 't',
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch,
    });
    await expect(api.call('app:info', undefined)).rejects.toMatchObject({ name: 'NetworkError' });
  });

  it('opens one event stream for all subscribers, with the token in a header and not in the URL, and closes it after the last', async () => {
    const opened: { url: string; init: RequestInit; push(text: string): void }[] = [];
    const fetchStream = (async (url: string, init: RequestInit) => {
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
      opened.push({ url, init, push: (text) => controller.enqueue(new TextEncoder().encode(text)) });
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }) as unknown as typeof fetch;
    const api = createWebApi({ token: 'a b', fetch: fetchStream });
    const got: ApiPush[] = [];
    const off1 = api.subscribe((p) => got.push(p));
    const off2 = api.subscribe((p) => got.push(p));
    await vi.waitFor(() => expect(opened).toHaveLength(1));
    expect(opened[0]!.url).toBe('/api/events');
    expect((opened[0]!.init.headers as Record<string, string>)['x-prodlike-token']).toBe('a b');
    opened[0]!.push(': connected\n\ndata: [{"type":"profiles-changed"},');
    opened[0]!.push('{"type":"shell-exit","shellId":"s","code":0}]\n\n');
    await vi.waitFor(() => expect(got).toHaveLength(4));
    expect(got.map((p) => p.type)).toEqual(['profiles-changed', 'profiles-changed', 'shell-exit', 'shell-exit']);
    off1();
    expect(opened[0]!.init.signal!.aborted).toBe(false);
    off2();
    expect(opened[0]!.init.signal!.aborted).toBe(true);
    expect(opened).toHaveLength(1);
  });

  it('reconnects the event stream when it is refused or ends, as EventSource would', async () => {
    const answers = [
      () => new Response('{"error":{}}', { status: 403 }),
      () => new Response('data: [{"type":"profiles-changed"}]\n\n', { status: 200 }),
      () => new Response('data: [{"type":"settings-changed"}]\n\n', { status: 200 }),
    ];
    let calls = 0;
    const fetchSome = (async () => (answers[calls++] ?? (() => new Response(new ReadableStream())))()) as unknown as typeof fetch;
    const api = createWebApi({ token: 't', fetch: fetchSome, retryMs: 1 });
    const got: string[] = [];
    const off = api.subscribe((p) => got.push(p.type));
    await vi.waitFor(() => expect(got).toEqual(['profiles-changed', 'settings-changed']));
    off();
  });

  it('parses Server-Sent Events split anywhere, skipping comments and other fields', () => {
    const text = ': connected\r\n\r\nid: 1\ndata: one\n\ndata:two\ndata: lines\n\nevent: x\n\ndata: three\r\n\r\n';
    for (const size of [1, 2, 3, 7, text.length]) {
      const got: string[] = [];
      const feed = createSseParser((d) => got.push(d));
      for (let i = 0; i < text.length; i += size) feed(text.slice(i, i + size));
      expect(got, `chunks of ${size}`).toEqual(['one', 'two\nlines', 'three']);
    }
  });

  it('takes the token from the URL hash once and keeps it for reloads', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    let cleared = 0;
    expect(takeToken({ hash: '#token=abc' }, storage, () => cleared++)).toBe('abc');
    expect(cleared).toBe(1);
    expect(takeToken({ hash: '' }, storage, () => cleared++)).toBe('abc');
  });

  it('clears a mangled #token= (a malformed escape) without throwing, and keeps the token it had', () => {
    const store = new Map<string, string>([['prodlike.token', 'kept']]);
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    let cleared = 0;
    expect(takeToken({ hash: '#token=%E0%A4%A' }, storage, () => cleared++)).toBe('kept');
    expect(cleared).toBe(1);
    expect(takeToken({ hash: '#x=1&token=a%20b' }, storage, () => cleared++)).toBe('a b');
  });
});

describe('IPC API errors', () => {
  it('rethrows the plain ErrorInfo the preload rejects with as ApiError', async () => {
    const inner: ProdlikeApi = {
      call: (() => Promise.reject({ name: 'ProfileError', message: 'bad key', where: 'dev.yaml:3:5' })) as ProdlikeApi['call'],
      subscribe: () => () => undefined,
    };
    const err = await withApiErrors(inner).call('profiles:list', undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ name: 'ProfileError', where: 'dev.yaml:3:5' });
  });

  it('wraps plain errors and strings', () => {
    expect(toApiError(new TypeError('x'))).toMatchObject({ name: 'TypeError', message: 'x' });
    expect(toApiError('boom')).toMatchObject({ name: 'Error', message: 'boom' });
  });
});

describe('host key errors', () => {
  it('finds the host in `where` and offers Trust only for an unknown key', () => {
    const unknown = { name: 'SshError', message: 'host key of 10.0.0.5:2222 is not trusted', where: '10.0.0.5:2222', details: { fingerprint: 'SHA256:abc', keyType: 'ssh-ed25519' } };
    expect(hostOf(unknown)).toEqual({ host: '10.0.0.5', port: 2222 });
    expect(hostOf({ ...unknown, where: '[::1]:22' })).toEqual({ host: '::1', port: 22 });
    expect(canTrust(unknown)).toBe(true);
    expect(canTrust({ ...unknown, details: { fingerprint: 'SHA256:abc', expected: 'SHA256:old' } })).toBe(false);
    expect(canTrust({ ...unknown, message: 'host key of x:22 is REVOKED in known_hosts' })).toBe(false);
  });
});
